"""Every alarm has a test that makes the real handler emit what it watches.

Alarms on the service's own metrics: the handler, driven into the condition, prints the metric under
exactly the alarm's dimensions, with a value that counts towards the threshold. Alarms on AWS metrics
(function errors, failed runs, API 5xx): the handler fails the invocation (or, for the API, never
answers 5xx for anything a caller sends, which tests/integration checks).
"""

import os
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from disposer.errors import CapExceededError, FutureClockError
from infra.alarm_model import AlarmSpec, WatchedResource
from infra.alarms import ALARMS, SERVICE_METRIC_ALARMS
from tests.integration.harness import control, invoke_api, run_scheduled
from tests.integration.seeds import UI_KIT


def failed_version(context, emulator, request) -> None:
    invoke_api(context, "POST", "/dispose", {**UI_KIT, "versions": ["1.3.0", "9.9.9"]})


def aborted_run(context, emulator, request) -> None:
    with pytest.raises(CapExceededError):
        run_scheduled(context, maxDisposalsPerRun=1)


def switched_off(context, emulator, request) -> None:
    switch = request.getfixturevalue("switch")
    switch.off()
    report = run_scheduled(context)
    assert report["aborted"] and report["disposalsDisabled"]


def throttled_calls(context, emulator, request) -> None:
    control(emulator, "inject", {"operation": "ListPackageVersions", "error": "ThrottlingException", "count": 1})
    run_scheduled(context, mode="plan")


def unreadable_hold_met(context, emulator, request) -> None:
    ledger = request.getfixturevalue("ledger_name")
    item = {"pk": {"S": "holds"}, "sk": {"S": "hold#legacy"}, "package": {"S": "ui-kit"}}
    boto3.client("dynamodb", endpoint_url=os.environ["AWS_ENDPOINT_URL_DYNAMODB"]).put_item(TableName=ledger, Item=item)
    assert invoke_api(context, "GET", "/holds", None).status == 200


CONDITIONS: dict[str, Callable[[Any, Any, Any], None]] = {
    "VersionsFailed": failed_version,
    "RunAborted": aborted_run,
    "DisposalsDisabled": switched_off,
    "ApiThrottles": throttled_calls,
    "UnreadableLedgerItems": unreadable_hold_met,
}


@pytest.mark.parametrize("alarm", SERVICE_METRIC_ALARMS, ids=lambda spec: spec.id)
def test_service_alarm_metric_emitted_by_handler_under_its_dimensions(
    lambda_context, emulator, printed, request, alarm: AlarmSpec
):
    # GIVEN the condition the alarm exists for (a new alarm must add one here)
    assert alarm.metric_name in CONDITIONS, f"no test drives the handler into {alarm.id}"
    # WHEN the handler meets it
    CONDITIONS[alarm.metric_name](lambda_context, emulator, request)
    # THEN an EMF line carries the metric under exactly the alarm's dimension set, counting towards it
    assert alarm.dimensions is not None
    emitted = []
    for record in printed():
        for directive in record.get("_aws", {}).get("CloudWatchMetrics", []):
            names = {metric["Name"] for metric in directive["Metrics"]}
            if alarm.metric_name in names and sorted(alarm.dimensions) in map(sorted, directive["Dimensions"]):
                assert directive["Namespace"] == alarm.namespace
                assert all(record[key] == value for key, value in alarm.dimensions.items())
                emitted.append(sum(record[alarm.metric_name]))
    assert emitted and max(emitted) >= 1


def test_function_errors_and_failed_runs_alarms_see_a_failed_invocation(lambda_context, emulator):
    # GIVEN the alarms on the function's errors and on the run workflow's failed executions
    watched = {spec.resource for spec in ALARMS}
    assert {WatchedResource.FUNCTION, WatchedResource.STATE_MACHINE} <= watched
    # WHEN a run must not proceed (a future clock), the invocation fails: Lambda counts an error (and the
    # workflow's Start step, failing the same way, fails its execution)
    with pytest.raises(FutureClockError):
        from disposer.handler import lambda_handler
        from tests.integration.harness import scheduled_event

        event = scheduled_event()
        event["time"] = "2099-01-01T00:00:00Z"
        lambda_handler(event, lambda_context)
