"""The usage recorder's alarms, dashboard row and outputs: only with a usageTrail, each alarm as its row says."""

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from disposer import constants
from disposer.constants import METRICS_NAMESPACE, SERVICE_NAME
from infra.alarm_model import RUNBOOK, AlarmSpec, WatchedResource
from infra.alarms import ALARMS
from infra.constants import REPO_ROOT
from infra.stack import DisposerStack
from infra.usage_alarms import USAGE_ALARMS
from tests.infra.cdk_testkit import dashboard_of, flat, graphed, logical_id, resources_of
from tests.infra.test_cdk_monitoring import SERVICE_METRICS


def _alarms(template: Template) -> dict[str, dict[str, Any]]:
    return {alarm["AlarmName"]: alarm for alarm in resources_of(template, "AWS::CloudWatch::Alarm").values()}


def _usage(stack: DisposerStack) -> Any:
    assert stack.usage is not None
    return stack.usage


def test_usage_alarm_table_covers_the_recorder_and_the_rule():
    # GIVEN / WHEN the usage rows / THEN each alarm the recorder needs is there once, apart from the service's
    ids = [spec.id for spec in USAGE_ALARMS]
    assert len(set(ids)) == len(ids) and not set(ids) & {spec.id for spec in ALARMS}
    assert {(spec.id, spec.namespace, spec.metric_name, spec.resource) for spec in USAGE_ALARMS} == {
        ("UsageDeadLetters", "AWS/SQS", "ApproximateNumberOfMessagesVisible", WatchedResource.USAGE_DEAD_LETTER_QUEUE),
        ("UsageQueueBacklog", "AWS/SQS", "ApproximateAgeOfOldestMessage", WatchedResource.USAGE_QUEUE),
        ("UsageRecorderStalled", METRICS_NAMESPACE, constants.METRIC_DIGESTS_READ, WatchedResource.SERVICE),
        ("TrailFilesUnreadable", METRICS_NAMESPACE, constants.METRIC_TRAIL_FILES_UNREADABLE, WatchedResource.SERVICE),
        ("UsageCoverageGap", METRICS_NAMESPACE, constants.METRIC_USAGE_UNKNOWN, WatchedResource.SERVICE),
    }
    by_id = {spec.id: spec for spec in USAGE_ALARMS}
    # AND the thresholds: any dead letter; a message older than an hour; no digest in any of three whole hours,
    # silence counting as breaching; any unreadable file; any candidate a run kept as usage unknown
    assert (by_id["UsageDeadLetters"].statistic, by_id["UsageDeadLetters"].threshold) == ("Maximum", 1)
    backlog = by_id["UsageQueueBacklog"]
    assert (backlog.statistic, backlog.threshold, backlog.comparison) == ("Maximum", 3600, "GreaterThanThreshold")
    stalled = by_id["UsageRecorderStalled"]
    assert (stalled.statistic, stalled.threshold, stalled.comparison) == ("Sum", 1, "LessThanThreshold")
    assert (stalled.period_minutes * stalled.evaluation_periods, stalled.datapoints_to_alarm) == (180, None)
    assert stalled.missing_data == "breaching"
    for alarm_id in ("UsageDeadLetters", "UsageQueueBacklog", "TrailFilesUnreadable", "UsageCoverageGap"):
        assert by_id[alarm_id].missing_data == "notBreaching", alarm_id
    for alarm_id in ("TrailFilesUnreadable", "UsageCoverageGap"):
        assert (by_id[alarm_id].threshold, by_id[alarm_id].comparison) == (1, "GreaterThanOrEqualToThreshold")


def _dimensions(stack: DisposerStack, spec: AlarmSpec) -> list[dict[str, Any]]:
    if spec.dimensions is not None:
        return [{"Name": name, "Value": value} for name, value in spec.dimensions.items()]
    usage = _usage(stack)
    queue = usage.queue if spec.resource is WatchedResource.USAGE_QUEUE else usage.dead_letter_queue
    return [{"Name": "QueueName", "Value": {"Fn::GetAtt": [logical_id(queue), "QueueName"]}}]


