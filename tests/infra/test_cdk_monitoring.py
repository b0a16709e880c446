"""Monitoring: the encrypted alarm topic and its subscription, the dashboard, the outputs, log retention."""

import json
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template

from disposer import constants
from infra.alarms import ALARMS
from infra.queries import LATEST_DISPOSALS
from infra.stack import DisposerStack
from tests.infra.cdk_testkit import VARIANT_ALARM_EMAIL, flat, only_resource, resources_of

# Every run metric but the two dated at a run's dispatch (a report lands in the period of its dispatch, so
# they graph nothing a reader expects); the RunsUnreported alarm, on the dashboard's alarm status, reads them.
DATED_AT_DISPATCH = {constants.METRIC_RUNS_DISPATCHED, constants.METRIC_DISPATCHED_RUNS_REPORTED}
SERVICE_METRICS = sorted(
    value
    for name, value in vars(constants).items()
    if name.startswith("METRIC_") and isinstance(value, str) and value not in DATED_AT_DISPATCH
)


def _ref(stack: DisposerStack, value: Any) -> Any:
    return stack.resolve(value)


def test_topic_encrypted_with_rotating_customer_key_cloudwatch_may_use(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN / WHEN the alarm topic and its key are read
    stack = default_stack[1]
    topic = only_resource(template, "AWS::SNS::Topic")[1]["Properties"]
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
    assert _ref(stack, stack.monitoring.topic.topic_arn) == {"Ref": only_resource(template, "AWS::SNS::Topic")[0]}


def test_topic_policy_denies_plain_http_admits_only_this_stacks_alarms(template: Template):
    # GIVEN / WHEN the topic policy is read
    topic_id = only_resource(template, "AWS::SNS::Topic")[0]
    policy = only_resource(template, "AWS::SNS::TopicPolicy")[1]["Properties"]
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


def test_topic_email_subscription_only_when_configured(template: Template, variant_template: Template):
    # GIVEN cdk.json (no alarmEmail) and the variant (alarmEmail set)
    # WHEN their subscriptions are read
    default_subscriptions = resources_of(template, "AWS::SNS::Subscription")
    (subscription,) = resources_of(variant_template, "AWS::SNS::Subscription").values()

    # THEN only the variant mails the address, from the alarm topic
    assert default_subscriptions == {}
    topic_id = only_resource(variant_template, "AWS::SNS::Topic")[0]
    assert (subscription["Protocol"], subscription["Endpoint"]) == ("email", VARIANT_ALARM_EMAIL)
    assert subscription["TopicArn"] == {"Ref": topic_id}


def _dashboard(template: Template) -> tuple[str, list[dict[str, Any]]]:
    """The dashboard's name and widgets, the body parsed with each reference written <Name>."""
    properties = only_resource(template, "AWS::CloudWatch::Dashboard")[1]["Properties"]
    body = properties["DashboardBody"]
    parts = body["Fn::Join"][1] if isinstance(body, dict) else [body]
    text = "".join(part if isinstance(part, str) else flat(part) for part in parts)
    widgets: list[dict[str, Any]] = json.loads(text)["widgets"]
    return properties["DashboardName"], widgets


def _graphed(widgets: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Every series of every graph, with its widget title: metric rows as lists, expressions as dicts."""
    return [
        (widget["properties"]["title"], series)
        for widget in widgets
        if widget["type"] == "metric"
        for row in widget["properties"]["metrics"]
        for series in [{"row": row[:-1], **row[-1]}]
    ]


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

    # THEN it is named after the stack and graphs every run metric under [service]
    assert name == "CodeArtifactDisposer"
    assert len(SERVICE_METRICS) == 14
    for entry in series:
        if entry["row"][:1] == [constants.METRICS_NAMESPACE]:
            assert entry["row"][2:] == ["service", constants.SERVICE_NAME], entry
    assert {metric for metric, _ in aggregate} == set(SERVICE_METRICS)
    # AND runs and versions per policy and trigger, and failures per error code, with SEARCH
    for metric in ("Runs", "VersionsDisposed", "VersionsFailed", "VersionsKept", "VersionsPlanned", "VersionsHeld"):
        assert _search(metric, "service,policy,trigger") in expressions, metric
    assert _search("VersionsFailed", "service,errorCode") in expressions
    # AND run duration as p50 and maximum
    assert {("RunDuration", "p50"), ("RunDuration", "Maximum")} <= aggregate


def test_dashboard_shows_lambda_api_queue_alarms_and_latest_disposals(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the default stack / WHEN the dashboard's widgets are read
    stack = default_stack[1]
    _, widgets = _dashboard(template)
    rows = [entry["row"] for _, entry in _graphed(widgets) if "row" in entry]
    function = flat(_ref(stack, stack.disposer.function.function_name))
    queue = flat(_ref(stack, stack.disposer.failed_runs_queue.queue_name))
    stage = flat(_ref(stack, stack.api.rest_api.deployment_stage.stage_name))

    # THEN Lambda, API Gateway and the failed-runs queue are graphed
    for metric in ("Errors", "Throttles", "Duration", "ConcurrentExecutions"):
        assert ["AWS/Lambda", metric, "FunctionName", function] in rows, metric
    for metric in ("Count", "4XXError", "5XXError", "Latency"):
        assert ["AWS/ApiGateway", metric, "ApiName", "CodeArtifactDisposer-api", "Stage", stage] in rows, metric
    assert ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue] in rows
    # AND every alarm's state
    (alarm_widget,) = [widget for widget in widgets if widget["type"] == "alarm"]
    assert alarm_widget["properties"]["alarms"] == [
        flat(_ref(stack, alarm.alarm_arn)) for alarm in stack.monitoring.alarms.values()
    ]
    assert len(alarm_widget["properties"]["alarms"]) == len(ALARMS)
    # AND a Logs Insights table of the latest disposals, from both audit log groups (with fan-out, the
    # worker writes a scheduled run's audit records)
    assert stack.fan_out is not None
    (log_widget,) = [widget for widget in widgets if widget["type"] == "log"]
    run_log_group = flat(_ref(stack, stack.disposer.log_group.log_group_name))
    worker_log_group = flat(_ref(stack, stack.fan_out.worker.log_group.log_group_name))
    assert log_widget["properties"]["query"] == (
        f"SOURCE '{run_log_group}' | SOURCE '{worker_log_group}' | {LATEST_DISPOSALS.query_string}"
    )


def test_dashboard_shows_worker_work_queue_and_dead_letter_queue(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the default stack (fanOut on) / WHEN the dashboard's graphs are read
    stack = default_stack[1]
    assert stack.fan_out is not None
    _, widgets = _dashboard(template)
    graphed = _graphed(widgets)
    rows = [entry["row"] for _, entry in graphed if "row" in entry]
    worker = flat(_ref(stack, stack.fan_out.worker.function.function_name))
    queue = flat(_ref(stack, stack.fan_out.queue.queue_name))
    dead_letters = flat(_ref(stack, stack.fan_out.dead_letter_queue.queue_name))

    # THEN the worker's errors, throttles, duration and concurrency (marked at workerConcurrency) are graphed
    for metric in ("Errors", "Throttles", "Duration", "ConcurrentExecutions"):
        assert ["AWS/Lambda", metric, "FunctionName", worker] in rows, metric
    (concurrency,) = [widget for widget in widgets if widget["properties"].get("title") == "Worker concurrency"]
    assert concurrency["properties"]["annotations"]["horizontal"][0]["value"] == 2
    # AND the work queue's depth, in-flight messages and oldest message's age, and the DLQ's depth
    for metric in (
        "ApproximateNumberOfMessagesVisible",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateAgeOfOldestMessage",
    ):
        assert ["AWS/SQS", metric, "QueueName", queue] in rows, metric
    assert ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", dead_letters] in rows


def test_dashboard_fan_out_false_no_worker_row_log_widget_one_group(
    inline_stack: tuple[cdk.App, DisposerStack], inline_template: Template
):
    # GIVEN fanOut false / WHEN the dashboard is read
    stack = inline_stack[1]
    _, widgets = _dashboard(inline_template)
    titles = {widget["properties"].get("title") for widget in widgets}

    # THEN nothing of the fan-out is graphed, and the latest disposals come from the run function alone
    assert stack.fan_out is None
    assert not {"Worker errors / throttles", "Work queue", "Work DLQ (poison messages)"} & titles
    (log_widget,) = [widget for widget in widgets if widget["type"] == "log"]
    run_log_group = flat(_ref(stack, stack.disposer.log_group.log_group_name))
    assert log_widget["properties"]["query"] == f"SOURCE '{run_log_group}' | {LATEST_DISPOSALS.query_string}"


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
    # THEN every log group - the audit trails and the API's logs - is encrypted with it
    assert len(groups) == 4
    assert all(group["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]} for group in groups.values())
    # AND it rotates, outlives the stack like the audit trail it protects, and admits CloudWatch Logs for
    # this account's log groups only
    assert key["Properties"]["EnableKeyRotation"] is True
    assert (key["DeletionPolicy"], key["UpdateReplacePolicy"]) == ("Retain", "Retain")
    (logs,) = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid", "").startswith("AllowCloudWatch")]
    assert logs["Principal"] == {"Service": {"Fn::Join": ["", ["logs.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}}
    assert "kms:EncryptionContext:aws:logs:arn" in logs["Condition"]["ArnLike"]
