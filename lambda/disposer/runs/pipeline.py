"""The one place a run is orchestrated: plan -> guards -> apply through an executor -> report.

Every entry point builds a RunRequest and calls `execute`:

| entry point            | plan source                     | executor                        |
| ---------------------- | ------------------------------- | ------------------------------- |
| POST /dispose          | the named versions (FixedPlan)  | inline, or a prediction (dryRun)|
| POST /plan             | the policy (PolicyPlanner)      | none                            |
| POST /apply, CLI apply | the policy                      | inline                          |
| schedule / run event   | the policy                      | fan-out, or inline              |
| worker (SQS)           | a part the run wrote (FixedPlan)| the part executor (fanout/)     |

A guard that stops a run (the cap, a future clock, the time budget) stops it before anything is
disposed: the run is reported aborted, its metrics say so (RunAborted), and the error is raised with
the report attached. An executor that fails part-way has its run reported with what it did, and the
error names the run's failure in the report's `errors` before it is raised.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NoReturn, Protocol

from disposer.codeartifact.client import CodeArtifact
from disposer.errors import DeadlineExceededError, DisposerError, RunAbortedError
from disposer.ledger.table import LedgerTable
from disposer.observability.audit import RunContext, record_plan
from disposer.retention.engine import PackageVersions, plan_packages
from disposer.retention.plan import Plan
from disposer.retention.policy import RetentionPolicy
from disposer.runs.discovery import DiscoveryError, discover
from disposer.runs.guards import check_clock, check_guards
from disposer.runs.report import RunReport, publish


class PlanSource(Protocol):
    """Where a run's plan comes from."""

    @property
    def as_of(self) -> datetime: ...

    @property
    def errors(self) -> Sequence[DiscoveryError]: ...

    def plan(self, context: RunContext) -> Plan: ...


class Executor(Protocol):
    """How a run's disposals are carried out; returns True if the run is complete and is reported now."""

    def apply(self, report: RunReport) -> bool: ...


@dataclass
class PolicyPlanner:
    """Plan a retention policy: discover what it covers, then let the engine decide every version."""

    codeartifact: CodeArtifact
    policy: RetentionPolicy
    as_of: datetime
    in_scope: Callable[[str], bool]
    # Where publish times seen before are remembered (None: every age is described afresh).
    ledger: LedgerTable | None = None
    errors: list[DiscoveryError] = field(default_factory=list)

    def plan(self, context: RunContext) -> Plan:
        found = discover(
            self.codeartifact,
            self.policy,
            self.as_of,
            in_scope=self.in_scope,
            on_error=self.errors.append,
            ledger=self.ledger,
        )
        plan = plan_packages(self._within_budget(found), self.policy, self.as_of)
        record_plan(context, plan)
        return plan

    def _within_budget(self, found: Iterable[PackageVersions]) -> Iterator[PackageVersions]:
        """The packages found, for as long as the budget lasts: planning stops with the time, as calls do."""
        budget = self.codeartifact.budget
        for package in found:
            if budget.exhausted:
                raise DeadlineExceededError(f"{budget.describe()} while planning")
            yield package


@dataclass(frozen=True)
class FixedPlan:
    """A plan made elsewhere: the versions a caller named, or a part a fanned-out run wrote."""

    fixed: Plan
    errors: Sequence[DiscoveryError] = ()

    @property
    def as_of(self) -> datetime:
        return self.fixed.as_of

    def plan(self, context: RunContext) -> Plan:
        return self.fixed


@dataclass(frozen=True)
class RunRequest:
    """One run: on whose behalf, where its plan comes from, and how (if at all) it is applied."""

    context: RunContext
    source: PlanSource
    # Whose calls the report counts.
    codeartifact: CodeArtifact
    # None: plan only.
    executor: Executor | None = None
    # maxDisposalsPerRun of the policy (None: no cap, e.g. /dispose, which is bounded by its model).
    cap: int | None = None
    # Asked between the guards and the apply (the CLI's confirmation): False disposes nothing.
    approve: Callable[[RunReport], bool] | None = None
    # The run's metrics are published (not from the CLI, whose output is a terminal).
    metrics: bool = True


def execute(request: RunRequest) -> RunReport:
    """Run `request` from plan to report; raise RunAbortedError (report attached) if a guard stops it."""
    context = request.context
    if request.executor is not None:
        check_clock(request.source.as_of, wall=datetime.now(UTC))
    report = RunReport(context=context, plan=Plan(context.policy or "", request.source.as_of, ()), cap=request.cap)
    try:
        report.plan = request.source.plan(context)
        report.errors = list(request.source.errors)
        if request.executor is not None:
            check_guards(report)
    except DeadlineExceededError as error:
        _abort(report, request, DeadlineExceededError(f"the plan could not be finished: {error.message}"))
    except RunAbortedError as error:
        _abort(report, request, error)
    complete = True
    if request.executor is not None and (request.approve is None or request.approve(report)):
        report.applied = not context.dry_run
        try:
            complete = request.executor.apply(report)
        except DisposerError as error:
            # The run stopped part-way (a refusal of a whole call, say): report what it did, then fail.
            report.errors.append(DiscoveryError(scope="run", error_code=error.code, error_message=error.message))
            _count(report, request)
            publish(report.to_body(max_items=0), metrics=request.metrics and not report.predicted)
            raise
    _count(report, request)
    if complete:
        publish(report.to_body(max_items=0), metrics=request.metrics and not report.predicted)
    return report


def _count(report: RunReport, request: RunRequest) -> None:
    counter = request.codeartifact.counter
    report.calls = counter.calls
    report.throttles = counter.throttles
    report.duration_seconds = report.elapsed()


def _abort(report: RunReport, request: RunRequest, error: RunAbortedError) -> NoReturn:
    """Report the run aborted (nothing was disposed) and raise `error` with the report attached."""
    report.aborted_reason = error.message
    _count(report, request)
    publish(report.to_body(max_items=0), metrics=request.metrics)
    error.report = report
    raise error
