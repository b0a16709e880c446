"""Monitoring: the encrypted alarm topic and its subscription, the dashboard, the outputs, log retention."""

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template

from disposer import constants
from infra.alarms import ALARMS
from infra.queries import LATEST_DISPOSALS
from infra.stack import DisposerStack
from tests.infra.cdk_testkit import VARIANT_ALARM_EMAIL, flat, logical_id, resources_of
from tests.infra.cdk_testkit import dashboard_of as _dashboard
from tests.infra.cdk_testkit import graphed as _graphed

# Every run metric the function's package names.
SERVICE_METRICS = sorted(
    value for name, value in vars(constants).items() if name.startswith("METRIC_") and isinstance(value, str)
)
# The usage recorder's metrics and keep.downloadedWithinDays's: graphed only where a usage trail is configured.
USAGE_METRICS = {
    constants.METRIC_TRAIL_FILES_READ,
    constants.METRIC_TRAIL_FILES_UNREADABLE,
    constants.METRIC_TRAIL_RECORDS_SKIPPED,
    constants.METRIC_DOWNLOADS_RECORDED,
    constants.METRIC_DIGESTS_READ,
    constants.METRIC_USAGE_UNKNOWN,
}


def _ref(stack: DisposerStack, value: Any) -> Any:
    return stack.resolve(value)


