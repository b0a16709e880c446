"""A run's report: what it planned and did, as the API returns it and as the one `run report` record logs it."""

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from disposer.codeartifact.disposal import ARCHIVED, DISPOSED, OutcomeCode, VersionOutcome
from disposer.codeartifact.types import PackageFormat, PackageVersionStatus
from disposer.observability import logger
from disposer.observability.audit import RunContext, Trigger, record_outcome
from disposer.observability.run_metrics import RunFigures, emit_run_metrics
from disposer.retention.plan import Action, Plan, PlanItem, Rule, within_percent
from disposer.runs.discovery import DiscoveryError
from disposer.safety.digest import plan_digest

# A /plan or /apply response lists at most this many items (dispose items first), so it stays far
# below Lambda's 6 MB response limit; totals count every version, and the plan records log them all.
MAX_REPORTED_ITEMS = 5000


class ReportModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class RunItem(ReportModel):
    """One version in a run: the plan's decision and, once applied, what happened."""

    repository: str
    format: PackageFormat
    namespace: str | None
    package: str
    version: str
    revision: str | None
    status: PackageVersionStatus | None
    action: Literal["keep", "dispose", "archive"]
    reason: str
    outcome: Literal["disposed", "archived", "failed"] | None = None
    error_code: str | None = Field(default=None, alias="errorCode")
    error_message: str | None = Field(default=None, alias="errorMessage")


class RunTotals(ReportModel):
    packages: int
    versions: int
    keep: int
    dispose: int
    # Defaults: a summary stored by an earlier version of the function (a run in flight across a deploy).
    archive: int = Field(default=0, description="versions put in quarantine (Archived now, disposed after the grace)")
    rules: dict[str, int] = Field(description="versions per deciding rule, e.g. keep:latest, dispose:older-than")


class RunError(ReportModel):
    scope: str = Field(description="the repository or package that could not be read")
    error_code: str = Field(alias="errorCode")
    error_message: str = Field(alias="errorMessage")


class RunReportBody(ReportModel):
    """`POST /plan`, `POST /apply` and scheduled runs: the plan, what was done, and what it cost."""

    run_id: str = Field(alias="runId")
    policy: str
    trigger: Trigger
    mode: Literal["plan", "apply"]
    as_of: datetime = Field(alias="asOf")
    items: list[RunItem] = Field(description="dispose and archive items first; at most 5000 (see itemsOmitted)")
    items_omitted: int = Field(alias="itemsOmitted")
    totals: RunTotals
    max_disposals_per_run: int | None = Field(alias="maxDisposalsPerRun")
    cap_exceeded: bool = Field(alias="capExceeded")
    max_disposals_percent: int | None = Field(default=None, alias="maxDisposalsPercent")
    percent_exceeded: bool = Field(default=False, alias="percentExceeded")
    plan_digest: str | None = Field(
        default=None,
        alias="planDigest",
        description="identifies the plan's writes: pass it as expectedPlanDigest to apply exactly it",
    )
    outcomes: dict[str, int] = Field(description="disposed, or the error code, per version acted on")
    errors: list[RunError]
    calls: dict[str, int] = Field(description="CodeArtifact calls made, per operation")
    throttles: int = Field(description="CodeArtifact answers of ThrottlingException (each was retried)")
    bytes_reclaimed: int | None = Field(
        alias="bytesReclaimed", description="asset bytes of the versions disposed; null when not measured"
    )
    duration_seconds: float = Field(alias="durationSeconds")
    aborted: bool
    aborted_reason: str | None = Field(alias="abortedReason")
    disposals_disabled: bool = Field(
        default=False, alias="disposalsDisabled", description="the kill switch stopped its writes"
    )

    def summary(self) -> dict[str, Any]:
        """Every figure but the items (the plan and audit records carry those), as JSON values."""
        return self.model_dump(mode="json", by_alias=True, exclude={"items"})

    def figures(self) -> RunFigures:
        """The report's figures in the units metrics are published in."""
        failed = Counter({code: n for code, n in self.outcomes.items() if code not in (DISPOSED, ARCHIVED)})
        return RunFigures(
            trigger=self.trigger,
            policy=self.policy,
            planned=self.totals.dispose + self.totals.archive,
            kept=self.totals.keep,
            disposed=self.outcomes.get(DISPOSED, 0),
            archived=self.outcomes.get(ARCHIVED, 0),
            quarantine_disposals=self.totals.rules.get(Rule.DISPOSE_AFTER_QUARANTINE, 0),
            held=self.totals.rules.get(Rule.KEEP_HOLD, 0),
            failed=failed,
            bytes_reclaimed=self.bytes_reclaimed,
            throttles=self.throttles,
            duration_seconds=self.duration_seconds,
            aborted=self.aborted,
            disposals_disabled=self.disposals_disabled,
        )


