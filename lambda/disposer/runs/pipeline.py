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

Early start (scheduled runs): an executor that can (inline) is offered each package as soon as it is
planned, once every package is listed and the listings prove that no finished plan can fail a guard (at most the cap's
number of versions are even candidates). Disposals then overlap the rest of the planning, which at the
quotas' pace halves a run's wall time; every package's plan is still written to the audit trail before
any of its disposals. When the bound is above the cap, when someone must approve the plan first, or
when the executor hands the plan on (fan-out), the whole plan is made before anything is disposed.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NoReturn, Protocol

from disposer.codeartifact.client import CodeArtifact
from disposer.codeartifact.disposal import OutcomeCode
from disposer.errors import (
    DeadlineExceededError,
    DisposalsDisabledError,
    DisposerError,
    LedgerRequiredError,
    PlanChangedError,
    PlanIncompleteError,
    RunAbortedError,
)
from disposer.ledger.table import LedgerTable
from disposer.observability.audit import RunContext, record_package_plan
from disposer.retention.engine import PackageVersions, plan_package
from disposer.retention.plan import PackagePlan, Plan, Rule
from disposer.retention.policy import RetentionPolicy
from disposer.runs.discovery import DiscoveryError, Listed, discover
from disposer.runs.guards import check_clock, check_guards
from disposer.runs.report import RunReport, publish


class EarlyStart(Protocol):
    """Disposals that begin while the rest of the plan is made (see the module's docstring)."""

    def begin(self, listed: Listed) -> bool:
        """Called once every package is listed; True if disposals may start now."""
        ...

    def submit(self, package: PackagePlan) -> None:
        """Dispose one planned package's disposals (after `begin` returned True)."""
        ...

    def finish(self) -> None:
        """Wait for every submitted package; re-raise what one raised."""
        ...


class PlanSource(Protocol):
    """Where a run's plan comes from."""

    @property
    def as_of(self) -> datetime: ...

    @property
    def errors(self) -> Sequence[DiscoveryError]: ...

    def plan(self, context: RunContext, early: EarlyStart | None = None) -> Plan: ...


class Executor(Protocol):
    """How a run's disposals are carried out; returns True if the run is complete and is reported now."""

    def apply(self, report: RunReport) -> bool: ...

    def early_start(self, report: RunReport) -> EarlyStart | None:
        """A way to dispose packages as they are planned, or None if this executor needs the whole plan."""
        ...


@dataclass
class PolicyPlanner:
    """Plan a retention policy: discover what it covers, then let the engine decide every version."""

    codeartifact: CodeArtifact
    policy: RetentionPolicy
    as_of: datetime
    in_scope: Callable[[str], bool]
    # The ledger: holds, quarantine records, publish times seen before (None: no holds, no quarantine,
    # every age described afresh).
    ledger: LedgerTable | None = None
    errors: list[DiscoveryError] = field(default_factory=list)

    def plan(self, context: RunContext, early: EarlyStart | None = None) -> Plan:
        """Plan every package; each package's decisions go to the audit trail as soon as it is planned,
        then (if `early` began) its writes to `early`. A run that writes remembers in the ledger the
        quarantined versions it finds restored."""
        if self.policy.quarantine is not None and self.ledger is None:
            raise LedgerRequiredError(
                f"policy {self.policy.name!r} has a quarantine, whose records live in the ledger table, and this "
                "deployment has none configured (DISPOSER_LEDGER_TABLE)"
            )
        holds = self.ledger.holds(self.as_of) if self.ledger is not None else []
        # None until every package is listed, then whether `early` began.
        started: bool | None = None if early is not None else False
        waiting: list[PackagePlan] = []

        def listed(bound: Listed) -> None:
            nonlocal started
            started = early is not None and early.begin(bound)
            for package in waiting if started else ():
                early.submit(package)  # type: ignore[union-attr]
            waiting.clear()

        found = discover(
            self.codeartifact,
            self.policy,
            self.as_of,
            in_scope=self.in_scope,
            on_error=self.errors.append,
            ledger=self.ledger,
            holds=holds,
            on_listed=listed,
        )
        packages: list[PackagePlan] = []
        for versions in self._within_budget(found):
            package = plan_package(versions, self.policy, self.as_of)
            packages.append(package)
            record_package_plan(context, package)
            if not context.dry_run:
                self._remember_restores(versions, package)
            if package.changes and started:
                early.submit(package)  # type: ignore[union-attr]
            elif package.changes and started is None:
                waiting.append(package)
        # Packages are planned as their reads finish; the plan lists them in a stable order.
        packages.sort(key=lambda package: package.ref.sort_key)
        return Plan(policy=self.policy.name, as_of=self.as_of, packages=tuple(packages))

    def _remember_restores(self, versions: PackageVersions, package: PackagePlan) -> None:
        """Versions found restored from quarantine for the first time: the policy keeps them from now on."""
        if self.ledger is None:
            return
        for item in package.items:
            record = versions.quarantine.get(item.version)
            if item.rule is Rule.KEEP_RESTORED and record is not None and record.restored_at is None:
                self.ledger.mark_restored(package.ref, self.policy.name, item.version, self.as_of)

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

    def plan(self, context: RunContext, early: EarlyStart | None = None) -> Plan:
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
    # maxDisposalsPercent of the policy (None: no relative breaker).
    max_percent: int | None = None
    # The planDigest the caller reviewed: a plan made now that differs disposes nothing (PlanChanged).
    expected_digest: str | None = None
    # With the kill switch off, refuse the run before it writes (reported aborted). A worker's part is
    # not refused: its writes are stopped one by one, so each version is tallied DISPOSALS_DISABLED
    # and the run still completes, reported once.
    refuse_when_disabled: bool = True
    # Asked between the guards and the apply (the CLI's confirmation): False disposes nothing.
    approve: Callable[[RunReport], bool] | None = None
    # Disposals may start before the plan is finished (see the module's docstring): scheduled runs, whose
    # budget is the whole invocation. An API request keeps all-or-nothing: a plan its 25 s cannot finish
    # disposes nothing.
    early_start: bool = False
    # The run's metrics are published (not from the CLI, whose output is a terminal).
    metrics: bool = True


