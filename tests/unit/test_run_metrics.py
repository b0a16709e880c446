"""Run metrics from a run report: one EMF line under the alarms' and the dashboard's dimension sets, and
failed versions per error code."""

from typing import Any

import pytest

from disposer.constants import METRICS_NAMESPACE
from disposer.model.report import RunReportBody
from disposer.runs.finish import publish

BODY: dict[str, Any] = {
    "runId": "run-1",
    "policy": "prune",
    "trigger": "schedule",
    "mode": "apply",
    "asOf": "2026-11-01T03:00:00Z",
    "items": [],
    "itemsOmitted": 0,
    "totals": {"packages": 2, "versions": 10, "keep": 6, "dispose": 4, "archive": 0, "rules": {}},
    "maxDisposalsPerRun": 1000,
    "capExceeded": False,
    "planDigest": "v1:0123456789abcdef0123456789abcdef",
    "outcomes": {"disposed": 3, "MISMATCHED_STATUS": 1},
    "errors": [],
    "calls": {},
    "throttles": 2,
    "bytesReclaimed": 4096,
    "durationSeconds": 1.25,
    "aborted": False,
    "abortedReason": None,
    "disposalsDisabled": False,
}


def _emf(printed: Any) -> list[dict[str, Any]]:
    return [r for r in printed() if "_aws" in r]


def test_run_metrics_from_the_report_under_both_dimension_sets(printed):
    # GIVEN / WHEN a run's report is published
    publish(RunReportBody.model_validate(BODY))
    run_line, by_code = _emf(printed)
    # THEN one line carries every figure, under [service] and [service, policy, trigger]
    (directive,) = run_line["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == METRICS_NAMESPACE
    assert directive["Dimensions"] == [["service"], ["service", "policy", "trigger"]]
    figures = {name: run_line[name] for name in ("Runs", "VersionsPlanned", "VersionsKept", "VersionsDisposed")}
    assert figures == {"Runs": [1.0], "VersionsPlanned": [4.0], "VersionsKept": [6.0], "VersionsDisposed": [3.0]}
    assert (run_line["VersionsFailed"], run_line["ApiThrottles"], run_line["BytesReclaimed"]) == (
        [1.0],
        [2.0],
        [4096.0],
    )
    assert (run_line["RunAborted"], run_line["RunDuration"]) == ([0.0], [1.25])
    # AND the failure is counted under its error code, with the service only
    assert (by_code["errorCode"], by_code["VersionsFailed"]) == ("MISMATCHED_STATUS", [1.0])
    assert by_code["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service", "errorCode"]]


@pytest.mark.parametrize(("change", "absent"), [({"bytesReclaimed": None}, "BytesReclaimed")])
def test_run_metrics_unmeasured_bytes_are_not_published_as_zero(printed, change, absent):
    publish(RunReportBody.model_validate({**BODY, **change}))
    assert absent not in _emf(printed)[0]


def test_run_metrics_aborted_run_counts_run_aborted(printed):
    publish(RunReportBody.model_validate({**BODY, "aborted": True, "abortedReason": "cap", "outcomes": {}}))
    (line,) = _emf(printed)
    assert (line["RunAborted"], line["VersionsDisposed"]) == ([1.0], [0.0])


def test_run_metrics_not_published_when_told_not_to(printed):
    publish(RunReportBody.model_validate(BODY), metrics=False)
    assert _emf(printed) == []


def test_run_metrics_candidates_kept_for_unknown_usage_are_counted_only_where_there_are_some(printed):
    totals = {**BODY["totals"], "rules": {"keep:usage-unknown": 5}}
    publish(RunReportBody.model_validate({**BODY, "totals": totals}))
    assert _emf(printed)[0]["VersionsKeptUsageUnknown"] == [5.0]
    publish(RunReportBody.model_validate(BODY))
    assert "VersionsKeptUsageUnknown" not in _emf(printed)[-2]
