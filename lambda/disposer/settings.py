"""Deployment settings: the environment variables the stack sets, read once per invocation into one model.

Each setting is a field of `Settings`, read from `DISPOSER_<FIELD>` (the endpoints from boto3's own
`AWS_ENDPOINT_URL_<SERVICE>`); each default is written once, here, and the stack (infra/) imports the
defaults and the variable names from this module. A value that does not parse is refused naming the
variable.
"""

from typing import Annotated, Any

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from disposer.errors import SettingsError

ENV_PREFIX = "DISPOSER_"

# Defaults, shared by the functions (a variable left unset) and the stack (a context key left out).
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_QUOTA_SHARE = 0.5
DEFAULT_THREADS = 8
MAX_THREADS = 64
DEFAULT_MEASURE_BYTES = False
MAX_CONCURRENT_INVOCATIONS = 1000
DEFAULT_PLAN_TTL_HOURS = 6.0
# A shard of 500 packages lists in ~50 s at a tenth of the quota share: far inside 15 minutes.
DEFAULT_SHARD_PACKAGES = 500
MAX_SHARD_PACKAGES = 5000
MAX_PLAN_TTL_HOURS = 24.0
# The kill switch's value that allows writes; any other value (or none) stops them.
SWITCH_ENABLED = "enabled"
DEFAULT_SWITCH_CACHE_SECONDS = 5.0
MAX_SWITCH_CACHE_SECONDS = 9.0


def _endpoint(*variables: str) -> Any:
    # boto3 reads these itself; reading them here lets one warm process follow a changed value.
    return Field(default=None, validation_alias=AliasChoices(*variables))


class Settings(BaseSettings):
    """What this deployment may touch and how; unset scope means no restriction (local runs)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True, frozen=True, extra="ignore")

    # Endpoints that point the clients at local stand-ins (the emulator, moto); None: AWS itself.
    codeartifact_endpoint: str | None = _endpoint("AWS_ENDPOINT_URL_CODEARTIFACT")
    dynamodb_endpoint: str | None = _endpoint("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL")
    ssm_endpoint: str | None = _endpoint("AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL")
    s3_endpoint: str | None = _endpoint("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
    sfn_endpoint: str | None = _endpoint("AWS_ENDPOINT_URL_SFN", "AWS_ENDPOINT_URL")
    cloudtrail_endpoint: str | None = _endpoint("AWS_ENDPOINT_URL_CLOUDTRAIL", "AWS_ENDPOINT_URL")
    # Attempts per AWS call (botocore standard retry mode: throttles and 5xx, with backoff and jitter).
    max_attempts: int = Field(default=DEFAULT_MAX_ATTEMPTS, ge=1, le=10)
    # BytesReclaimed costs one ListPackageVersionAssets call per disposed version: opt in per deployment.
    measure_bytes: bool = DEFAULT_MEASURE_BYTES
    # The share of each CodeArtifact account quota this deployment may use, split between the
    # invocations that can run at once; `threads` calls in flight per invocation.
    quota_share: float = Field(default=DEFAULT_QUOTA_SHARE, gt=0, le=1)
    concurrent_invocations: int = Field(default=1, ge=1, le=MAX_CONCURRENT_INVOCATIONS)
    # The run workflow's steps: the Map that invokes plan_shard runs at most `plan_concurrency` of them at once,
    # the one that invokes apply_part `apply_concurrency`, never both at once; each of those invocations
    # paces itself to 1/that of the share. None: `concurrent_invocations`.
    plan_concurrency: int | None = Field(default=None, ge=1, le=MAX_CONCURRENT_INVOCATIONS)
    apply_concurrency: int | None = Field(default=None, ge=1, le=MAX_CONCURRENT_INVOCATIONS)
    threads: int = Field(default=DEFAULT_THREADS, ge=1, le=MAX_THREADS)
    # The run workflow: the state machine that runs scheduled and asynchronous runs, and the bucket that
    # keeps every run's shards, full plan, parts, approval and report.
    state_machine_arn: str | None = None
    reports_bucket: str | None = None
    # Packages per plan shard of a workflow run (a shard is planned by one invocation).
    shard_packages: int = Field(default=DEFAULT_SHARD_PACKAGES, ge=1, le=MAX_SHARD_PACKAGES)
    # The ledger table: remembered publish times, holds and quarantine records.
    ledger_table: str | None = None
    # The policies file shipped with the function: run events may run only those policies.
    policies_file: str | None = None
    # A stale plan never disposes: parts of a plan made longer ago than this are reported EXPIRED.
    plan_ttl_hours: float = Field(default=DEFAULT_PLAN_TTL_HOURS, ge=0, le=MAX_PLAN_TTL_HOURS)
    # The kill switch's SSM parameter; None: no kill switch (local runs), every write is allowed.
    switch_parameter: str | None = None
    # How long a read of the switch is trusted (writes stop at most this long, plus one call, after a flip).
    switch_cache_seconds: float = Field(default=DEFAULT_SWITCH_CACHE_SECONDS, ge=0, le=MAX_SWITCH_CACHE_SECONDS)
    # The scope: the domain and the repositories (names or globs) this deployment may touch.
    domain: str | None = None
    domain_owner: str | None = None
    repositories: Annotated[tuple[str, ...], NoDecode] = ()
    # The usage recorder: the bucket (and key prefix) an existing trail delivers to, and the callers (ARN globs,
    # `*` and `?`) whose downloads do not count (scanners). Objects of other buckets or prefixes are ignored.
    usage_bucket: str | None = None
    usage_prefix: str = ""
    usage_ignore_principals: Annotated[tuple[str, ...], NoDecode] = ()
    # The trail's name: only its digests count toward coverage (None: any trail's in the prefix).
    usage_trail: str | None = None
    # The function's own region (Lambda sets it): the recorder reads only the trail's files of this region.
    region: str | None = Field(default=None, validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))

    @field_validator("repositories", "usage_ignore_principals", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(name.strip() for name in value.split(",") if name.strip())
        return value

    @classmethod
    def from_environment(cls) -> "Settings":
        """The settings in the process's environment; SettingsError naming each variable that does not parse."""
        try:
            return cls()
        except ValidationError as error:
            problems = [
                f"{variable(str(problem['loc'][0]))}: {problem['msg']} (got {problem.get('input')!r})"
                for problem in error.errors(include_url=False)
            ]
            raise SettingsError("; ".join(problems)) from None