def test_topic_encrypted_with_rotating_customer_key_cloudwatch_may_use(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN / WHEN the alarm topic and its key are read
    stack = default_stack[1]
    topic = template.to_json()["Resources"][logical_id(stack.monitoring.topic)]["Properties"]
    key_id = _logical(stack, stack.monitoring.topic_key)
    key = template.to_json()["Resources"][key_id]

    # THEN the topic is encrypted with this stack's key (the AWS managed aws/sns key would keep
    # CloudWatch out), the key rotates, and the CloudWatch service may generate and read data keys
    assert topic["TopicName"] == "CodeArtifactDisposer-alarms"
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["Properties"]["EnableKeyRotation"] is True
    (cloudwatch,) = [
        statement
        for statement in key["Properties"]["KeyPolicy"]["Statement"]
        if statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert cloudwatch["Effect"] == "Allow"
    assert sorted(cloudwatch["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert _ref(stack, stack.monitoring.topic.topic_arn) == {"Ref": logical_id(stack.monitoring.topic)}


def test_topic_policy_denies_plain_http_admits_only_this_stacks_alarms(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN / WHEN the topic policy is read
    topic_id = logical_id(default_stack[1].monitoring.topic)
    (policy,) = [
        policy
        for policy in template.find_resources("AWS::SNS::TopicPolicy").values()
        if policy["Properties"]["Topics"] == [{"Ref": topic_id}]
    ]
    policy = policy["Properties"]
    statements = policy["PolicyDocument"]["Statement"]

    # THEN publishing without TLS is denied to everyone (cdk-nag SNS3)
    assert policy["Topics"] == [{"Ref": topic_id}]
    (deny,) = [statement for statement in statements if statement["Effect"] == "Deny"]
    assert (deny["Principal"], deny["Action"]) == ("*", "sns:Publish")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # AND CloudWatch may publish for alarms of this stack, in this account, only
    (allow,) = [statement for statement in statements if statement["Effect"] == "Allow"]
    assert (allow["Principal"], allow["Action"]) == ({"Service": "cloudwatch.amazonaws.com"}, "sns:Publish")
    assert flat(allow["Condition"]["ArnLike"]["aws:SourceArn"]) == (
        "arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:CodeArtifactDisposer-*"
    )
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


def test_topic_email_subscription_only_when_configured(
    template: Template, variant_stack: tuple[cdk.App, DisposerStack], variant_template: Template
):
    # GIVEN cdk.json (no alarmEmail, no notifyEmail) and the variant (alarmEmail set)
    # WHEN their subscriptions are read
    default_subscriptions = resources_of(template, "AWS::SNS::Subscription")
    (subscription,) = resources_of(variant_template, "AWS::SNS::Subscription").values()

    # THEN only the variant mails the address, from the alarm topic
    assert default_subscriptions == {}
    topic_id = logical_id(variant_stack[1].monitoring.topic)
    assert (subscription["Protocol"], subscription["Endpoint"]) == ("email", VARIANT_ALARM_EMAIL)
    assert subscription["TopicArn"] == {"Ref": topic_id}


def _search(metric: str, dimensions: str) -> str:
    return (
        f'SEARCH(\'{{CodeArtifactDisposal,{dimensions}}} MetricName="{metric}" '
        "service=\"codeartifact-disposer\"', 'Sum', 300)"
    )


def test_dashboard_shows_every_service_metric_aggregate_and_per_policy(template: Template):
    # GIVEN / WHEN the dashboard's graphs are read
    name, widgets = _dashboard(template)
    series = [entry for _, entry in _graphed(widgets)]
    aggregate = {
        (entry["row"][1], entry["stat"]) for entry in series if entry["row"][:1] == [constants.METRICS_NAMESPACE]
    }
    expressions = {entry["expression"] for entry in series if "expression" in entry}

    # THEN it is named after the stack and graphs every run metric under [service] (without a usage trail, all
    # but the usage recorder's and the usage rule's: test_cdk_usage.py checks those)
    assert name == "CodeArtifactDisposer"
    assert len(SERVICE_METRICS) == 20
    assert set(SERVICE_METRICS) >= USAGE_METRICS
    for entry in series:
        if entry["row"][:1] == [constants.METRICS_NAMESPACE]:
            assert entry["row"][2:] == ["service", constants.SERVICE_NAME], entry
    assert {metric for metric, _ in aggregate} == set(SERVICE_METRICS) - USAGE_METRICS
    # AND runs and versions per policy and trigger, and failures per error code, with SEARCH
    for metric in ("Runs", "VersionsDisposed", "VersionsFailed", "VersionsKept", "VersionsPlanned", "VersionsHeld"):
        assert _search(metric, "service,policy,trigger") in expressions, metric
    assert _search("VersionsFailed", "service,errorCode") in expressions
    # AND run duration as p50 and maximum
    assert {("RunDuration", "p50"), ("RunDuration", "Maximum")} <= aggregate


def test_dashboard_shows_lambda_api_alarms_and_latest_disposals(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the default stack / WHEN the dashboard's widgets are read
    stack = default_stack[1]
    _, widgets = _dashboard(template)
    rows = [entry["row"] for _, entry in _graphed(widgets) if "row" in entry]
    stage = flat(_ref(stack, stack.api.rest_api.deployment_stage.stage_name))

    # THEN both functions and API Gateway are graphed
    for function in (stack.disposer.function, stack.steps.function):
        name = flat(_ref(stack, function.function_name))
        for metric in ("Errors", "Throttles", "Duration", "ConcurrentExecutions"):
            assert ["AWS/Lambda", metric, "FunctionName", name] in rows, metric
    for metric in ("Count", "4XXError", "5XXError", "Latency"):
        assert ["AWS/ApiGateway", metric, "ApiName", "CodeArtifactDisposer-api", "Stage", stage] in rows, metric
    # AND the steps function's concurrency is marked at the most the Maps run at once
    (concurrency,) = [w for w in widgets if w["properties"].get("title") == "Steps function concurrency"]
    assert concurrency["properties"]["annotations"]["horizontal"][0]["value"] == 10
    # AND no queue is graphed any more
    assert not [row for row in rows if row[:1] == ["AWS/SQS"]]
    # AND every alarm's state
    (alarm_widget,) = [widget for widget in widgets if widget["type"] == "alarm"]
    assert alarm_widget["properties"]["alarms"] == [
        flat(_ref(stack, alarm.alarm_arn)) for alarm in stack.monitoring.alarms.values()
    ]
    assert len(alarm_widget["properties"]["alarms"]) == len(ALARMS)
    # AND a Logs Insights table of the latest disposals, from both audit log groups (a workflow run's audit
    # records are the steps function's, an API call's the run function's)
    (log_widget,) = [widget for widget in widgets if widget["type"] == "log"]
    run_log_group = flat(_ref(stack, stack.disposer.log_group.log_group_name))
    steps_log_group = flat(_ref(stack, stack.steps.log_group.log_group_name))
    assert log_widget["properties"]["query"] == (
        f"SOURCE '{run_log_group}' | SOURCE '{steps_log_group}' | {LATEST_DISPOSALS.query_string}"
    )


EXECUTIONS = ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsAborted", "ExecutionsTimedOut"]


def test_dashboard_shows_the_run_executions_and_each_maps_child_executions(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the default stack / WHEN the dashboard's graphs are read, by widget
    stack = default_stack[1]
    _, widgets = _dashboard(template)
    by_title: dict[str, list[list[str]]] = {}
    for title, entry in _graphed(widgets):
        by_title.setdefault(title, []).append(entry["row"])
    machine = flat(_ref(stack, stack.workflow.state_machine.state_machine_arn))

    # THEN the run executions by outcome (started, succeeded, failed, aborted, timed out) ...
    assert by_title["Run workflow executions"] == [
        ["AWS/States", metric, "StateMachineArn", machine] for metric in EXECUTIONS
    ]
    # AND the Map runs' child executions, which Step Functions reports under <machine ARN>/<Map label>
    assert by_title["Map runs: shards planned (PlanShards)"] == [
        ["AWS/States", metric, "StateMachineArn", f"{machine}/PlanShards"] for metric in EXECUTIONS
    ]
    assert by_title["Map runs: parts applied (ApplyParts)"] == [
        ["AWS/States", metric, "StateMachineArn", f"{machine}/ApplyParts"] for metric in EXECUTIONS
    ]
    # AND how long runs take
    assert by_title["Run workflow duration (ms)"] == [["AWS/States", "ExecutionTime", "StateMachineArn", machine]] * 2


def test_outputs_alarm_topic_and_dashboard(default_stack: tuple[cdk.App, DisposerStack], template: Template):
    # GIVEN / WHEN the stack outputs are read
    stack = default_stack[1]
    outputs = template.to_json()["Outputs"]

    # THEN the operator gets the topic to subscribe to and the dashboard to open
    assert outputs["AlarmTopicArn"]["Value"] == _ref(stack, stack.monitoring.topic.topic_arn)
    assert outputs["DashboardName"]["Value"] == "CodeArtifactDisposer"
    assert flat(outputs["DashboardUrl"]["Value"]) == (
        "https://console.aws.amazon.com/cloudwatch/home?region=<AWS::Region>#dashboards/dashboard/CodeArtifactDisposer"
    )


def _retention(template: Template, stack: DisposerStack, log_group: logs.LogGroup) -> int:
    cfn_log_group = log_group.node.default_child
    assert isinstance(cfn_log_group, logs.CfnLogGroup)
    retention: int = template.to_json()["Resources"][stack.get_logical_id(cfn_log_group)]["Properties"][
        "RetentionInDays"
    ]
    return retention


def test_retention_audit_trail_year_api_logs_configured(
    default_stack: tuple[cdk.App, DisposerStack],
    template: Template,
    variant_stack: tuple[cdk.App, DisposerStack],
    variant_template: Template,
):
    # GIVEN cdk.json (defaults) and the variant (auditLogRetentionDays 2557, logRetentionDays 14)
    # WHEN each log group's retention is read
    def retentions(stack: DisposerStack, template: Template) -> tuple[int, int, int]:
        return (
            _retention(template, stack, stack.disposer.log_group),
            _retention(template, stack, stack.api.access_log_group),
            _retention(template, stack, stack.api.execution_log_group),
        )

    # THEN the function's log group (the audit trail) keeps auditLogRetentionDays, the API's logRetentionDays
    assert retentions(default_stack[1], template) == (365, 30, 30)
    assert retentions(variant_stack[1], variant_template) == (2557, 14, 14)


def _logical(stack: DisposerStack, construct: Any) -> str:
    return stack.get_logical_id(construct.node.default_child)


def test_log_groups_encrypted_with_the_stacks_retained_rotating_key(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the stack's log key and every log group
    stack = default_stack[1]
    key_id = _logical(stack, stack.log_encryption.key)
    key = template.to_json()["Resources"][key_id]
    groups = resources_of(template, "AWS::Logs::LogGroup")
    # THEN every log group - the audit trails, the API's logs, the run workflow's execution logs - is
    # encrypted with it
    assert len(groups) == 5
    assert all(group["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]} for group in groups.values())
    # AND it rotates, outlives the stack like the audit trail it protects, and admits CloudWatch Logs for
    # this account's log groups only
    assert key["Properties"]["EnableKeyRotation"] is True
    assert (key["DeletionPolicy"], key["UpdateReplacePolicy"]) == ("Retain", "Retain")
    (logs,) = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid", "").startswith("AllowCloudWatch")]
    assert logs["Principal"] == {"Service": {"Fn::Join": ["", ["logs.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}}
    assert "kms:EncryptionContext:aws:logs:arn" in logs["Condition"]["ArnLike"]
