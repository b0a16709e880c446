"""The worker's apply of one stored part: dispose, tally once, report the run when last; retry what has no
final answer; never dispose twice what an earlier attempt disposed. DynamoDB is moto's in-process mock;
CodeArtifact is a scripted adapter (its real behaviour is tested against the emulator in tests/integration)."""

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from disposer.errors import ThrottledError
from disposer.fanout.table import RunTable, StoredPart
from disposer.model.outcomes import BatchOutcome
from disposer.model.packages import PackageVersionStatus
from disposer.model.plans import Action, PlanItem, Rule
from disposer.model.runs import RunContext
from disposer.runs.parts import PartExecutor, part_plan
from disposer.runs.pipeline import RunRequest, execute
from disposer.runs.planner import FixedPlan
from disposer.runs.report import RunReport
from tests.builders import REF
from tests.fakes import FakeCodeArtifact, disposed_all

CONTEXT = RunContext(run_id="run-1", trigger="schedule", caller="arn:rule", dry_run=False, policy="prune")
SUMMARY: dict[str, Any] = {
    "runId": "run-1",
    "policy": "prune",
    "trigger": "schedule",
    "mode": "apply",
    "asOf": "2026-11-01T03:00:00Z",
    "itemsOmitted": 0,
    "totals": {"packages": 1, "versions": 2, "keep": 0, "dispose": 2, "rules": {}},
    "maxDisposalsPerRun": 1000,
    "capExceeded": False,
    "outcomes": {},
    "errors": [],
    "calls": {"ListPackageVersions": 1},
    "throttles": 0,
    "bytesReclaimed": None,
    "durationSeconds": 0.5,
    "aborted": False,
    "abortedReason": None,
}
ITEMS = tuple(
    PlanItem(REF, v, f"r-{v}", PackageVersionStatus.PUBLISHED, Action.DISPOSE, Rule.DISPOSE_OLDER_THAN, "old")
    for v in ("1.0.0", "1.1.0")
)


def throttled(versions: Sequence[str]) -> BatchOutcome:
    raise ThrottledError("ThrottlingException", "Rate exceeded", None)


@pytest.fixture
def table(run_table: RunTable) -> RunTable:
    """A run of one part, started and its part written."""
    run_table.start(context=CONTEXT, summary=SUMMARY, parts=1, started_at=1.0)
    run_table.write_parts("run-1", [ITEMS], started_at=1.0)
    return run_table


def _apply(
    table: RunTable,
    adapter: FakeCodeArtifact,
    *,
    redelivered: bool = False,
    ttl_hours: float = 6.0,
    age_seconds: float = 60.0,
) -> RunReport:
    stored = table.load_part("run-1", 0)
    assert isinstance(stored, StoredPart)
    executor = PartExecutor(
        adapter,
        table,
        stored,
        measure=False,
        redelivered=redelivered,
        plan_ttl_hours=ttl_hours,
        clock=lambda: 1.0 + age_seconds,
    )
    return execute(RunRequest(CONTEXT, FixedPlan(part_plan(stored)), adapter, executor))


def _run_reports(printed: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [r for r in printed() if r.get("message") == "run report"]


def test_worker_apply_disposes_tallies_and_reports_the_run_once(table: RunTable, printed):
    # GIVEN the only part of a run / WHEN a worker applies it
    adapter = FakeCodeArtifact([disposed_all])
    assert _apply(table, adapter).retry is None
    # THEN both versions are disposed in one call, and the run is reported with the dispatcher's figures
    assert adapter.asked == [["1.0.0", "1.1.0"]]
    (report,) = _run_reports(printed)
    assert (report["outcomes"], report["fanout"]) == ({"disposed": 2}, {"parts": 1})
    assert report["calls"] == {"DisposePackageVersions": 1, "ListPackageVersions": 1}


def test_worker_apply_again_after_tally_disposes_nothing(table: RunTable, printed):
    _apply(table, FakeCodeArtifact([disposed_all]))
    printed()
    # WHEN the same message is delivered again
    again = FakeCodeArtifact([disposed_all])
    _apply(table, again, redelivered=True)
    # THEN nothing is called and the run is not reported twice
    assert again.asked == [] and _run_reports(printed) == []


def test_worker_apply_throttled_is_retried_not_tallied(table: RunTable, printed):
    # GIVEN CodeArtifact throttles the dispose call
    report = _apply(table, FakeCodeArtifact([throttled]))
    # THEN the message is to be retried, nothing is tallied, and the run is not reported
    assert report.retry is not None and "ThrottlingException" in report.retry.message
    assert not table.load_part("run-1", 0).tallied  # type: ignore[union-attr]
    assert _run_reports(printed) == []


def test_worker_apply_redelivered_counts_what_an_earlier_attempt_disposed(table: RunTable, printed):
    # GIVEN 1.0.0 was disposed by an attempt that died before its tally
    adapter = FakeCodeArtifact([disposed_all], listed={"1.0.0": "Disposed", "1.1.0": "Published"})
    # WHEN the message comes back
    _apply(table, adapter, redelivered=True)
    # THEN only 1.1.0 is disposed now, and the run counts both
    assert adapter.asked == [["1.1.0"]]
    (report,) = _run_reports(printed)
    assert report["outcomes"] == {"disposed": 2}


def test_worker_apply_part_past_the_plans_time_to_live_is_expired_not_applied(table: RunTable, printed):
    # GIVEN a part whose run planned 7 hours ago, with a time-to-live of 6
    adapter = FakeCodeArtifact([disposed_all])
    # WHEN a worker finally gets it
    applied = _apply(table, adapter, ttl_hours=6.0, age_seconds=7 * 3600)
    # THEN nothing is sent, every version is reported EXPIRED, and the run completes and says so
    assert applied.retry is None and adapter.asked == []
    (report,) = _run_reports(printed)
    assert report["outcomes"] == {"EXPIRED": 2}
