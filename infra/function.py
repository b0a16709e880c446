"""DisposerLambda, the shared shape of every function of the asset; DisposerFunction, the run function (the API)."""

from collections.abc import Mapping

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.bundling import lambda_code
from infra.config import DisposerConfig
from infra.constants import (
    DEPLOYED_POLICIES_FILE,
    ENV_CONCURRENT_INVOCATIONS,
    ENV_DOMAIN,
    ENV_DOMAIN_OWNER,
    ENV_MEASURE_BYTES,
    ENV_PLAN_TTL_HOURS,
    ENV_POLICIES_FILE,
    ENV_QUOTA_SHARE,
    ENV_REPOSITORIES,
    ENV_THREADS,
    LAMBDA_ARCHITECTURE,
    LAMBDA_HANDLER,
    LAMBDA_MEMORY_MB,
    LAMBDA_RUNTIME,
    LAMBDA_TIMEOUT,
    METRICS_NAMESPACE,
    SERVICE_NAME,
)
from infra.permissions import RUN_PACKAGE_ACTIONS, codeartifact_statements, package_actions

# Lambda's log-level filter uses its own names; it must agree with POWERTOOLS_LOG_LEVEL, or Lambda
# drops records Powertools chose to write.
APPLICATION_LOG_LEVELS: Mapping[str, lambda_.ApplicationLogLevel] = {
    "DEBUG": lambda_.ApplicationLogLevel.DEBUG,
    "INFO": lambda_.ApplicationLogLevel.INFO,
    "WARNING": lambda_.ApplicationLogLevel.WARN,
    "ERROR": lambda_.ApplicationLogLevel.ERROR,
    "CRITICAL": lambda_.ApplicationLogLevel.FATAL,
}


def function_environment(config: DisposerConfig, *, domain_owner: str) -> dict[str, str]:
    """The variables the handler's settings model reads, the same for every function of the asset."""
    return {
        "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        "POWERTOOLS_LOG_LEVEL": config.log_level,
        ENV_DOMAIN: config.domain,
        ENV_DOMAIN_OWNER: domain_owner,
        ENV_REPOSITORIES: ",".join(config.repositories),
        ENV_QUOTA_SHARE: str(config.quota_share),
        ENV_CONCURRENT_INVOCATIONS: str(config.concurrent_invocations),
        ENV_THREADS: str(config.threads),
        ENV_MEASURE_BYTES: "true" if config.measure_bytes else "false",
        ENV_PLAN_TTL_HOURS: f"{config.plan_ttl_hours:g}",
    }


class DisposerLambda(Construct):
    """One function of the disposer asset: the shared runtime, sizing, tracing, logging and environment.

    Each gets its own log group and its own role allowed to write there only; the caller grants the rest.
    The log group is an audit trail (kept `auditLogRetentionDays`, retained with the stack's deletion) for
    the functions that write audit records; `audit_trail=False` keeps it `logRetentionDays` instead.
    """

    # Longer than 50 lines: the function, its log group and its role, declared together so their links are read at once.
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DisposerConfig,
        code: lambda_.Code | None,
        handler: str,
        timeout: Duration,
        description: str,
        log_key: kms.IKey,
        environment: Mapping[str, str] | None = None,
        reserved_concurrency: int | None = None,
        memory_size: int = LAMBDA_MEMORY_MB,
        audit_trail: bool = True,
    ) -> None:
        super().__init__(scope, construct_id)
        self.domain_owner: str = config.domain_owner or Stack.of(self).account

        # The audit trail of irreversible disposals: its own retention (a year by default), and retained
        # on stack deletion. Other logs (the usage recorder's) are kept like the API's, and go with the stack.
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            retention=config.audit_log_retention if audit_trail else config.log_retention,
            removal_policy=RemovalPolicy.RETAIN if audit_trail else RemovalPolicy.DESTROY,
            encryption_key=log_key,
        )

        # An explicit role instead of AWSLambdaBasicExecutionRole: logs may go to this log group only.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{SERVICE_NAME}: {description} in {config.domain}",
        )
        self.log_group.grant_write(self.role)

        self.function = lambda_.Function(
            self,
            "Function",
            description=f"{SERVICE_NAME}: {description}",
            runtime=LAMBDA_RUNTIME,
            architecture=LAMBDA_ARCHITECTURE,
            handler=handler,
            code=code or lambda_code(config.policies_path),
            memory_size=memory_size,
            timeout=timeout,
            role=self.role,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=APPLICATION_LOG_LEVELS[config.log_level],
            system_log_level_v2=lambda_.SystemLogLevel.INFO,
            tracing=lambda_.Tracing.ACTIVE,
            reserved_concurrent_executions=reserved_concurrency,
            environment={**function_environment(config, domain_owner=self.domain_owner), **(environment or {})},
        )


class DisposerFunction(DisposerLambda):
    """The run function: the API's entry point (plans, applies and disposes inline, starts and steers runs of
    the run workflow), with its least-privilege role."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DisposerConfig,
        log_key: kms.IKey,
        code: lambda_.Code | None = None,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            config=config,
            log_key=log_key,
            code=code,
            handler=LAMBDA_HANDLER,
            timeout=LAMBDA_TIMEOUT,
            description="disposes CodeArtifact package versions (the API)",
            reserved_concurrency=config.reserved_concurrency,
            # Relative to the code root, where the bundling put the deployment's policies file.
            environment={ENV_POLICIES_FILE: DEPLOYED_POLICIES_FILE},
        )
        grant_codeartifact(self, config)


def grant_codeartifact(function: DisposerLambda, config: DisposerConfig) -> None:
    """The CodeArtifact calls a run makes (list, describe, dispose, archive), on the configured scope only."""
    for statement in codeartifact_statements(
        Stack.of(function),
        domain=config.domain,
        domain_owner=function.domain_owner,
        repositories=config.repositories,
        actions=package_actions(RUN_PACKAGE_ACTIONS, measure_bytes=config.measure_bytes),
    ):
        function.role.add_to_policy(statement)
