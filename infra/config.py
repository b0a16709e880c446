"""Deploy-time configuration read from the cdk.json context and validated with pydantic."""

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from aws_cdk import aws_logs as logs
from constructs import Node
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails

from infra.constants import (
    DEFAULT_API_BURST_LIMIT,
    DEFAULT_API_RATE_LIMIT,
    DEFAULT_AUDIT_LOG_RETENTION_DAYS,
    DEFAULT_LOG_LEVEL,
    DEFAULT_LOG_RETENTION_DAYS,
    DEFAULT_MEASURE_BYTES,
    DEFAULT_PLAN_CONCURRENCY,
    DEFAULT_PLAN_TTL_HOURS,
    DEFAULT_POLICIES_FILE,
    DEFAULT_QUOTA_SHARE,
    DEFAULT_REPORTS_RETENTION_DAYS,
    DEFAULT_RESERVED_CONCURRENCY,
    DEFAULT_STACK_NAME,
    DEFAULT_THREADS,
    DEFAULT_WORKER_CONCURRENCY,
    MAX_PLAN_CONCURRENCY,
    MAX_PLAN_TTL_HOURS,
    MAX_REPORTS_RETENTION_DAYS,
    MAX_THREADS,
    MAX_WORKER_CONCURRENCY,
    REPO_ROOT,
)
from infra.context_values import dedupe, split_names
from infra.usage_config import UsageTrail, parse_usage_trail

