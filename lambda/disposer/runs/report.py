"""A run's report, filled in as the run goes: the one result of every run, whichever way it was made.

Besides the plan and each version's outcome it says how the run ended: `error` (what stopped it: a
guard, the time budget, a refused call), `aborted_reason` (a guard stopped it before anything was
disposed), `dispatched` (a workflow run's plan staged in parts, for the ApplyParts Map) and `retry` (a
workflow part that Step Functions applies again). Entry points read these and nothing else.
"""

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from disposer.errors import DisposerError, RetryLaterError
from disposer.model.outcomes import VersionOutcome
from disposer.model.plans import Action, Plan, PlanItem, within_percent
from disposer.model.report import (
    ERROR_BYTES,
    ITEM_BYTES,
    MAX_REPORTED_ERRORS,
    MAX_REPORTED_ITEMS,
    RunError,
    RunItem,
    RunReportBody,
    RunTotals,
    clipped,
    within,
)
from disposer.model.runs import RunContext, RunProblem
from disposer.observability.audit import record_outcome
from disposer.safety.digest import plan_digest


@dataclass
class RunReport:
    """What a run decided and did, filled in as the run goes; the body the API returns is made from it."""

    context: RunContext
    plan: Plan
    # maxDisposalsPerRun when a policy set one (None: /dispose and a workflow's parts, which have no cap).
    cap: int | None = None
    # maxDisposalsPercent (None: no relative breaker).
    max_percent: int | None = None
    applied: bool = False
    # The outcomes are predictions (a dry run of named versions): audited, but no metric counts them.
    predicted: bool = False
    # The sizes of disposed versions were measured (BytesReclaimed).
    measured: bool = False
    outcomes: dict[PlanItem, VersionOutcome] = field(default_factory=dict)
    errors: list[RunProblem] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    throttles: int = 0
    started: float = field(default_factory=time.monotonic)
    duration_seconds: float = 0.0
    aborted_reason: str | None = None
    # The kill switch stopped the run's writes.
    disposals_disabled: bool = False
    # What stopped the run before it finished (None: it ran to its end); the entry point answers with it.
    error: DisposerError | None = None
    # The plan was reviewed (an expected digest): every write is pinned to the status the plan saw.
    reviewed: bool = False
    # A workflow run's plan staged for the ApplyParts Map: how many parts.
    dispatched: int = 0
    # A workflow part that got no final answer for some versions: Step Functions applies it again.
    retry: RetryLaterError | None = None
    # Another invocation publishes the run's report (a workflow run's report step).
    reported_elsewhere: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # The digest of `plan`, worked out once (the guards, the run report and the response all show it).
    _digest: tuple[Plan, str] | None = field(default=None, repr=False)

    def raise_error(self) -> None:
        """Raise what stopped the run, if anything did (for entry points that answer with an exception)."""
        if self.error is not None:
            raise self.error

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def record(self, outcome: VersionOutcome) -> None:
        """Keep an outcome and write its audit record at once, so a record exists even if the run stops."""
        record_outcome(self.context, outcome)
        with self._lock:
            self.outcomes[outcome.item] = outcome

    @property
    def cap_exceeded(self) -> bool:
        return self.cap is not None and self.plan.change_count > self.cap

    @property
    def percent_exceeded(self) -> bool:
        return not within_percent(self.plan.change_count, self.plan.covered, self.max_percent)

    @property
    def failed(self) -> bool:
        """True if any version acted on did not get disposed (or archived)."""
        return any(not outcome.succeeded for outcome in self.outcomes.values())

    def outcome_counts(self) -> dict[str, int]:
        return dict(Counter(outcome.label for outcome in self.outcomes.values()))

    def bytes_reclaimed(self) -> int | None:
        if not self.measured:
            return None
        return sum(o.size or 0 for o in self.outcomes.values() if o.succeeded)

    @property
    def plan_digest(self) -> str:
        if self._digest is None or self._digest[0] is not self.plan:
            self._digest = (self.plan, plan_digest(self.plan))
        return self._digest[1]

    def _item(self, item: PlanItem) -> RunItem:
        outcome = self.outcomes.get(item)
        failed = outcome is not None and not outcome.succeeded
        # Built from the engine's own typed values: validating each of up to 1,000 items again would
        # cost a run event about 80 ms after its last write (tests compare both ways' JSON).
        return RunItem.model_construct(
            repository=item.ref.repository,
            format=item.ref.format,
            namespace=item.ref.namespace,
            package=item.ref.package,
            version=item.version,
            revision=item.revision,
            status=item.status,
            action=item.action.value,
            reason=clipped(item.reason) or "",
            outcome=None if outcome is None else _outcome(outcome),
            error_code=outcome.error_code if outcome is not None and failed else None,
            error_message=clipped(outcome.error_message) if outcome is not None and failed else None,
            published_time=item.published_time,
            last_download=None if item.last_download is None else item.last_download.at,
            downloaded_by=None if item.last_download is None else item.last_download.principal,
        )

    def to_body(self, max_items: int = MAX_REPORTED_ITEMS, max_bytes: int | None = ITEM_BYTES) -> RunReportBody:
        """The report's document, listing at most `max_items` items (dispose and archive first) in at most
        `max_bytes` (None: no size bound, for the CLI), and at most MAX_REPORTED_ERRORS errors."""
        ordered = sorted(self.plan.items, key=lambda item: item.action is Action.KEEP) if max_items else []
        items = within((self._item(item) for item in ordered), max_items, max_bytes)
        errors = within(
            (
                RunError(scope=e.scope, error_code=e.error_code, error_message=clipped(e.error_message) or "")
                for e in self.errors
            ),
            MAX_REPORTED_ERRORS,
            ERROR_BYTES,
        )
        totals = self.plan.totals
        return RunReportBody(
            run_id=self.context.run_id,
            policy=self.plan.policy,
            trigger=self.context.trigger,
            mode="apply" if self.applied else "plan",
            as_of=self.plan.as_of,
            items=items,
            items_total=totals.versions,
            items_truncated=len(items) < totals.versions,
            items_omitted=totals.versions - len(items),
            totals=RunTotals(
                packages=totals.packages,
                versions=totals.versions,
                keep=totals.keep,
                dispose=totals.dispose,
                archive=totals.archive,
                rules={rule.value: count for rule, count in totals.rules.items()},
            ),
            max_disposals_per_run=self.cap,
            cap_exceeded=self.cap_exceeded,
            max_disposals_percent=self.max_percent,
            percent_exceeded=self.percent_exceeded,
            plan_digest=self.plan_digest,
            outcomes=self.outcome_counts(),
            errors=errors,
            errors_omitted=len(self.errors) - len(errors),
            calls=dict(sorted(self.calls.items())),
            throttles=self.throttles,
            bytes_reclaimed=self.bytes_reclaimed(),
            duration_seconds=round(self.duration_seconds, 3),
            aborted=self.aborted_reason is not None,
            aborted_reason=self.aborted_reason,
            disposals_disabled=self.disposals_disabled,
        )


def _outcome(outcome: VersionOutcome) -> Literal["disposed", "archived", "failed"]:
    if not outcome.succeeded:
        return "failed"
    return "archived" if outcome.item.action is Action.ARCHIVE else "disposed"