@dataclass
class RunReport:
    """What a run decided and did, filled in as the run goes; the body the API returns is made from it."""

    context: RunContext
    plan: Plan
    # maxDisposalsPerRun when a policy set one (None: /dispose and fanned-out parts, which have no cap).
    cap: int | None = None
    # maxDisposalsPercent (None: no relative breaker).
    max_percent: int | None = None
    applied: bool = False
    # The outcomes are predictions (a dry run of named versions): audited, but no metric counts them.
    predicted: bool = False
    # The sizes of disposed versions were measured (BytesReclaimed).
    measured: bool = False
    outcomes: dict[PlanItem, VersionOutcome] = field(default_factory=dict)
    errors: list[DiscoveryError] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    throttles: int = 0
    started: float = field(default_factory=time.monotonic)
    duration_seconds: float = 0.0
    aborted_reason: str | None = None
    # The kill switch stopped the run's writes.
    disposals_disabled: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # The digest of `plan`, worked out once (the guards, the run report and the response all show it).
    _digest: tuple[Plan, str] | None = field(default=None, repr=False)

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
        # Built from the engine's own typed values: validating each of up to 5,000 items again would
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
            reason=item.reason,
            outcome=None if outcome is None else _outcome(outcome),
            error_code=outcome.error_code if outcome is not None and failed else None,
            error_message=outcome.error_message if outcome is not None and failed else None,
        )

    def to_body(self, max_items: int = MAX_REPORTED_ITEMS) -> RunReportBody:
        items = sorted(self.plan.items, key=lambda item: item.action is Action.KEEP) if max_items else []
        totals = self.plan.totals
        return RunReportBody(
            run_id=self.context.run_id,
            policy=self.plan.policy,
            trigger=self.context.trigger,
            mode="apply" if self.applied else "plan",
            as_of=self.plan.as_of,
            items=[self._item(item) for item in items[:max_items]],
            items_omitted=max(0, totals.versions - max_items),
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
            errors=[
                RunError(scope=e.scope, error_code=e.error_code, error_message=e.error_message) for e in self.errors
            ],
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


def publish(body: RunReportBody, *, metrics: bool = True, **extra: Any) -> None:
    """Write the run's one `run report` record (an error when aborted) and, unless told not to, its metrics.

    Every run is reported here, whichever way it ran: inline, or by the worker that finished a
    fanned-out run last.
    """
    log = logger.error if body.aborted else logger.info
    log("run report", **body.summary(), **extra)
    if metrics:
        emit_run_metrics(body.figures())


def completed(
    summary: RunReportBody,
    *,
    outcomes: Counter[str],
    calls: Counter[str],
    throttles: int,
    bytes_reclaimed: int | None,
    started_at: float,
) -> RunReportBody:
    """A fanned-out run's report: the dispatcher's summary, completed with what every worker tallied."""
    every_call = Counter(summary.calls)
    every_call.update(calls)
    stopped = outcomes.get(OutcomeCode.DISPOSALS_DISABLED, 0)
    switch: dict[str, Any] = {}
    if stopped:
        reason = f"disposals were disabled while the run wrote: {stopped} versions not sent"
        switch = {"disposals_disabled": True, "aborted": True, "aborted_reason": summary.aborted_reason or reason}
    return summary.model_copy(
        update={
            **switch,
            "mode": "apply",
            "outcomes": dict(+outcomes),
            "calls": dict(sorted(every_call.items())),
            "throttles": summary.throttles + throttles,
            "bytes_reclaimed": bytes_reclaimed,
            "duration_seconds": round(time.time() - started_at, 3),
        }
    )
