"""Monitoring: the alarm topic, the alarms of infra/alarms.py (and infra/usage_alarms.py with a usage trail), the
dashboard and the saved audit queries."""

from collections.abc import Mapping, Sequence

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.alarm_model import AlarmSpec, Comparison, MissingData, WatchedResource
from infra.alarms import ALARMS
from infra.config import DisposerConfig
from infra.constants import SERVICE_NAME
from infra.dashboard import dashboard_widgets
from infra.queries import SAVED_QUERIES
from infra.usage import UsageRecorder
from infra.usage_alarms import USAGE_ALARMS
from infra.widgets import DEFAULT_INTERVAL

CLOUDWATCH_PRINCIPAL = "cloudwatch.amazonaws.com"

# The table's CloudFormation spellings as the CDK enum.
COMPARISON_OPERATORS: Mapping[Comparison, cloudwatch.ComparisonOperator] = {
    "GreaterThanOrEqualToThreshold": cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    "GreaterThanThreshold": cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    "LessThanThreshold": cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    "LessThanOrEqualToThreshold": cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
}
MISSING_DATA: Mapping[MissingData, cloudwatch.TreatMissingData] = {
    "notBreaching": cloudwatch.TreatMissingData.NOT_BREACHING,
    "breaching": cloudwatch.TreatMissingData.BREACHING,
}


def alarm_name(stack_name: str, spec: AlarmSpec) -> str:
    """Alarm names start with the stack name: the topic policy admits exactly this stack's alarms."""
    return f"{stack_name}-{spec.id}"


def alarm_metric(spec: AlarmSpec, dimensions: Mapping[WatchedResource, Mapping[str, str]]) -> cloudwatch.Metric:
    """The metric the row's alarm watches, under its literal dimensions or those of its resource."""
    return cloudwatch.Metric(
        namespace=spec.namespace,
        metric_name=spec.metric_name,
        dimensions_map=dict(spec.dimensions if spec.dimensions is not None else dimensions[spec.resource]),
        statistic=spec.statistic,
        period=Duration.minutes(spec.period_minutes),
    )


def dashboard_url(region: str, name: str) -> str:
    return f"https://console.aws.amazon.com/cloudwatch/home?region={region}#dashboards/dashboard/{name}"


class Monitoring(Construct):
    """Alarms (to an encrypted SNS topic), a dashboard and saved Logs Insights queries for one deployment."""

    # Longer than 50 lines: the topic, the alarms, the dashboard and the queries, composed in one place.
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DisposerConfig,
        function: lambda_.IFunction,
        steps: lambda_.IFunction,
        state_machine: sfn.IStateMachine,
        audit_log_groups: Sequence[logs.ILogGroup],
        api_stage: apigw.Stage,
        usage: UsageRecorder | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        prefix = stack.stack_name

        # A customer managed key: CloudWatch alarms cannot publish to a topic encrypted with the AWS
        # managed aws/sns key, whose key policy does not admit the CloudWatch service.
        self.topic_key = kms.Key(
            self,
            "AlarmTopicKey",
            description=f"{SERVICE_NAME}: encrypts the alarm topic {prefix}-alarms",
            enable_key_rotation=True,
            # Notifications are transient: nothing encrypted with it outlives the topic.
            removal_policy=RemovalPolicy.DESTROY,
            pending_window=Duration.days(7),
        )
        self.topic_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublish",
                principals=[iam.ServicePrincipal(CLOUDWATCH_PRINCIPAL)],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" is this key
            )
        )
        self.topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=f"{prefix}-alarms",
            display_name=f"{SERVICE_NAME} alarms",
            master_key=self.topic_key,
            enforce_ssl=True,
        )
        # The topic policy replaces SNS's default one, so the alarms need their own statement.
        alarm_arns = stack.format_arn(
            service="cloudwatch",
            resource="alarm",
            resource_name=f"{prefix}-*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowThisStacksAlarmsToPublish",
                principals=[iam.ServicePrincipal(CLOUDWATCH_PRINCIPAL)],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "ArnLike": {"aws:SourceArn": alarm_arns},
                    "StringEquals": {"aws:SourceAccount": stack.account},
                },
            )
        )
        if config.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))

        dimensions: dict[WatchedResource, Mapping[str, str]] = {
            WatchedResource.FUNCTION: {"FunctionName": function.function_name},
            WatchedResource.API_STAGE: {"ApiName": api_stage.rest_api.rest_api_name, "Stage": api_stage.stage_name},
            WatchedResource.STATE_MACHINE: {"StateMachineArn": state_machine.state_machine_arn},
        }
        specs = ALARMS
        if usage is not None:
            dimensions[WatchedResource.USAGE_QUEUE] = {"QueueName": usage.queue.queue_name}
            dimensions[WatchedResource.USAGE_DEAD_LETTER_QUEUE] = {"QueueName": usage.dead_letter_queue.queue_name}
            specs = (*ALARMS, *USAGE_ALARMS)
        self.alarms: dict[str, cloudwatch.Alarm] = {
            spec.id: self._alarm(spec, dimensions, prefix=prefix) for spec in specs
        }

        self.dashboard_name = prefix
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=self.dashboard_name,
            default_interval=DEFAULT_INTERVAL,
            widgets=dashboard_widgets(
                function=function,
                steps=steps,
                state_machine=state_machine,
                log_groups=audit_log_groups,
                api_stage=api_stage,
                alarms=list(self.alarms.values()),
                steps_concurrency=config.concurrent_invocations,
                usage=usage,
            ),
        )
        self.dashboard_url = dashboard_url(stack.region, self.dashboard_name)

        # Console folders: "<stack>/<title>". A workflow run's audit records and report are the steps
        # function's, an API call's the run function's: every query reads both audit trails.
        self.audit_log_group_names = [group.log_group_name for group in audit_log_groups]
        self.queries: dict[str, logs.CfnQueryDefinition] = {
            query.id: logs.CfnQueryDefinition(
                self,
                f"Query{query.id}",
                name=f"{prefix}/{query.title}",
                query_string=query.query_string,
                log_group_names=self.audit_log_group_names,
            )
            for query in SAVED_QUERIES
        }

    def _alarm(
        self, spec: AlarmSpec, dimensions: Mapping[WatchedResource, Mapping[str, str]], *, prefix: str
    ) -> cloudwatch.Alarm:
        """One row of the table as an alarm that tells the topic when it fires and when it clears."""
        alarm = cloudwatch.Alarm(
            self,
            spec.id,
            alarm_name=alarm_name(prefix, spec),
            alarm_description=f"{spec.description} Runbook: {spec.runbook_anchor}",
            metric=alarm_metric(spec, dimensions),
            threshold=spec.threshold,
            comparison_operator=COMPARISON_OPERATORS[spec.comparison],
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.datapoints_to_alarm,
            treat_missing_data=MISSING_DATA[spec.missing_data],
        )
        action = cw_actions.SnsAction(self.topic)
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        return alarm
