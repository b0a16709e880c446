"""The run pipeline's order and guards: plan, then the guards, then the executor, then one report.

The plan source and the executor here are the pipeline's own small parts (FixedPlan) or recording
ones: the thing under test is the orchestration, not discovery or disposal.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from disposer.errors import CapExceededError, DeadlineExceededError, FutureClockError, PlanIncompleteError
from disposer.model.outcomes import VersionOutcome
from disposer.model.packages import PackageVersionStatus
from disposer.model.plans import Action, PackagePlan, Plan, PlanItem, Rule
from disposer.model.runs import Listed, RunContext, RunProblem
from disposer.runs.pipeline import RunRequest, execute
from disposer.runs.planner import FixedPlan
from disposer.runs.report import RunReport
from tests.builders import NOW, REF
from tests.fakes import FakeCodeArtifact


def _plan(disposals: int, keeps: int = 1) -> Plan:
    def item(i: int, action: Action) -> PlanItem:
        rule = Rule.DISPOSE_OLDER_THAN if action is Action.DISPOSE else Rule.KEEP_LATEST
        return PlanItem(REF, f"1.{i}.{action}", f"r{i}", PackageVersionStatus.PUBLISHED, action, rule, "why")

    items = tuple(item(i, Action.DISPOSE) for i in range(disposals)) + tuple(item(i, Action.KEEP) for i in range(keeps))
    return Plan(policy="prune", as_of=NOW, packages=(PackagePlan(REF, items),))


@dataclass
class RecordingExecutor:
    """Disposes every planned version on paper, and remembers that it was asked (never starts early)."""

    # False: another invocation completes and reports the run (a workflow's report step).
    complete: bool = True
    applied: list[RunReport] = field(default_factory=list)

    def apply(self, report: RunReport) -> None:
        self.applied.append(report)
        for item in report.plan.disposals:
            report.record(VersionOutcome(item, True, status="Disposed"))
        report.reported_elsewhere = not self.complete

    def early_start(self, report: RunReport) -> None:
        return None


@dataclass
class FailingSource:
    """A plan source whose discovery runs out of time."""

    as_of: datetime = NOW
    errors: tuple[RunProblem, ...] = ()

    def plan(self, context: RunContext, early: Any = None) -> Plan:
        raise DeadlineExceededError("the time budget of 25.0 s ran out: ListPackageVersions was not sent")


def _request(source: Any, executor: Any = None, **fields: Any) -> RunRequest:
    context = RunContext(run_id="run-1", trigger="schedule", caller="rule", dry_run=executor is None, policy="prune")
    return RunRequest(context=context, source=source, codeartifact=FakeCodeArtifact(), executor=executor, **fields)


def _reports(printed: Callable[[], list[dict[str, Any]]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    records = printed()
    return [r for r in records if r.get("message") == "run report"], [r for r in records if "Runs" in r]


def test_execute_plan_only_reports_once_and_applies_nothing(printed):
    # GIVEN a plan and no executor
    # WHEN executed
    report = execute(_request(FixedPlan(_plan(2))))
    # THEN nothing is applied, and one report and one metrics line say what the plan would do
    assert (report.applied, report.outcomes) == (False, {})
    reports, metrics = _reports(printed)
    assert [(r["mode"], r["totals"]["dispose"]) for r in reports] == [("plan", 2)]
    assert [m["VersionsPlanned"] for m in metrics] == [[2.0]]


def test_execute_applies_then_reports_outcomes(printed):
    executor = RecordingExecutor()
    report = execute(_request(FixedPlan(_plan(2)), executor))
    assert len(executor.applied) == 1
    assert report.applied and report.outcome_counts() == {"disposed": 2}
    reports, metrics = _reports(printed)
    assert [r["outcomes"] for r in reports] == [{"disposed": 2}]
    assert [m["VersionsDisposed"] for m in metrics] == [[2.0]]


@pytest.mark.parametrize(("cap", "aborted"), [(3, True), (4, False)], ids=["over", "exactly-at"])
def test_execute_cap_guard_stops_before_the_executor(printed, cap: int, aborted: bool):
    # GIVEN a plan of 4 disposals and a cap
    executor = RecordingExecutor()
    request = _request(FixedPlan(_plan(4)), executor, cap=cap)
    # WHEN executed
    report = execute(request)
    if aborted:
        # THEN over the cap: the executor is never called, and the report says why and is logged aborted
        assert executor.applied == []
        assert isinstance(report.error, CapExceededError) and report.aborted_reason
        (record,), (metric,) = _reports(printed)
        assert (record["level"], record["capExceeded"], metric["RunAborted"]) == ("ERROR", True, [1.0])
    else:
        # THEN exactly at the cap: applied
        assert report.error is None and len(executor.applied) == 1


def test_execute_future_clock_refused_before_planning():
    executor = RecordingExecutor()
    plan = Plan(policy="prune", as_of=datetime.now(UTC) + timedelta(hours=1), packages=())
    with pytest.raises(FutureClockError):
        execute(_request(FixedPlan(plan), executor))
    assert executor.applied == []


def test_execute_plan_cut_by_the_budget_disposes_nothing_and_says_why(printed):
    executor = RecordingExecutor()
    report = execute(_request(FailingSource(), executor))
    assert executor.applied == []
    assert isinstance(report.error, DeadlineExceededError) and "the plan could not be finished" in report.error.message
    (record,), _ = _reports(printed)
    assert record["aborted"] is True and "time budget" in record["abortedReason"]


def test_execute_not_approved_applies_nothing(printed):
    executor = RecordingExecutor()
    report = execute(_request(FixedPlan(_plan(2)), executor, approve=lambda _: False))
    assert executor.applied == [] and not report.applied


def test_execute_staged_run_is_reported_later_not_now(printed):
    # GIVEN an executor that hands the run to someone else (a workflow's plan staged in parts)
    execute(_request(FixedPlan(_plan(2)), RecordingExecutor(complete=False)))
    # THEN no report or metrics yet: whoever completes the run reports it
    assert _reports(printed) == ([], [])


def test_execute_metrics_off_reports_without_emf(printed):
    execute(_request(FixedPlan(_plan(1)), RecordingExecutor(), metrics=False))
    reports, metrics = _reports(printed)
    assert len(reports) == 1 and metrics == []


@dataclass
class EarlyRecorder:
    """An early start that disposes each submitted package on paper."""

    report: RunReport
    submitted: list[PackagePlan] = field(default_factory=list)
    finished: bool = False

    def begin(self, listed: Listed) -> bool:
        self.report.applied = True
        return True

    def submit(self, package: PackagePlan) -> None:
        self.submitted.append(package)
        for item in package.disposals:
            self.report.record(VersionOutcome(item, True, status="Disposed"))

    def finish(self) -> None:
        self.finished = True


@dataclass
class EarlyExecutor(RecordingExecutor):
    started: list[EarlyRecorder] = field(default_factory=list)

    def early_start(self, report: RunReport) -> EarlyRecorder:  # type: ignore[override]
        self.started.append(EarlyRecorder(report))
        return self.started[-1]


@dataclass
class EarlySource:
    """Plans one package of two disposals, handing it to `early` if given; `cut` runs out of time after it."""

    cut: bool = False
    as_of: datetime = NOW
    errors: tuple[RunProblem, ...] = ()

    def plan(self, context: RunContext, early: Any = None) -> Plan:
        plan = _plan(2)
        if early is not None and early.begin(Listed(packages=2, bound=4, disposable=4)):
            early.submit(plan.packages[0])
        if self.cut:
            raise DeadlineExceededError("the time budget of 870.0 s ran out: DescribePackageVersion was not sent")
        return plan


def test_execute_early_start_only_where_the_request_allows_it():
    # GIVEN an executor that can start early, and requests with and without early start, and one to approve
    for fields, expected in (
        ({"early_start": True}, 1),
        ({}, 0),
        ({"early_start": True, "approve": lambda r: True}, 0),
    ):
        executor = EarlyExecutor()
        # WHEN executed
        report = execute(_request(EarlySource(), executor, **fields))
        # THEN only an unapproved early-start request disposed early; the others applied the whole plan after
        # planning; either way each disposal happened once
        assert (len(executor.started), len(executor.applied)) == (expected, 1 - expected)
        assert report.outcome_counts() == {"disposed": 2}


def test_execute_budget_out_after_disposals_began_reports_what_was_done(printed):
    # GIVEN a run that began disposing while planning, then ran out of time
    executor = EarlyExecutor()
    # WHEN executed
    report = execute(_request(EarlySource(cut=True), executor, early_start=True))
    assert isinstance(report.error, PlanIncompleteError) and "after 2 versions were disposed" in report.error.message
    # THEN the early start was waited for, the whole-plan apply never ran, and the run is reported with its
    # disposals and the reason it stopped, not as aborted
    assert executor.started[0].finished and executor.applied == []
    (record,), _ = _reports(printed)
    assert record["aborted"] is False and record["outcomes"] == {"disposed": 2}
    assert [e["errorCode"] for e in record["errors"]] == ["PlanIncomplete"]