# CloudWatch Logs accepts only these retention periods; "never expire" is deliberately not offered.
RETENTION_DAYS: Mapping[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


class ConfigError(ValueError):
    """The cdk.json context (or a -c override) does not describe a deployable service."""


def _check_retention(days: int) -> int:
    if days not in RETENTION_DAYS:
        raise ValueError(f"must be one of the CloudWatch Logs retention periods {sorted(RETENTION_DAYS)}")
    return days


def _no_reservation(value: object) -> object:
    # null cannot be told from "absent" in CDK context, so "no reservation" is spelled false.
    if value is False or (isinstance(value, str) and value.strip().lower() in {"false", "none"}):
        return None
    if value is True:
        raise ValueError("must be a number of executions, or false for no reservation")
    return value


def _no_email(value: object) -> object:
    # `-c alarmEmail=` (empty) means no subscription, like leaving the key out.
    if value is False or (isinstance(value, str) and not value.strip()):
        return None
    return value


# Deliberately loose (SNS sends a confirmation mail anyway): one address, no spaces, a dotted domain.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def _check_email(address: str) -> str:
    if len(address) > 254 or not _EMAIL.fullmatch(address):
        raise ValueError("must be one e-mail address, like oncall@example.com")
    return address


def _no_names(value: object) -> object:
    # `-c operatorRoleArns=` (empty) or false means none, like leaving the key out.
    if value is False:
        return ()
    return split_names(value)


# CodeArtifact's own limits (botocore model); `*` and `?` are the glob characters, and they are also
# exactly IAM's ARN wildcards, so a pattern maps to a resource ARN unchanged.
DomainName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9\-]{0,48}[a-z0-9]$")]
AccountId = Annotated[str, Field(pattern=r"^[0-9]{12}$")]
RepositoryPattern = Annotated[str, Field(pattern=r"^[A-Za-z0-9*?][A-Za-z0-9._\-*?]{0,99}$")]
StackName = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9-]{0,127}$")]
RetentionDaysValue = Annotated[int, AfterValidator(_check_retention)]
EmailAddress = Annotated[str, AfterValidator(_check_email)]
OptionalEmail = Annotated[EmailAddress | None, BeforeValidator(_no_email)]
# An IAM role's ARN as IAM spells it (partition, 12-digit account, optional path, name of at most 64).
RoleArn = Annotated[
    str, Field(pattern=r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$", max_length=2048)
]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
ReservedConcurrency = Annotated[Annotated[int, Field(ge=1, le=1000)] | None, BeforeValidator(_no_reservation)]


class DisposerConfig(BaseModel):
    """What one deployment may touch and how it is sized; keys are the cdk.json context keys."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True)

    stack_name: StackName = DEFAULT_STACK_NAME
    domain: DomainName
    # None: the account the stack is deployed to.
    domain_owner: AccountId | None = None
    repositories: Annotated[
        tuple[RepositoryPattern, ...],
        BeforeValidator(split_names),
        AfterValidator(dedupe),
        Field(min_length=1),
    ]
    # API Gateway access and execution logs.
    log_retention_days: RetentionDaysValue = DEFAULT_LOG_RETENTION_DAYS
    # The function's log group: the audit trail (one record per version disposed, per run report).
    audit_log_retention_days: RetentionDaysValue = DEFAULT_AUDIT_LOG_RETENTION_DAYS
    log_level: LogLevel = DEFAULT_LOG_LEVEL
    # false (None): no reservation, for accounts whose concurrency quota is still the new-account 10.
    reserved_concurrency: ReservedConcurrency = DEFAULT_RESERVED_CONCURRENCY
    api_rate_limit: Annotated[float, Field(gt=0, le=10_000)] = DEFAULT_API_RATE_LIMIT
    api_burst_limit: Annotated[int, Field(ge=1, le=5_000)] = DEFAULT_API_BURST_LIMIT
    # API Gateway logs through one role per account and region; False when another stack owns it.
    api_gateway_cloud_watch_role: bool = True
    # The retention policies file (README, "Writing a policy"): one schedule rule per policy with a `schedule`.
    policies_file: Annotated[str, Field(min_length=1)] = DEFAULT_POLICIES_FILE
    # Subscribed (e-mail, confirmation required) to the alarm topic; None: no subscription.
    alarm_email: OptionalEmail = None
    # Subscribed (e-mail, confirmation required) to the run notifications topic; None: no subscription.
    notify_email: OptionalEmail = None
    # The run workflow: at most this many shards planned at once (PlanShards' MaxConcurrency) ...
    plan_concurrency: Annotated[int, Field(ge=1, le=MAX_PLAN_CONCURRENCY)] = DEFAULT_PLAN_CONCURRENCY
    # ... and at most this many parts applied at once (ApplyParts' MaxConcurrency).
    worker_concurrency: Annotated[int, Field(ge=1, le=MAX_WORKER_CONCURRENCY)] = DEFAULT_WORKER_CONCURRENCY
    # The reports bucket expires every object (a run's plan, parts, approval and report) after this many days.
    reports_retention_days: Annotated[int, Field(ge=1, le=MAX_REPORTS_RETENTION_DAYS)] = DEFAULT_REPORTS_RETENTION_DAYS
    # Roles that may read the reports bucket besides the deployment's own (operators, a reporting job).
    operator_role_arns: Annotated[tuple[RoleArn, ...], BeforeValidator(_no_names), AfterValidator(dedupe)] = ()
    # The share of each CodeArtifact account quota the whole deployment may use (disposer/pacing.py).
    quota_share: Annotated[float, Field(gt=0, le=1)] = DEFAULT_QUOTA_SHARE
    # CodeArtifact calls in flight per invocation.
    threads: Annotated[int, Field(ge=1, le=MAX_THREADS)] = DEFAULT_THREADS
    # BytesReclaimed: one ListPackageVersionAssets call per disposed version, before it is disposed.
    measure_bytes: bool = DEFAULT_MEASURE_BYTES
    # A part not applied within this many hours of its plan is reported EXPIRED, never applied.
    plan_ttl_hours: Annotated[float, Field(gt=0, le=MAX_PLAN_TTL_HOURS)] = DEFAULT_PLAN_TTL_HOURS
    # The CloudTrail trail whose downloads keep.downloadedWithinDays reads (infra/usage_config.py); None: no
    # recorder is deployed, and no policy may keep by downloads.
    usage_trail: Annotated[UsageTrail | None, BeforeValidator(parse_usage_trail)] = None

    @property
    def concurrent_invocations(self) -> int:
        """How many invocations may call CodeArtifact at once: each paces itself to 1/this of the share.

        A run's steps plan up to `planConcurrency` shards at once, then apply up to `workerConcurrency`
        parts at once, never both; the other steps run alone. API calls (the run function) and
        overlapping runs are not counted: they are the exception (spread the schedules), counting them
        would slow every run down for them, and the quota left over by `quotaShare` absorbs them
        (throttles are retried).
        """
        return max(self.plan_concurrency, self.worker_concurrency)

    @property
    def policies_path(self) -> Path:
        """policiesFile resolved against the repository root (an absolute path is kept as is)."""
        return REPO_ROOT / self.policies_file

    @property
    def log_retention(self) -> logs.RetentionDays:
        """The API log groups' retention as the CDK enum."""
        return RETENTION_DAYS[self.log_retention_days]

    @property
    def audit_log_retention(self) -> logs.RetentionDays:
        """The function log group's (audit trail) retention as the CDK enum."""
        return RETENTION_DAYS[self.audit_log_retention_days]


CONTEXT_KEYS: tuple[str, ...] = tuple(field.alias or name for name, field in DisposerConfig.model_fields.items())
# Keys an earlier version read; set now, they would be ignored without a word.
RETIRED_KEYS: Mapping[str, str] = {
    "fanOut": "every scheduled and PutEvents run is a run of the run workflow now; remove the key "
    "(workerConcurrency still sets how many parts are applied at once)",
}


def _describe(error: ErrorDetails) -> str:
    key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]).lstrip(".")
    if error["type"] == "missing":
        return f"context key '{key}' is required"
    return f"context key '{key}': {error['msg']} (got {error['input']!r})"


def parse_config(context: Mapping[str, object]) -> DisposerConfig:
    """Validate raw context values (cdk.json keys) into a DisposerConfig, or raise ConfigError."""
    try:
        return DisposerConfig.model_validate(dict(context))
    except ValidationError as exc:
        details = "; ".join(_describe(error) for error in exc.errors(include_url=False))
        raise ConfigError(f"invalid deploy configuration in cdk.json context: {details}") from None


def load_config(node: Node) -> DisposerConfig:
    """Read this service's keys from the CDK context (cdk.json, cdk.context.json, -c) and validate them."""
    for key, why in RETIRED_KEYS.items():
        if node.try_get_context(key) is not None:
            raise ConfigError(
                f"invalid deploy configuration in cdk.json context: context key '{key}' is retired: {why}"
            )
    # A null in cdk.json does not survive the trip through jsii: null and absent both mean "default".
    return parse_config({key: value for key in CONTEXT_KEYS if (value := node.try_get_context(key)) is not None})