def variable(field: str) -> str:
    """The environment variable a setting is read from (its first, for an endpoint)."""
    info = Settings.model_fields[field]
    if isinstance(info.validation_alias, AliasChoices):
        return str(info.validation_alias.choices[0])
    return f"{ENV_PREFIX}{field.upper()}"


# The variables the stack sets (infra/function.py and the ledger, switch and workflow constructs).
ENV_DOMAIN = variable("domain")
ENV_DOMAIN_OWNER = variable("domain_owner")
ENV_REPOSITORIES = variable("repositories")
ENV_MAX_ATTEMPTS = variable("max_attempts")
ENV_QUOTA_SHARE = variable("quota_share")
ENV_CONCURRENT_INVOCATIONS = variable("concurrent_invocations")
ENV_PLAN_CONCURRENCY = variable("plan_concurrency")
ENV_APPLY_CONCURRENCY = variable("apply_concurrency")
ENV_THREADS = variable("threads")
ENV_MEASURE_BYTES = variable("measure_bytes")
ENV_POLICIES_FILE = variable("policies_file")
ENV_LEDGER_TABLE = variable("ledger_table")
ENV_PLAN_TTL_HOURS = variable("plan_ttl_hours")
ENV_STATE_MACHINE_ARN = variable("state_machine_arn")
ENV_REPORTS_BUCKET = variable("reports_bucket")
ENV_SHARD_PACKAGES = variable("shard_packages")
ENV_SWITCH_PARAMETER = variable("switch_parameter")
ENV_SWITCH_CACHE_SECONDS = variable("switch_cache_seconds")
ENV_USAGE_BUCKET = variable("usage_bucket")
ENV_USAGE_PREFIX = variable("usage_prefix")
ENV_USAGE_IGNORE_PRINCIPALS = variable("usage_ignore_principals")
ENV_USAGE_TRAIL = variable("usage_trail")
