"""The one place a run is orchestrated: plan -> guards -> apply through an executor -> report.

Every entry point builds a RunRequest and calls `execute`, which returns the run's RunReport:

| entry point            | plan source                     | executor                        |
| ---------------------- | ------------------------------- | ------------------------------- |
| POST /dispose          | the named versions (FixedPlan)  | inline, or a prediction (dryRun)|
| POST /plan             | the policy (PolicyPlanner)      | none                            |
| POST /apply, CLI apply | the policy                      | inline                          |
| run event              | the policy                      | inline                          |
| workflow: plan_shard   | a shard's packages              | none                            |
| workflow: merge        | the shards' writes (FixedPlan)  | staging (parts in the bucket)   |
| workflow: apply_part   | a staged part (FixedPlan)       | the stored part executor        |

A guard that stops a run (the cap, the breaker, the digest, the kill switch, the time budget) stops
it before anything is disposed: the run is reported aborted (RunAborted) and the report's `error` says
why. An executor that fails part-way has its run reported with what it did, and the failure named in
the report's `errors` and `error`. `execute` raises only for a run refused before it starts (a clock
ahead of the real one); whatever happens after is in the report.

Early start (run events): an executor that can (inline) is offered each package as soon as it is
planned, once every package is listed and the listings prove that no finished plan can fail a guard
(at most the cap's number of versions are even candidates). Disposals then overlap the rest of the
planning, which at the quotas' pace halves a run's wall time; every package's plan is still written
to the audit trail before any of its disposals. When the bound is above the cap, when someone must
approve the plan first, or when the executor hands the plan on (staging), the whole plan is made
before anything is disposed.
"""

from collections.abc import Callable
from dataclasses import dataclass

from disposer import clock
from disposer.errors import (
    DeadlineExceededError,
    DisposalsDisabledError,
    DisposerError,
    PlanChangedError,
    PlanIncompleteError,
    RunAbortedError,
)
from disposer.model.outcomes import ARCHIVED, DISPOSED, OutcomeCode, VersionOutcome, switch_stop_reason
from disposer.model.plans import Plan
from disposer.model.runs import RunContext, RunProblem
from disposer.ports import CodeArtifact
from disposer.runs.finish import publish
from disposer.runs.guards import check_clock, check_guards
from disposer.runs.protocols import EarlyStart, Executor, PlanSource
from disposer.runs.report import RunReport


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
    # With the kill switch off, refuse the run before it writes (reported aborted). A workflow's part is
    # not refused: its writes are stopped one by one, so each version is reported DISPOSALS_DISABLED
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
    # The run's report is published here; a workflow's steps are parts of one run, reported by its last step.
    publish: bool = True


def execute(request: RunRequest) -> RunReport:
    """Run `request` from plan to report; the report's `error` says what stopped it, if anything did."""
    context, executor = request.context, request.executor
    if executor is not None:
        check_clock(request.source.as_of, wall=clock.now())
    report = RunReport(
        context=context,
        plan=Plan(context.policy or "", request.source.as_of, ()),
        cap=request.cap,
        max_percent=request.max_percent,
        reviewed=request.expected_digest is not None,
    )
    try:
        _plan(report, request)
        if executor is not None:
            _check_before_writes(report, request)
    except DisposerError as error:
        return _stopped(report, request, error)
    if executor is not None and not report.applied and (request.approve is None or request.approve(report)):
        report.applied = not context.dry_run
        try:
            executor.apply(report)
        except DisposerError as error:
            _failed(report, error)
    if report.aborted_reason is None and (reason := switch_stop_reason(report.outcome_counts())):
        report.disposals_disabled, report.aborted_reason = True, reason
    _finish(report, request)
    return report


def _plan(report: RunReport, request: RunRequest) -> None:
    """Make the plan; a plan someone approves or reviewed is read whole before anything is disposed."""
    early: EarlyStart | None = None
    executor = request.executor
    if executor is not None and request.early_start and request.approve is None and request.expected_digest is None:
        early = executor.early_start(report)
    try:
        report.plan = request.source.plan(request.context, early)
    finally:
        if early is not None:
            early.finish()
    report.errors = list(request.source.errors)


def _check_before_writes(report: RunReport, request: RunRequest) -> None:
    check_guards(report)
    expected = request.expected_digest
    if expected is not None and (digest := report.plan_digest) != expected:
        raise PlanChangedError(
            f"the plan made now (planDigest {digest}) is not the one reviewed (expectedPlanDigest {expected}): "
            "something changed since; nothing was disposed. Plan again and review the new plan"
        )
    if not report.applied and not request.context.dry_run and request.refuse_when_disabled:
        switch = request.codeartifact.switch
        reason = None if switch is None else switch.why_off()
        if reason is not None:
            report.disposals_disabled = True
            raise DisposalsDisabledError(f"disposals are disabled: {reason}; nothing was disposed")


def _stopped(report: RunReport, request: RunRequest, error: DisposerError) -> RunReport:
    """The run stopped before its apply: aborted (nothing disposed), or cut short after an early start."""
    if report.applied:
        # Disposals had started: the run is reported with what it did, never as aborted.
        _failed(report, _incomplete(report, error))
    elif isinstance(error, DeadlineExceededError):
        report.error = DeadlineExceededError(f"the plan could not be finished: {error.message}")
        report.aborted_reason = report.error.message
    elif isinstance(error, RunAbortedError):
        report.error, report.aborted_reason = error, error.message
    else:
        # Refused before a plan was made (no ledger for a quarantine, a repository that cannot be read):
        # there is no run to report.
        report.error = error
        return report
    _finish(report, request)
    return report


def _failed(report: RunReport, error: DisposerError) -> None:
    """The run stopped part-way: every planned write without an outcome gets NOT_ATTEMPTED, naming why."""
    report.error = error
    report.errors.append(RunProblem(scope="run", error_code=error.code, error_message=error.message))
    if report.reported_elsewhere:
        return
    cause = f"not sent: the run stopped ({error.code}: {error.message})"
    for item in report.plan.changes:
        if item not in report.outcomes:
            report.record(VersionOutcome.failure(item, OutcomeCode.NOT_ATTEMPTED, cause, transient=error.transient))


def _incomplete(report: RunReport, error: DisposerError) -> DisposerError:
    """What a run that had started writing (early start) failed with: never "nothing was disposed"."""
    counts = report.outcome_counts()
    written = counts.get(DISPOSED, 0) + counts.get(ARCHIVED, 0)
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


def _finish(report: RunReport, request: RunRequest) -> None:
    """Count the run's calls and publish its report, unless another invocation reports the run."""
    counter = request.codeartifact.counter
    report.calls, report.throttles = counter.calls, counter.throttles
    report.duration_seconds = report.elapsed()
    if request.publish and not report.reported_elsewhere:
        publish(report.to_body(max_items=0), metrics=request.metrics and not report.predicted)
