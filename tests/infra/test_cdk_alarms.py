"""Alarms: every row of infra/alarms.py is one CloudWatch alarm, and the handler emits what they watch."""

import json
from collections import Counter
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from disposer.constants import METRIC_DIMENSIONS_AGGREGATE, METRICS_NAMESPACE, SERVICE_NAME
from disposer.observability.run_metrics import RunFigures, count_unreadable_items, emit_run_metrics
from infra.alarm_model import RUNBOOK, THROTTLES_PER_PERIOD, AlarmSpec, WatchedResource
from infra.alarms import ALARMS, SERVICE_METRIC_ALARMS
from infra.constants import REPO_ROOT
from infra.stack import DisposerStack
from tests.infra.cdk_testkit import resources_of

FAN_OUT_ALARMS = ("WorkerErrors", "WorkDeadLetters", "RunsUnreported")


def _alarms_by_name(template: Template) -> dict[str, dict[str, Any]]:
    return {alarm["AlarmName"]: alarm for alarm in resources_of(template, "AWS::CloudWatch::Alarm").values()}


def _expected_dimensions(stack: DisposerStack, spec: AlarmSpec) -> list[dict[str, Any]]:
    if spec.dimensions is not None:
        return [{"Name": name, "Value": value} for name, value in spec.dimensions.items()]
    stage = stack.api.rest_api.deployment_stage
    assert stack.fan_out is not None
    by_resource = {
        WatchedResource.FUNCTION: {"FunctionName": stack.disposer.function.function_name},
        WatchedResource.FAILED_RUNS_QUEUE: {"QueueName": stack.disposer.failed_runs_queue.queue_name},
        WatchedResource.API_STAGE: {"ApiName": stack.api.rest_api.rest_api_name, "Stage": stage.stage_name},
        WatchedResource.WORKER_FUNCTION: {"FunctionName": stack.fan_out.worker.function.function_name},
        WatchedResource.WORK_DEAD_LETTER_QUEUE: {"QueueName": stack.fan_out.dead_letter_queue.queue_name},
    }
    return [{"Name": name, "Value": stack.resolve(value)} for name, value in by_resource[spec.resource].items()]


def test_alarm_table_ids_unique_and_cover_the_required_alarms():
    # GIVEN the declarative table / WHEN its rows are listed
    ids = [spec.id for spec in ALARMS]

    # THEN each alarm the service needs is there once, and the service subset is exactly our namespace
    assert len(ids) == len(set(ids))
    assert {(spec.id, spec.namespace, spec.metric_name, spec.resource) for spec in ALARMS} == {
        ("VersionsFailed", METRICS_NAMESPACE, "VersionsFailed", WatchedResource.SERVICE),
        ("RunAborted", METRICS_NAMESPACE, "RunAborted", WatchedResource.SERVICE),
        ("DisposalsDisabled", METRICS_NAMESPACE, "DisposalsDisabled", WatchedResource.SERVICE),
        ("UnreadableLedgerItems", METRICS_NAMESPACE, "UnreadableLedgerItems", WatchedResource.SERVICE),
        ("ApiThrottles", METRICS_NAMESPACE, "ApiThrottles", WatchedResource.SERVICE),
        ("RunsUnreported", METRICS_NAMESPACE, "RunsDispatched", WatchedResource.SERVICE),
        ("FunctionErrors", "AWS/Lambda", "Errors", WatchedResource.FUNCTION),
        ("FailedRuns", "AWS/SQS", "ApproximateNumberOfMessagesVisible", WatchedResource.FAILED_RUNS_QUEUE),
        ("Api5xx", "AWS/ApiGateway", "5XXError", WatchedResource.API_STAGE),
        ("WorkerErrors", "AWS/Lambda", "Errors", WatchedResource.WORKER_FUNCTION),
        ("WorkDeadLetters", "AWS/SQS", "ApproximateNumberOfMessagesVisible", WatchedResource.WORK_DEAD_LETTER_QUEUE),
    }
    assert [spec.id for spec in SERVICE_METRIC_ALARMS] == [
        "VersionsFailed",
        "RunAborted",
        "DisposalsDisabled",
        "UnreadableLedgerItems",
        "ApiThrottles",
        "RunsUnreported",
    ]
    for spec in ALARMS:
        assert (spec.dimensions is not None) == (spec.resource is WatchedResource.SERVICE), spec.id


