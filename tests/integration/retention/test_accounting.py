"""Every planned version is accounted for: whatever stops a run part-way, each version the plan would dispose
or archive ends with exactly one `version outcome` record, and the answer carries the report."""

from collections import Counter
from typing import Any

import pytest

from disposer.errors import LedgerError
from disposer.ledger.table import LedgerTable
from tests.integration.harness import invoke_api
from tests.integration.seeds import POLICY

APPLY = {k: v for k, v in POLICY.items() if k != "mode"}


def _outcome_records(printed: Any) -> Counter[str]:
    return Counter(r["version"] for r in printed() if r.get("message") == "version outcome")


def _planned(report: dict[str, Any]) -> int:
    return int(report["totals"]["dispose"]) + int(report["totals"]["archive"])


def test_ledger_fault_part_way_leaves_every_planned_version_accounted_for(
    lambda_context, emulator, ledger_name, printed, monkeypatch
):
    # GIVEN a ledger that answers the plan's read of the holds, then fails for the second package's writes
    reads = Counter[str]()
    original = LedgerTable.holds

    def failing(self: LedgerTable, now: Any) -> Any:
        reads["holds"] += 1
        if reads["holds"] == 3:
            raise LedgerError("the ledger table failed: InternalServerError")
        return original(self, now)

    monkeypatch.setattr(LedgerTable, "holds", failing)
    # WHEN the policy is applied through the API
    response = invoke_api(lambda_context, "POST", "/apply", APPLY)
    # THEN the answer is the report, and each planned version has exactly one outcome record
    report = response.body
    assert response.status == 200
    records = _outcome_records(printed)
    assert sum(records.values()) == _planned(report) and set(records.values()) == {1}
    assert sum(report["outcomes"].values()) == _planned(report)
    assert report["outcomes"]["NOT_ATTEMPTED"] > 0 and report["outcomes"]["disposed"] > 0


def test_failure_part_way_answers_the_error_with_the_report_every_version_accounted_for(
    lambda_context, emulator, printed, monkeypatch
):
    # GIVEN a run whose writes fail for good after the first package (a fault the executor cannot go on from)
    from disposer.codeartifact.disposal import dispose_items as original

    calls = Counter[str]()

    def failing(*args: Any, **kwargs: Any) -> None:
        calls["packages"] += 1
        if calls["packages"] > 1:
            raise LedgerError("the ledger table failed: InternalServerError")
        original(*args, **kwargs)

    monkeypatch.setattr("disposer.runs.writes.dispose_items", failing)
    # WHEN applied
    response = invoke_api(lambda_context, "POST", "/apply", APPLY)
    # THEN the answer names the fault and carries the report, whose outcomes add up to the plan, and each
    # planned version has exactly one outcome record
    assert response.status == 502 and response.body["error"]["code"] == "LedgerUnavailable"
    report = response.body["report"]
    records = _outcome_records(printed)
    assert sum(records.values()) == _planned(report) and set(records.values()) == {1}
    assert sum(report["outcomes"].values()) == _planned(report)
    assert report["outcomes"]["NOT_ATTEMPTED"] > 0


@pytest.fixture(autouse=True)
def at_run_time() -> None:
    """These run at the real wall clock, as the API does."""


@pytest.fixture
def seed() -> dict[str, Any]:
    from datetime import UTC, datetime, timedelta

    from tests.integration.seeds import retention_seed

    return retention_seed(datetime.now(UTC) + timedelta(hours=1))
