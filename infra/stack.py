"""DisposerStack: composes the functions, the run workflow, the API, schedules, the usage recorder (with a usage
trail) and monitoring; build_app wires it."""

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
from infra.function import DisposerFunction
from infra.ledger import Ledger
from infra.monitoring import Monitoring
from infra.nag import suppress_acknowledged_findings
from infra.notifications import Notifications
from infra.policies import load_policy_file
from infra.reports import ReportsBucket
from infra.schedules import RetentionSchedules
from infra.steps import StepsFunction
from infra.switch import KillSwitch
from infra.usage import UsageRecorder
from infra.workflow import RunWorkflow


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
        # One asset for both functions: the steps function is the same code with another handler.
        code = lambda_code(config.policies_path)
        self.log_encryption = LogEncryption(self, "LogEncryption")
        log_key = self.log_encryption.key
        self.disposer = DisposerFunction(self, "Disposer", config=config, log_key=log_key, code=code)
        self.steps = StepsFunction(self, "Steps", config=config, log_key=log_key, code=code)
        # Before the ledger, whose resource policy names every role that may write it.
        self.usage = (
            UsageRecorder(self, "Usage", config=config, trail=config.usage_trail, log_key=log_key, code=code)
            if config.usage_trail is not None
            else None
        )
        self.ledger = Ledger(
            self,
            "Ledger",
            run_function=self.disposer,
            steps=self.steps,
            recorder=self.usage.recorder if self.usage is not None else None,
        )
        self.switch = KillSwitch(
            self, "KillSwitch", stack_name=config.stack_name, functions=[self.disposer, self.steps]
        )
        self.reports = ReportsBucket(self, "Reports", config=config)
        self.workflow = RunWorkflow(
            self, "RunWorkflow", config=config, steps=self.steps, reports=self.reports, log_key=log_key
        )
        for function in (self.disposer, self.steps):
            self.reports.grant_function(function)
        self.workflow.grant_control(self.disposer)
        self.reports.admit(functions=[self.disposer.role, self.steps.role], state_machine=self.workflow.role)
        self.api = DisposeApi(self, "Api", function=self.disposer.function, config=config, log_key=log_key)
        self.schedules = RetentionSchedules(
            self, "Schedules", state_machine=self.workflow.state_machine, policies=policies
        )
        self.notifications = Notifications(self, "Notifications", config=config)
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            config=config,
            function=self.disposer.function,
            steps=self.steps.function,
            state_machine=self.workflow.state_machine,
            audit_log_groups=[self.disposer.log_group, self.steps.log_group],
            api_stage=self.api.rest_api.deployment_stage,
            usage=self.usage,
        )
        self._outputs()
        if self.usage is not None:
            self._usage_outputs(self.usage)
        suppress_acknowledged_findings(self)
        skip_acknowledged_checks(self)

    # Longer than 50 lines: one declaration per output, each with what the operator does with it.
    def _outputs(self) -> None:
        """What an operator needs to find: where to call, what to read, what to subscribe to."""
        cdk.CfnOutput(self, "ApiUrl", value=self.api.rest_api.url, description="Base URL (SigV4, service execute-api)")
        cdk.CfnOutput(self, "FunctionName", value=self.disposer.function.function_name)
        cdk.CfnOutput(self, "FunctionLogGroup", value=self.disposer.log_group.log_group_name)
        cdk.CfnOutput(self, "StepsFunctionName", value=self.steps.function.function_name)
        cdk.CfnOutput(
            self,
            "StepsLogGroup",
            value=self.steps.log_group.log_group_name,
            description="The audit trail of workflow runs: their decisions, disposals and reports",
        )
        cdk.CfnOutput(
            self,
            "RunStateMachineArn",
            value=self.workflow.state_machine.state_machine_arn,
            description="The run workflow: every scheduled, PutEvents and API-started run is an execution",
        )
        cdk.CfnOutput(
            self,
            "ReportsBucketName",
            value=self.reports.bucket.bucket_name,
            description="Every run's files under runs/<runId>/ (plan, parts, approval, report.json)",
        )
        cdk.CfnOutput(
            self,
            "NotificationTopicArn",
            value=self.notifications.topic.topic_arn,
            description="Every run notification (planned, approval needed, quarantined, finished, aborted)",
        )
        cdk.CfnOutput(self, "LedgerTableName", value=self.ledger.table.table_name)
        cdk.CfnOutput(
            self,
            "SwitchParameterName",
            value=self.switch.parameter.parameter_name,
            description="Kill switch: any value but 'enabled' stops every disposal within 10 s",
        )
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

    def _usage_outputs(self, usage: UsageRecorder) -> None:
        """Where the trail's notifications go, where failures wait, and the role a bucket or key policy names."""
        cdk.CfnOutput(
            self,
            "UsageQueueUrl",
            value=usage.queue.queue_url,
            description="The usage recorder's queue: the trail bucket's notifications (EventBridge rule or S3) go here",
        )
        cdk.CfnOutput(
            self,
            "UsageQueueArn",
            value=usage.queue.queue_arn,
            description="The queue's ARN, for an S3 event notification of the trail bucket straight to it",
        )
        cdk.CfnOutput(self, "UsageDeadLetterQueueUrl", value=usage.dead_letter_queue.queue_url)
        cdk.CfnOutput(self, "UsageDeadLetterQueueArn", value=usage.dead_letter_queue.queue_arn)
        cdk.CfnOutput(
            self,
            "RecorderFunctionName",
            value=usage.recorder.function.function_name,
            description="The usage recorder: codeartifact-disposer usage backfill --function-name (or "
            "DISPOSER_RECORDER_FUNCTION) reads past downloads from CloudTrail's event history through it",
        )
        cdk.CfnOutput(self, "RecorderLogGroup", value=usage.recorder.log_group.log_group_name)
        cdk.CfnOutput(
            self,
            "RecorderRoleArn",
            value=usage.recorder.role.role_arn,
            description="The usage recorder's role, for the trail bucket's or key's policy if it names its readers",
        )


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
