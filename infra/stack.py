"""DisposerStack: composes the function, the fan-out, the API, the run schedules and monitoring; build_app wires it."""

import os
from collections.abc import Sequence

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from disposer.retention.policy import RetentionPolicy
from infra.api import DisposeApi
from infra.bundling import lambda_code
from infra.checkov import skip_acknowledged_checks
from infra.config import DisposerConfig, load_config
from infra.constants import RUN_EVENT_DETAIL_TYPE, RUN_EVENT_SOURCE, SERVICE_NAME
from infra.encryption import LogEncryption
from infra.fanout import FanOut
from infra.function import DisposerFunction
from infra.ledger import Ledger
from infra.monitoring import Monitoring
from infra.nag import suppress_acknowledged_findings
from infra.policies import load_policy_file
from infra.schedules import RetentionSchedules
from infra.switch import KillSwitch


class DisposerStack(cdk.Stack):
    """Everything one deployment of the disposal service needs."""

    # Longer than 50 lines: the stack composes every construct and declares its outputs beside the resources they name.
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DisposerConfig,
        policies: Sequence[RetentionPolicy] = (),
        env: cdk.Environment | None = None,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            env=env,
            description=f"{SERVICE_NAME}: disposes CodeArtifact package versions in domain {config.domain}",
        )
        self.config = config
        # One asset for both functions: the worker is the same code with another handler.
        code = lambda_code(config.policies_path)
        self.log_encryption = LogEncryption(self, "LogEncryption")
        log_key = self.log_encryption.key
        self.disposer = DisposerFunction(self, "Disposer", config=config, log_key=log_key, code=code)
        self.fan_out = (
            FanOut(self, "FanOut", config=config, dispatcher=self.disposer, log_key=log_key, code=code)
            if config.fan_out
            else None
        )
        worker = self.fan_out.worker if self.fan_out is not None else None
        self.ledger = Ledger(self, "Ledger", run_function=self.disposer, worker=worker)
        self.switch = KillSwitch(
            self, "KillSwitch", stack_name=config.stack_name, functions=[self.disposer, *([worker] if worker else [])]
        )
        self.api = DisposeApi(self, "Api", function=self.disposer.function, config=config, log_key=log_key)
        self.schedules = RetentionSchedules(self, "Schedules", function=self.disposer.function, policies=policies)
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            config=config,
            function=self.disposer.function,
            log_group=self.disposer.log_group,
            failed_runs_queue=self.disposer.failed_runs_queue,
            api_stage=self.api.rest_api.deployment_stage,
            fan_out=self.fan_out,
        )

        cdk.CfnOutput(self, "ApiUrl", value=self.api.rest_api.url, description="Base URL (SigV4, service execute-api)")
        cdk.CfnOutput(self, "FunctionName", value=self.disposer.function.function_name)
        cdk.CfnOutput(self, "LedgerTableName", value=self.ledger.table.table_name)
        cdk.CfnOutput(
            self,
            "SwitchParameterName",
            value=self.switch.parameter.parameter_name,
            description="Kill switch: any value but 'enabled' stops every disposal within 10 s",
        )
        cdk.CfnOutput(self, "FunctionLogGroup", value=self.disposer.log_group.log_group_name)
        cdk.CfnOutput(
            self,
            "FailedRunsQueueUrl",
            value=self.disposer.failed_runs_queue.queue_url,
            description="Scheduled and PutEvents runs that failed after Lambda's retries (on-failure destination)",
        )
        if self.fan_out is not None:
            cdk.CfnOutput(
                self,
                "WorkQueueUrl",
                value=self.fan_out.queue.queue_url,
                description="Scheduled runs send their planned disposals here; the worker function applies them",
            )
            cdk.CfnOutput(
                self,
                "WorkDeadLetterQueueUrl",
                value=self.fan_out.dead_letter_queue.queue_url,
                description="Work messages that failed three times (alarm WorkDeadLetters)",
            )
            cdk.CfnOutput(self, "WorkerFunctionName", value=self.fan_out.worker.function.function_name)
            cdk.CfnOutput(self, "WorkerLogGroup", value=self.fan_out.worker.log_group.log_group_name)
            cdk.CfnOutput(self, "RunTableName", value=self.fan_out.table.table_name)
        cdk.CfnOutput(
            self,
            "AlarmTopicArn",
            value=self.monitoring.topic.topic_arn,
            description="Every alarm notifies here (ALARM and OK); subscribe with -c alarmEmail=... or add your own",
        )
        cdk.CfnOutput(self, "DashboardName", value=self.monitoring.dashboard_name)
        cdk.CfnOutput(self, "DashboardUrl", value=self.monitoring.dashboard_url)
        cdk.CfnOutput(
            self,
            "RunEvent",
            value=f"source={RUN_EVENT_SOURCE} detail-type={RUN_EVENT_DETAIL_TYPE}",
            description="PutEvents on the default bus with this source and detail-type runs the policy in detail",
        )
        suppress_acknowledged_findings(self)
        skip_acknowledged_checks(self)


def build_app(app: cdk.App) -> DisposerStack:
    """Add the stack configured by `app`'s context to `app`, checked by cdk-nag AwsSolutions.

    Raises ConfigError (PolicyFileError for the policies file) before any construct is made.
    """
    config = load_config(app.node)
    policies = load_policy_file(config)
    # The CLI fills these from the caller's profile when it has one; without, the stack is
    # environment-agnostic. The app itself never calls AWS.
    env = cdk.Environment(account=os.getenv("CDK_DEFAULT_ACCOUNT"), region=os.getenv("CDK_DEFAULT_REGION"))
    stack = DisposerStack(app, config.stack_name, config=config, policies=policies, env=env)
    # cdk-nag 3 is a CDK policy-validation plugin (not an Aspect): synth fails on any unacknowledged finding.
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return stack
