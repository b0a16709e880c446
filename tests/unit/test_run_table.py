"""The run table's conditional writes: a run recorded once, parts read back as written, each part tallied
once, and the report claimed exactly once, when every part is in. DynamoDB is moto's in-process mock."""

from datetime import UTC, datetime
from typing import Any

import pytest

from disposer.fanout.table import RunTable
from disposer.model.packages import PackageVersionStatus
from disposer.model.plans import Action, PlanItem, Rule
from disposer.model.runs import RunContext
from tests.builders import REF

CONTEXT = RunContext(run_id="run-1", trigger="schedule", caller="arn:rule", dry_run=False, policy="prune")
SUMMARY = {"runId": "run-1", "policy": "prune", "trigger": "schedule", "asOf": "2026-11-01T03:00:00Z"}


def _items(count: int) -> tuple[PlanItem, ...]:
    return tuple(
        PlanItem(
            REF, f"1.{i}.0", f"r{i}", PackageVersionStatus.PUBLISHED, Action.DISPOSE, Rule.DISPOSE_OLDER_THAN, "old"
        )
        for i in range(count)
    )


def _tally(run_table: RunTable, part: int, **figures: Any) -> Any:
    defaults: dict[str, Any] = {"disposed": 1, "failed": {}, "calls": {}, "bytes_reclaimed": None, "throttles": 0}
    return run_table.finish_part(run_id="run-1", part=part, **{**defaults, **figures})


def test_run_table_start_records_a_run_once(run_table: RunTable):
    assert run_table.start(context=CONTEXT, summary=SUMMARY, parts=2, started_at=1.0)
    # WHEN the same event is delivered again THEN the run is not dispatched twice
    assert not run_table.start(context=CONTEXT, summary=SUMMARY, parts=2, started_at=2.0)


def test_run_table_parts_read_back_as_written_with_their_run(run_table: RunTable):
    # GIVEN a run with two parts (30 items over 25-item write batches)
    parts = [_items(3), _items(30)]
    run_table.start(context=CONTEXT, summary=SUMMARY, parts=2, started_at=1.0)
    run_table.write_parts("run-1", parts, started_at=1.0)
    # WHEN a worker loads part 1
    stored = run_table.load_part("run-1", 1)
    # THEN it gets the run's own items and context
    assert stored is not None
    assert stored.items == parts[1]
    assert (stored.context, stored.policy, stored.as_of) == (CONTEXT, "prune", datetime(2026, 11, 1, 3, tzinfo=UTC))
    assert (stored.tallied, stored.reported) == (False, False)


@pytest.mark.parametrize(("run_id", "part"), [("run-2", 0), ("run-1", 2), ("run-1", 7)])
def test_run_table_unknown_run_or_part_past_the_count_is_none(run_table: RunTable, run_id: str, part: int):
    run_table.start(context=CONTEXT, summary=SUMMARY, parts=2, started_at=1.0)
    run_table.write_parts("run-1", [_items(1), _items(1), _items(1)], started_at=1.0)  # a third, never counted
    assert run_table.load_part(run_id, part) is None


def test_run_table_part_tallied_once_and_report_claimed_once_when_all_are_in(run_table: RunTable):
    # GIVEN a run of two parts
    run_table.start(context=CONTEXT, summary=SUMMARY, parts=2, started_at=1.0)
    run_table.write_parts("run-1", [_items(1), _items(1)], started_at=1.0)
    # WHEN part 0 is tallied (twice, as a redelivery would) THEN only once counts, and no report yet
    first = _tally(run_table, 0, failed={"MISMATCHED_STATUS": 1}, calls={"DisposePackageVersions": 1})
    assert first is not None and (first.completed, first.disposed) == (1, 1)
    assert _tally(run_table, 0) is None
    assert run_table.claim_report("run-1") is None
    assert run_table.load_part("run-1", 0).tallied  # type: ignore[union-attr]
    # WHEN the last part is tallied THEN exactly one claim gets the totals
    _tally(run_table, 1, bytes_reclaimed=10, throttles=2)
    claimed = run_table.claim_report("run-1")
    assert claimed is not None
    assert (claimed.disposed, claimed.failed, claimed.bytes_reclaimed, claimed.throttles) == (
        2,
        {"MISMATCHED_STATUS": 1},
        10,
        2,
    )
    assert run_table.claim_report("run-1") is None


def test_run_table_truncate_completes_a_run_cut_short(run_table: RunTable):
    # GIVEN a run of three parts of which only the first went out
    run_table.start(context=CONTEXT, summary=SUMMARY, parts=3, started_at=1.0)
    run_table.write_parts("run-1", [_items(1)] * 3, started_at=1.0)
    run_table.truncate("run-1", 1)
    # THEN the parts never sent are not applied, and the one that was completes the run
    assert run_table.load_part("run-1", 1) is None
    _tally(run_table, 0)
    assert run_table.claim_report("run-1") is not None
