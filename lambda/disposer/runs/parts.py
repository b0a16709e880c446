"""The worker's side of a fanned-out run: apply one part the run wrote, tally it once, report the run if last.

A part is tallied only when every version has a final answer: a throttle, a fault or the invocation's
time running out sends the message back instead (RetryLaterError). A redelivered message first lists
the package, so versions an earlier attempt disposed are counted, not disposed again (which would fail
as MISMATCHED_STATUS).
"""

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from disposer.errors import CodeArtifactError, DeadlineExceededError, RetryLaterError, UnknownWorkError
from disposer.fanout.messages import WorkMessage
from disposer.fanout.table import RunTable, StoredPart
from disposer.model.outcomes import ARCHIVED, DISPOSED, OutcomeCode, VersionOutcome, switch_stop_reason
from disposer.model.packages import PackageVersionStatus
from disposer.model.plans import PackagePlan, Plan, PlanItem
from disposer.model.report import RunReportBody
from disposer.observability import logger
from disposer.ports import CodeArtifact, Ledger
from disposer.runs.report import CompletedRun, RunReport
from disposer.runs.writes import Writer


def load_part(table: RunTable, message: WorkMessage) -> StoredPart:
    """The part a message names, as its run wrote it; UnknownWorkError if no run wrote it."""
    stored = table.load_part(message.run_id, message.part)
    if stored is None:
        raise UnknownWorkError(
            f"no part {message.part} of run {message.run_id} in the run table: the message is not from a dispatch"
        )
    return stored


def part_plan(stored: StoredPart) -> Plan:
    """The part as a plan of one package (its items are the run's own PlanItems)."""
    return Plan(policy=stored.policy, as_of=stored.as_of, packages=(PackagePlan(stored.items[0].ref, stored.items),))


@dataclass
class PartExecutor:
    """Apply one stored part inline; the part is never reported itself (the run is reported once, when complete).

    The report's `retry` is set when some version got no final answer (the worker then sends the message
    back), and its `completed_run` when this part was the run's last.
    """

    codeartifact: CodeArtifact
    table: RunTable
    stored: StoredPart
    measure: bool
    redelivered: bool
    plan_ttl_hours: float
    # Holds (read again before the part's writes) and quarantine records.
    ledger: Ledger | None = None
    clock: Callable[[], float] = time.time

    def early_start(self, report: RunReport) -> None:
        # A part is a plan made already.
        return None

    def apply(self, report: RunReport) -> None:
        report.reported_elsewhere = True
        if not self.stored.tallied and not self.stored.reported:
            report.retry = self._apply_and_tally(report)
            if report.retry is not None:
                return
        # Every part may be tallied now (perhaps by this message's earlier attempt, which then failed to report).
        report.completed_run = report_if_complete(self.table, self.stored.context.run_id)

    def _apply_and_tally(self, report: RunReport) -> RetryLaterError | None:
        counter = self.codeartifact.counter
        calls_before, throttles_before = Counter(counter.calls), counter.throttles
        try:
            already = self._already_disposed() if self.redelivered else set()
        except (CodeArtifactError, DeadlineExceededError) as error:
            if error.transient:
                return RetryLaterError(f"could not list the package before a retry: {error.code}: {error.message}")
            # The package is gone (say): nothing of it was disposed; each version will say NOT_FOUND.
            already = set()
        report.measured = self.measure
        remaining = self._screen(report, [item for item in self.stored.items if item not in already])
        Writer(self.codeartifact, self.ledger, self.measure).write(report, remaining)
        run_id = self.stored.context.run_id
        transient = Counter(o.label for o in report.outcomes.values() if o.transient)
        if transient:
            # The retry will tally the versions; the throttles met on the way count now or never.
            self.table.add_throttles(run_id, counter.throttles - throttles_before)
            return RetryLaterError(f"no final answer yet for {sum(transient.values())} versions: {dict(transient)}")
        outcomes = Counter(outcome.label for outcome in report.outcomes.values())
        calls = Counter(counter.calls)
        calls.subtract(calls_before)
        self.table.finish_part(
            run_id=run_id,
            part=self.stored.part,
            disposed=outcomes.pop(DISPOSED, 0) + len(already),
            archived=outcomes.pop(ARCHIVED, 0),
            failed=outcomes,
            calls=+calls,
            bytes_reclaimed=report.bytes_reclaimed(),
            throttles=counter.throttles - throttles_before,
        )
        return None

    def _screen(self, report: RunReport, items: list[PlanItem]) -> list[PlanItem]:
        """The items that may still be sent; each one that may not gets its outcome here, and no call."""
        age_hours = (self.clock() - self.stored.planned_at) / 3600
        if age_hours > self.plan_ttl_hours:
            message = f"not sent: the plan is {age_hours:.1f} h old, past its time-to-live of {self.plan_ttl_hours:g} h"
            for item in items:
                report.record(VersionOutcome.failure(item, OutcomeCode.EXPIRED, message))
            return []
        return items

    def _already_disposed(self) -> set[PlanItem]:
        """Items an earlier attempt disposed: Disposed now, at the revision pinned."""
        ref = self.stored.items[0].ref
        current = {v.version: v for v in self.codeartifact.list_versions(ref).versions}
        found = {
            item
            for item in self.stored.items
            if item.version in current
            and current[item.version].status is PackageVersionStatus.DISPOSED
            and current[item.version].revision == item.revision
        }
        if found:
            logger.info(
                "versions disposed by an earlier attempt",
                versions=sorted(i.version for i in found),
                package=ref.package,
            )
        return found


def report_if_complete(table: RunTable, run_id: str) -> CompletedRun | None:
    """The whole run's report if every part is tallied and nobody has claimed it yet (exactly once)."""
    tally = table.claim_report(run_id)
    if tally is None:
        return None
    summary = RunReportBody.model_validate({**tally.summary, "items": []})
    outcomes = Counter(tally.failed)
    outcomes[DISPOSED] += tally.disposed
    outcomes[ARCHIVED] += tally.archived
    every_call = Counter(summary.calls)
    every_call.update(tally.calls)
    update: dict[str, Any] = {
        "mode": "apply",
        "outcomes": dict(+outcomes),
        "calls": dict(sorted(every_call.items())),
        "throttles": summary.throttles + tally.throttles,
        "bytes_reclaimed": tally.bytes_reclaimed,
        "duration_seconds": round(time.time() - tally.started_at, 3),
    }
    reason = switch_stop_reason(outcomes)
    if reason is not None:
        update.update(disposals_disabled=True, aborted=True, aborted_reason=summary.aborted_reason or reason)
    return CompletedRun(body=summary.model_copy(update=update), parts=tally.parts, dispatched_at=tally.started_at)