@pytest.mark.parametrize("spec", ALARMS, ids=lambda spec: spec.id)
def test_alarm_synthesized_from_its_spec_notifies_topic(
    spec: AlarmSpec, default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the default stack / WHEN the alarm named after the spec is read
    stack = default_stack[1]
    alarm = _alarms_by_name(template)[f"CodeArtifactDisposer-{spec.id}"]
    topic = stack.resolve(stack.monitoring.topic.topic_arn)

    # THEN it watches the spec's metric, dimensions, statistic and threshold, and tells the topic both ways
    for watched in _watched_metrics(alarm, spec):
        assert (watched["Namespace"], watched["MetricName"]) in {
            (spec.namespace, spec.metric_name),
            (spec.namespace, spec.subtracted),
        }
        assert watched["Dimensions"] == _expected_dimensions(stack, spec)
        assert (watched["Statistic"], watched["Period"]) == (spec.statistic, spec.period_minutes * 60)
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (spec.threshold, spec.comparison)
    # (a metric-math row also looks back over the plan's time-to-live, 6 h in cdk.json)
    assert alarm["EvaluationPeriods"] == spec.evaluation_periods + (6 if spec.expression else 0)
    assert alarm.get("DatapointsToAlarm") == spec.datapoints_to_alarm
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == alarm["OKActions"] == [topic]
    assert alarm["AlarmDescription"].endswith(f"Runbook: docs/monitoring.md#{spec.id.lower()}")
    assert len(alarm["AlarmDescription"]) <= 1024


def _watched_metrics(alarm: dict[str, Any], spec: AlarmSpec) -> list[dict[str, Any]]:
    """The metric a plain alarm watches, or the metrics of a metric-math alarm, in one shape."""
    if spec.expression is None:
        return [{k: alarm[k] for k in ("Namespace", "MetricName", "Dimensions", "Statistic", "Period")}]
    stats = [query["MetricStat"] for query in alarm["Metrics"] if "MetricStat" in query]
    assert len(stats) == 2
    return [{**stat["Metric"], "Statistic": stat["Stat"], "Period": stat["Period"]} for stat in stats]


def test_runs_unreported_alarm_counts_only_runs_older_than_the_plan_ttl(template: Template, tuned_template: Template):
    # GIVEN the alarm on fanned-out runs that never reported
    alarm = _alarms_by_name(template)["CodeArtifactDisposer-RunsUnreported"]
    (expression,) = [query for query in alarm["Metrics"] if "Expression" in query]
    ids = {
        query["Id"]: query["MetricStat"]["Metric"]["MetricName"] for query in alarm["Metrics"] if "MetricStat" in query
    }
    # WHEN / THEN it is the difference of runs dispatched and reported, hourly, counted only for hours older
    # than the plan's time-to-live (6 h) and its own hour, over a day more than that
    assert set(ids.values()) == {"RunsDispatched", "DispatchedRunsReported"}
    assert expression["ReturnData"] is True
    assert f"- {6 * 3600 + 3600}," in expression["Expression"]
    assert "FILL(dispatched, 0) - FILL(reported, 0)" in expression["Expression"]
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"], alarm["Threshold"]) == (30, 1, 0)
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"


def test_alarms_only_those_of_the_table(template: Template):
    # GIVEN / WHEN every alarm of the stack / THEN there is one per row, none besides
    assert sorted(_alarms_by_name(template)) == sorted(f"CodeArtifactDisposer-{spec.id}" for spec in ALARMS)


def test_alarms_fan_out_false_no_worker_or_dead_letter_alarm(inline_template: Template):
    # GIVEN fanOut false (no worker, no work queue) / WHEN its alarms are read
    # THEN every row but the fan-out ones is an alarm
    assert sorted(_alarms_by_name(inline_template)) == sorted(
        f"CodeArtifactDisposer-{spec.id}" for spec in ALARMS if spec.id not in FAN_OUT_ALARMS
    )


def test_alarm_thresholds_as_specified():
    # GIVEN the table / WHEN the figures are read / THEN any failure or abort alarms at once, throttling
    # only when sustained over three whole periods
    table = {spec.id: spec for spec in ALARMS}
    for alarm_id in (
        "VersionsFailed",
        "RunAborted",
        "UnreadableLedgerItems",
        "FunctionErrors",
        "FailedRuns",
        "Api5xx",
        *FAN_OUT_ALARMS[:2],
    ):
        spec = table[alarm_id]
        assert (spec.threshold, spec.comparison, spec.evaluation_periods) == (1, "GreaterThanOrEqualToThreshold", 1)
    throttles = table["ApiThrottles"]
    assert (throttles.threshold, throttles.comparison) == (THROTTLES_PER_PERIOD, "GreaterThanThreshold")
    assert (throttles.evaluation_periods, throttles.datapoints_to_alarm, throttles.period_minutes) == (3, 3, 5)
    assert table["FailedRuns"].statistic == table["WorkDeadLetters"].statistic == "Maximum"
    assert table["WorkerErrors"].statistic == "Sum"


def _emitted(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("spec", [s for s in SERVICE_METRIC_ALARMS if s.expression is None], ids=lambda spec: spec.id)
def test_service_alarm_metric_emitted_by_handler_under_exact_dimension_set(
    spec: AlarmSpec, capsys: pytest.CaptureFixture[str]
):
    # GIVEN a run that failed a version, was throttled and was aborted by the kill switch (every alarmed
    # figure non-zero)
    run = RunFigures(
        trigger="schedule",
        policy="prune-ui",
        failed=Counter({"MISMATCHED_REVISION": 1}),
        throttles=3,
        aborted=True,
        disposals_disabled=True,
    )

    # WHEN the function's telemetry prints its EMF lines (and a request met an unreadable hold item)
    emit_run_metrics(run)
    count_unreadable_items(1)
    lines = _emitted(capsys)

    # THEN some line publishes the alarm's metric under exactly the alarm's dimension set and values
    assert spec.dimensions is not None
    matching = [
        line
        for line in lines
        for directive in line["_aws"]["CloudWatchMetrics"]
        if directive["Namespace"] == spec.namespace
        and spec.metric_name in {metric["Name"] for metric in directive["Metrics"]}
        and list(spec.dimensions) in directive["Dimensions"]
    ]
    assert len(matching) == 1, lines
    assert all(matching[0][name] == value for name, value in spec.dimensions.items())
    assert matching[0][spec.metric_name] != [0.0]
    assert tuple(spec.dimensions) == METRIC_DIMENSIONS_AGGREGATE
    assert dict(spec.dimensions) == {"service": SERVICE_NAME}


def test_alarm_runbook_section_exists_for_every_row():
    # GIVEN the runbook's level-3 headings, as GitHub anchors
    runbook = (REPO_ROOT / RUNBOOK).read_text()
    anchors = {line[4:].strip().lower() for line in runbook.splitlines() if line.startswith("### ")}

    # WHEN / THEN every alarm's description links to a section that is there
    assert {spec.id.lower() for spec in ALARMS} <= anchors