@pytest.mark.parametrize("spec", USAGE_ALARMS, ids=lambda spec: spec.id)
def test_usage_alarm_synthesized_from_its_spec_only_with_a_trail(
    spec: AlarmSpec, tuned_stack: tuple[cdk.App, DisposerStack], tuned_template: Template, template: Template
):
    # GIVEN the tuned deployment (a trail) and cdk.json's (none)
    stack = tuned_stack[1]
    name = f"CodeArtifactDisposer-{spec.id}"
    alarm = _alarms(tuned_template)[name]
    topic = stack.resolve(stack.monitoring.topic.topic_arn)

    # WHEN / THEN it watches what its row says, under its queue's name or [service], and tells the topic both ways
    assert (alarm["Namespace"], alarm["MetricName"]) == (spec.namespace, spec.metric_name)
    assert alarm["Dimensions"] == _dimensions(stack, spec)
    assert (alarm["Statistic"], alarm["Period"]) == (spec.statistic, spec.period_minutes * 60)
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (spec.threshold, spec.comparison)
    assert (alarm["EvaluationPeriods"], alarm.get("DatapointsToAlarm")) == (
        spec.evaluation_periods,
        spec.datapoints_to_alarm,
    )
    assert alarm["TreatMissingData"] == spec.missing_data
    assert alarm["AlarmActions"] == alarm["OKActions"] == [topic]
    assert alarm["AlarmDescription"].endswith(f"Runbook: docs/monitoring.md#{spec.id.lower()}")
    assert len(alarm["AlarmDescription"]) <= 1024
    # AND without a trail there is no such alarm
    assert name not in _alarms(template)


def test_usage_alarm_runbook_section_exists_for_every_row():
    # GIVEN the runbook's level-3 headings, as GitHub anchors
    runbook = (REPO_ROOT / RUNBOOK).read_text()
    anchors = {line[4:].strip().lower() for line in runbook.splitlines() if line.startswith("### ")}
    # WHEN / THEN every usage alarm's description links to a section that is there
    assert {spec.id.lower() for spec in USAGE_ALARMS} <= anchors


def test_dashboard_with_a_trail_graphs_every_service_metric_the_queues_and_the_recorder(
    tuned_stack: tuple[cdk.App, DisposerStack], tuned_template: Template
):
    # GIVEN the tuned deployment's dashboard
    stack = tuned_stack[1]
    usage = _usage(stack)
    _, widgets = dashboard_of(tuned_template)
    series = [entry for _, entry in graphed(widgets)]
    rows = [entry["row"] for entry in series if "row" in entry]

    # WHEN / THEN every service metric is graphed under [service], the recorder's and the usage rule's included
    assert {row[1] for row in rows if row[:1] == [METRICS_NAMESPACE]} == set(SERVICE_METRICS)
    assert all(row[2:] == ["service", SERVICE_NAME] for row in rows if row[:1] == [METRICS_NAMESPACE])
    # AND the queue's oldest message and the dead letters, by queue name
    queue, dead = (flat(stack.resolve(q.queue_name)) for q in (usage.queue, usage.dead_letter_queue))
    assert ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", queue] in rows
    assert ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", dead] in rows
    # AND the recorder function's errors, throttles, duration and concurrency
    recorder = flat(stack.resolve(usage.recorder.function.function_name))
    for metric in ("Errors", "Throttles", "Duration", "ConcurrentExecutions"):
        assert ["AWS/Lambda", metric, "FunctionName", recorder] in rows, metric
    # AND the alarm widget shows the usage alarms with the others
    (alarm_widget,) = [widget for widget in widgets if widget["type"] == "alarm"]
    assert len(alarm_widget["properties"]["alarms"]) == len(ALARMS) + len(USAGE_ALARMS)


def test_outputs_name_the_queues_and_the_recorder_only_with_a_trail(
    tuned_stack: tuple[cdk.App, DisposerStack], tuned_template: Template, template: Template
):
    # GIVEN the outputs with and without a trail
    stack = tuned_stack[1]
    usage = _usage(stack)
    outputs = tuned_template.to_json()["Outputs"]

    # WHEN / THEN the queue's URL and ARN (for an S3 notification), the dead-letter queue's, and the recorder's
    # function, log group and role (for a bucket or key policy) are given
    assert outputs["UsageQueueUrl"]["Value"] == {"Ref": logical_id(usage.queue)}
    assert outputs["UsageQueueArn"]["Value"] == {"Fn::GetAtt": [logical_id(usage.queue), "Arn"]}
    assert outputs["UsageDeadLetterQueueUrl"]["Value"] == {"Ref": logical_id(usage.dead_letter_queue)}
    assert outputs["UsageDeadLetterQueueArn"]["Value"] == {"Fn::GetAtt": [logical_id(usage.dead_letter_queue), "Arn"]}
    assert outputs["RecorderFunctionName"]["Value"] == {"Ref": logical_id(usage.recorder.function)}
    assert outputs["RecorderLogGroup"]["Value"] == {"Ref": logical_id(usage.recorder.log_group)}
    assert outputs["RecorderRoleArn"]["Value"] == {"Fn::GetAtt": [logical_id(usage.recorder.role), "Arn"]}
    assert not {name for name in template.to_json()["Outputs"] if name.startswith(("Usage", "Recorder"))}
