"""What CloudWatch gets from a real run: audit records and EMF metrics, checked against the emulator's state."""

from typing import Any

import pytest

from disposer.constants import METRICS_NAMESPACE
from tests.integration.harness import calls, control, invoke_api, run_scheduled, statuses
from tests.integration.seeds import UI_ICONS, UI_KIT


def emf_lines(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if "_aws" in r]


def run_metrics(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The run's EMF line (the one carrying Runs), with its dimension sets."""
    (line,) = [r for r in emf_lines(records) if "Runs" in r]
    return line


def dimension_sets(line: dict[str, Any]) -> list[list[str]]:
    (directive,) = line["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == METRICS_NAMESPACE
    return [list(names) for names in directive["Dimensions"]]


def test_scheduled_run_metrics_and_audit_match_emulator_state(lambda_context, emulator, client, printed, monkeypatch):
    # GIVEN the prune-ui policy on a seed whose versions each carry one asset of known size
    monkeypatch.setenv("DISPOSER_MEASURE_BYTES", "true")
    sizes = {
        (coordinates["package"], version): sum(
            asset["size"]
            for asset in client.list_package_version_assets(**coordinates, packageVersion=version)["assets"]
        )
        for coordinates in (UI_KIT, UI_ICONS)
        for version in statuses(client, coordinates)
    }
    control(emulator, "reset-stats", {})
    # WHEN its schedule fires
    report = run_scheduled(lambda_context)
    records = printed()
    # THEN the metrics equal what changed in the emulator
    disposed = {
        (coordinates["package"], version)
        for coordinates in (UI_KIT, UI_ICONS)
        for version, status in statuses(client, coordinates).items()
        if status == "Disposed"
    }
    line = run_metrics(records)
    assert dimension_sets(line) == [["service"], ["service", "policy", "trigger"]]
    assert (line["policy"], line["trigger"]) == ("prune-ui", "schedule")
    assert line["VersionsDisposed"] == [float(len(disposed))]
    assert line["VersionsFailed"] == [0.0]
    assert line["VersionsPlanned"] == [float(report["totals"]["dispose"])]
    assert line["VersionsKept"] == [float(report["totals"]["keep"])]
    assert line["BytesReclaimed"] == [float(sum(sizes[key] for key in disposed))]
    assert line["RunAborted"] == [0.0] and line["Runs"] == [1.0]
    # AND measuring the bytes cost exactly one asset listing per disposed version, visible in the report
    assert report["calls"]["ListPackageVersionAssets"] == len(disposed) == calls(emulator)["ListPackageVersionAssets"]
    # AND each disposed version has one audit record saying what, when, by whom and why
    audit = {(r["package"], r["version"]): r for r in records if r.get("audit")}
    assert set(audit) == disposed
    record = audit[("ui-kit", "1.3.0")]
    assert record["run_id"] == record["correlation_id"] == "7bf73129-1428-4cd3-a780-95db273d1602"
    assert record["caller"] == "arn:aws:events:us-east-1:111122223333:rule/CodeArtifactDisposer-prune-ui"
    assert (record["trigger"], record["policy"], record["domain"], record["format"]) == (
        "schedule",
        "prune-ui",
        "acme",
        "npm",
    )
    assert (record["status_before"], record["status"], record["outcome"]) == ("Published", "Disposed", "disposed")
    assert record["reason"] == "dispose: older than 90 days"
    described = client.describe_package_version(**UI_KIT, packageVersion="1.3.0")["packageVersion"]
    assert record["revision"] == described["revision"]
    # AND one summary record carries the whole report
    (summary,) = [r for r in records if r.get("message") == "run report"]
    assert summary["outcomes"] == {"disposed": len(disposed)}
    assert summary["totals"]["rules"]["dispose:older-than"] == len(disposed)


def test_failed_versions_counted_per_error_code(lambda_context, emulator, printed):
    # GIVEN a request where one version is missing and one revision is stale
    body = {**UI_KIT, "versions": ["1.3.0", "9.9.9", "1.1.0"], "versionRevisions": {"1.1.0": "stale"}}
    # WHEN it is disposed
    invoke_api(lambda_context, "POST", "/dispose", body)
    records = printed()
    # THEN the run line counts them, and each error code has its own metric
    line = run_metrics(records)
    assert (line["policy"], line["trigger"]) == ("on-demand", "api")
    assert (line["VersionsDisposed"], line["VersionsFailed"]) == ([1.0], [2.0])
    by_code = {r["errorCode"]: r["VersionsFailed"] for r in emf_lines(records) if "errorCode" in r}
    assert by_code == {"NOT_FOUND": [1.0], "MISMATCHED_REVISION": [1.0]}
    assert all(dimension_sets(r) == [["service", "errorCode"]] for r in emf_lines(records) if "errorCode" in r)


def test_throttles_counted_even_when_retries_succeed(lambda_context, emulator, printed):
    control(emulator, "inject", {"operation": "DisposePackageVersions", "error": "ThrottlingException", "count": 1})
    response = invoke_api(lambda_context, "POST", "/dispose", {**UI_KIT, "versions": ["1.3.0"]})
    assert response.status == 200
    assert run_metrics(printed())["ApiThrottles"] == [1.0]


def test_cap_abort_emits_run_aborted(lambda_context, emulator, printed):
    from disposer.errors import CapExceededError

    with pytest.raises(CapExceededError):
        run_scheduled(lambda_context, maxDisposalsPerRun=1)
    line = run_metrics(printed())
    assert (line["RunAborted"], line["VersionsDisposed"]) == ([1.0], [0.0])


def test_bytes_measuring_off_costs_no_asset_calls(lambda_context, emulator, printed, monkeypatch):
    monkeypatch.setenv("DISPOSER_MEASURE_BYTES", "false")
    report = run_scheduled(lambda_context)
    assert "ListPackageVersionAssets" not in report["calls"]
    assert report["bytesReclaimed"] is None
    assert "BytesReclaimed" not in run_metrics(printed())


def test_dry_run_and_plan_mode_emit_no_disposal(lambda_context, emulator, printed):
    run_scheduled(lambda_context, mode="plan")
    line = run_metrics(printed())
    assert line["VersionsDisposed"] == [0.0]
    assert line["VersionsPlanned"][0] > 0


def test_run_keys_do_not_leak_into_the_next_invocation(lambda_context, emulator, printed):
    # GIVEN a scheduled run, then an API request in the same warm execution environment
    run_scheduled(lambda_context, mode="plan")
    printed()
    invoke_api(lambda_context, "POST", "/dispose", {**UI_KIT, "package": "gone", "versions": ["1.0.0"]})
    # THEN the request's log records carry its own correlation id and none of the run's keys
    (failure,) = [r for r in printed() if r.get("message") == "request failed"]
    assert failure["correlation_id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert "policy" not in failure and "run_id" not in failure
