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

WORKFLOW_ALARMS = ("ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted")


def _alarms_by_name(template: Template) -> dict[str, dict[str, Any]]:
    return {alarm["AlarmName"]: alarm for alarm in resources_of(template, "AWS::CloudWatch::Alarm").values()}


def _expected_dimensions(stack: DisposerStack, spec: AlarmSpec) -> list[dict[str, Any]]:
    if spec.dimensions is not None:
        return [{"Name": name, "Value": value} for name, value in spec.dimensions.items()]
    stage = stack.api.rest_api.deployment_stage
    by_resource = {
        WatchedResource.FUNCTION: {"FunctionName": stack.disposer.function.function_name},
        WatchedResource.API_STAGE: {"ApiName": stack.api.rest_api.rest_api_name, "Stage": stage.stage_name},
        WatchedResource.STATE_MACHINE: {"StateMachineArn": stack.workflow.state_machine.state_machine_arn},
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
        ("FunctionErrors", "AWS/Lambda", "Errors", WatchedResource.FUNCTION),
        ("Api5xx", "AWS/ApiGateway", "5XXError", WatchedResource.API_STAGE),
        ("ExecutionsFailed", "AWS/States", "ExecutionsFailed", WatchedResource.STATE_MACHINE),
        ("ExecutionsTimedOut", "AWS/States", "ExecutionsTimedOut", WatchedResource.STATE_MACHINE),
        ("ExecutionsAborted", "AWS/States", "ExecutionsAborted", WatchedResource.STATE_MACHINE),
    }
    assert [spec.id for spec in SERVICE_METRIC_ALARMS] == [
        "VersionsFailed",
        "RunAborted",
        "DisposalsDisabled",
        "UnreadableLedgerItems",
        "ApiThrottles",
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
    assert (alarm["Namespace"], alarm["MetricName"]) == (spec.namespace, spec.metric_name)
    assert alarm["Dimensions"] == _expected_dimensions(stack, spec)
    assert (alarm["Statistic"], alarm["Period"]) == (spec.statistic, spec.period_minutes * 60)
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (spec.threshold, spec.comparison)
    assert alarm["EvaluationPeriods"] == spec.evaluation_periods
    assert alarm.get("DatapointsToAlarm") == spec.datapoints_to_alarm
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == alarm["OKActions"] == [topic]
    assert alarm["AlarmDescription"].endswith(f"Runbook: docs/monitoring.md#{spec.id.lower()}")
    assert len(alarm["AlarmDescription"]) <= 1024


def test_alarms_only_those_of_the_table(template: Template):
    # GIVEN / WHEN every alarm of the stack / THEN there is one per row, none besides
    assert sorted(_alarms_by_name(template)) == sorted(f"CodeArtifactDisposer-{spec.id}" for spec in ALARMS)


def test_alarms_on_the_run_workflow_watch_its_own_executions_not_its_map_runs(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the three alarms on the state machine
    stack = default_stack[1]
    machine = stack.resolve(stack.workflow.state_machine.state_machine_arn)
    alarms = _alarms_by_name(template)

    # WHEN / THEN each watches the run executions' ARN itself: a Map's child executions (<ARN>/<Label>),
    # whose failures a run's report accounts for, alarm nothing
    for alarm_id in WORKFLOW_ALARMS:
        assert alarms[f"CodeArtifactDisposer-{alarm_id}"]["Dimensions"] == [
            {"Name": "StateMachineArn", "Value": machine}
        ]


def test_alarm_thresholds_as_specified():
    # GIVEN the table / WHEN the figures are read / THEN any failure or abort alarms at once, throttling
    # only when sustained over three whole periods
    table = {spec.id: spec for spec in ALARMS}
    for alarm_id in (
        "VersionsFailed",
        "RunAborted",
        "UnreadableLedgerItems",
        "FunctionErrors",
        "Api5xx",
        *WORKFLOW_ALARMS,
    ):
        spec = table[alarm_id]
        assert (spec.threshold, spec.comparison, spec.evaluation_periods) == (1, "GreaterThanOrEqualToThreshold", 1)
    throttles = table["ApiThrottles"]
    assert (throttles.threshold, throttles.comparison) == (THROTTLES_PER_PERIOD, "GreaterThanThreshold")
    assert (throttles.evaluation_periods, throttles.datapoints_to_alarm, throttles.period_minutes) == (3, 3, 5)
    assert {table[alarm_id].statistic for alarm_id in WORKFLOW_ALARMS} == {"Sum"}


def _emitted(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("spec", SERVICE_METRIC_ALARMS, ids=lambda spec: spec.id)
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