def execute(request: RunRequest) -> RunReport:
    """Run `request` from plan to report; raise RunAbortedError (report attached) if a guard stops it."""
    context, executor = request.context, request.executor
    if executor is not None:
        check_clock(request.source.as_of, wall=datetime.now(UTC))
    report = RunReport(
        context=context,
        plan=Plan(context.policy or "", request.source.as_of, ()),
        cap=request.cap,
        max_percent=request.max_percent,
    )
    # A plan someone approves or reviewed is read whole before anything is disposed.
    early = None
    if executor is not None and request.early_start and request.approve is None and request.expected_digest is None:
        early = executor.early_start(report)
    try:
        try:
            report.plan = request.source.plan(context, early)
        finally:
            if early is not None:
                early.finish()
        report.errors = list(request.source.errors)
        if executor is not None:
            check_guards(report)
            _check_digest(report, request.expected_digest)
            if not report.applied and not context.dry_run and request.refuse_when_disabled:
                _check_switch(report, request.codeartifact)
    except DisposerError as error:
        deadline = isinstance(error, DeadlineExceededError)
        if report.applied:
            # Disposals had started: the run is reported with what it did, never as aborted.
            _fail(report, request, _incomplete(report, error))
        if deadline:
            _abort(report, request, DeadlineExceededError(f"the plan could not be finished: {error.message}"))
        if isinstance(error, RunAbortedError):
            _abort(report, request, error)
        raise
    complete = True
    if executor is not None and not report.applied and (request.approve is None or request.approve(report)):
        report.applied = not context.dry_run
        try:
            complete = executor.apply(report)
        except DisposerError as error:
            _fail(report, request, error)
    _stopped_by_switch(report)
    _count(report, request)
    if complete:
        publish(report.to_body(max_items=0), metrics=request.metrics and not report.predicted)
    return report


def _check_digest(report: RunReport, expected: str | None) -> None:
    if expected is not None and (digest := report.plan_digest) != expected:
        raise PlanChangedError(
            f"the plan made now (planDigest {digest}) is not the one reviewed (expectedPlanDigest {expected}): "
            "something changed since; nothing was disposed. Plan again and review the new plan"
        )


def _check_switch(report: RunReport, codeartifact: CodeArtifact) -> None:
    """Refuse to start writing while the kill switch is off (the run is reported aborted)."""
    switch = codeartifact.switch
    reason = None if switch is None else switch.why_off()
    if reason is not None:
        report.disposals_disabled = True
        raise DisposalsDisabledError(f"disposals are disabled: {reason}; nothing was disposed")


def _stopped_by_switch(report: RunReport) -> None:
    """A switch flipped while the run wrote: what was left is DISPOSALS_DISABLED, and the run aborted."""
    stopped = report.outcome_counts().get(OutcomeCode.DISPOSALS_DISABLED, 0)
    if stopped and report.aborted_reason is None:
        report.disposals_disabled = True
        report.aborted_reason = f"disposals were disabled while the run wrote: {stopped} versions not sent"


def _incomplete(report: RunReport, error: DisposerError) -> DisposerError:
    """What a run that had started writing (early start) failed with: never "nothing was disposed"."""
    written = sum(count for label, count in report.outcome_counts().items() if label in ("disposed", "archived"))
    if isinstance(error, DeadlineExceededError):
        return PlanIncompleteError(
            f"planning stopped part-way ({error.message}) after {written} versions were disposed or archived; "
            "the packages not yet planned were not touched, and the next run picks them up"
        )
    if isinstance(error, RunAbortedError):
        reason = error.message.removesuffix("; nothing was disposed")
        return PlanIncompleteError(
            f"{error.code} after the run had started writing: {reason}; {written} versions were already "
            "disposed or archived (the audit trail names them), nothing more was sent"
        )
    return error


def _fail(report: RunReport, request: RunRequest, error: DisposerError) -> NoReturn:
    """The run stopped part-way (a refusal of a whole call, the time budget): report what it did, then raise."""
    report.errors.append(DiscoveryError(scope="run", error_code=error.code, error_message=error.message))
    _count(report, request)
    publish(report.to_body(max_items=0), metrics=request.metrics and not report.predicted)
    raise error


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
