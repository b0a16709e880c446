"""The audit trail's records: who, what, why and CodeArtifact's answer per version; every plan decision."""

from datetime import UTC, datetime

from disposer.model.outcomes import VersionOutcome
from disposer.model.packages import PackageVersionStatus
from disposer.model.plans import REQUESTED_BY_CALLER, Action, PackagePlan, Plan, PlanItem, Rule
from disposer.model.runs import RunContext
from disposer.observability.audit import PLAN_RECORD_ITEMS, record_outcome, record_plan
from tests.builders import REF, item

CALLER = "arn:aws:iam::111122223333:role/ci-cleanup"


def _item(version: str, status: PackageVersionStatus | None = PackageVersionStatus.PUBLISHED) -> PlanItem:
    return item(version, status=status, reason="old")


def test_record_outcome_disposed_names_who_what_why_and_the_answer(printed):
    # GIVEN a scheduled run's disposal, as CodeArtifact answered it
    run = RunContext(run_id="run-1", trigger="schedule", caller=CALLER, dry_run=False, policy="prune")
    # WHEN recorded
    record_outcome(run, VersionOutcome(_item("1.0.0"), True, revision="r-1.0.0", status="Disposed"))
    (record,) = printed()
    # THEN one audit record carries the run, the caller, the coordinates, the reason and the answer
    assert record["message"] == "version outcome" and record["audit"] is True
    assert {k: record[k] for k in ("run_id", "trigger", "policy", "caller", "dry_run")} == {
        "run_id": "run-1",
        "trigger": "schedule",
        "policy": "prune",
        "caller": CALLER,
        "dry_run": False,
    }
    assert (record["repository"], record["package"], record["version"]) == ("releases", "ui-kit", "1.0.0")
    assert (record["status_before"], record["status"], record["outcome"]) == ("Published", "Disposed", "disposed")
    assert record["reason"] == "old" and record["action"] == "dispose"


def test_record_outcome_failure_keeps_the_pinned_revision_and_the_error(printed):
    run = RunContext(run_id="api-1", trigger="api", caller=CALLER, dry_run=False)
    item = PlanItem(REF, "1.1.0", "r-pinned", None, Action.DISPOSE, Rule.DISPOSE_REQUESTED, REQUESTED_BY_CALLER)
    record_outcome(run, VersionOutcome.failure(item, "MISMATCHED_REVISION", "current revision: r9"))
    (record,) = printed()
    # A failure's answer has no revision: the record names the one the disposal was pinned to.
    assert (record["revision"], record["outcome"], record["error_code"]) == (
        "r-pinned",
        "failed",
        "MISMATCHED_REVISION",
    )
    # A caller's request has no policy and no status read before: neither field is written.
    assert "policy" not in record and "status_before" not in record


def test_record_outcome_dry_run_says_would_dispose(printed):
    run = RunContext(run_id="dry-1", trigger="api", caller=CALLER, dry_run=True)
    record_outcome(run, VersionOutcome(_item("1.2.0"), True, status="Published"))
    (record,) = printed()
    assert record["outcome"] == "would dispose"


def test_record_plan_every_decision_in_records_of_at_most_500(printed):
    # GIVEN a package of 1,201 decisions
    run = RunContext(run_id="run-1", trigger="schedule", caller=CALLER, dry_run=True, policy="prune")
    items = tuple(_item(f"1.0.{i}") for i in range(2 * PLAN_RECORD_ITEMS + 201))
    plan = Plan(policy="prune", as_of=datetime(2026, 11, 1, tzinfo=UTC), packages=(PackagePlan(REF, items),))
    # WHEN its plan is recorded
    record_plan(run, plan)
    records = printed()
    # THEN three records hold every decision, in order, as [version, revision, status, action, rule]
    assert [len(r["decisions"]) for r in records] == [500, 500, 201]
    decisions = [d for r in records for d in r["decisions"]]
    assert decisions[0] == ["1.0.0", "r-1.0.0", "Published", "dispose", "dispose:older-than"]
    assert [d[0] for d in decisions] == [i.version for i in items]
    assert all(r["message"] == "plan" and r["audit_plan"] is True for r in records)
