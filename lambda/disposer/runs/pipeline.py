"""One retention-policy run: discover, plan, check the cap, apply pinned to the plan, report."""

import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from disposer.api.models import RunError, RunItem, RunReportBody, RunTotals
from disposer.codeartifact.client import CodeArtifactGateway
from disposer.codeartifact.disposal import VersionOutcome, dispose_versions, measure_sizes
from disposer.errors import CodeArtifactError, DisposerError
from disposer.observability import logger
from disposer.observability.audit import AuditTrail, RunContext, log_plan
from disposer.observability.run_metrics import RunMetrics, emit_run_metrics
from disposer.retention.engine import Action, CapCheck, PackagePlan, Plan, PlanItem, check_cap, plan_packages
from disposer.retention.policy import RetentionPolicy
from disposer.runs.discovery import DiscoveryError, discover

ItemKey = tuple[str, str, str | None, str, str]

# A /plan or /apply response lists at most this many items (dispose items first), so it stays far
# below Lambda's 6 MB response limit; totals count every version, and audit.log_plan logs them all.
MAX_REPORTED_ITEMS = 5000


# How far a disposing run's clock may run ahead of the real one (EventBridge stamps events when sent).
MAX_CLOCK_SKEW = timedelta(minutes=5)


class FutureClockError(DisposerError):
    """A run that would dispose was given a clock ahead of the real one."""

    code = "FutureClock"


def check_clock(now: datetime, *, wall: datetime | None = None) -> None:
    """Refuse a clock ahead of the wall clock: it would make versions look older than they are, so age
    rules (olderThanDays, keep.newerThanDays) would dispose what they exist to keep."""
    real = wall or datetime.now(UTC)
    if now - real > MAX_CLOCK_SKEW:
        raise FutureClockError(
            f"the run's clock {now.isoformat()} is ahead of the real time {real.isoformat()}; "
            "a run that disposes may not use a future clock"
        )


class CapExceededError(DisposerError):
    """The plan disposes more than maxDisposalsPerRun: the run disposed nothing."""

    code = "CapExceeded"

    def __init__(self, cap: CapCheck, report: "RunReport") -> None:
        super().__init__(f"{cap.message}; nothing was disposed")
        self.report = report


@dataclass
class RunReport:
    """What a run decided and did; returned by the API and logged as the run's summary record."""

    run: RunContext
    plan: Plan
    cap: CapCheck
    applied: bool
    outcomes: dict[ItemKey, VersionOutcome] = field(default_factory=dict)
    errors: list[DiscoveryError] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    duration_seconds: float = 0.0
    aborted_reason: str | None = None
    bytes_reclaimed: int | None = None
    throttles: int = 0

    def metrics(self) -> RunMetrics:
        """The run's figures as the dashboard and alarms see them."""
        failed = Counter(o.error_code or "UNKNOWN" for o in self.outcomes.values() if not o.succeeded)
        return RunMetrics(
            trigger=self.run.trigger,
            policy=self.plan.policy,
            planned=self.plan.totals.dispose,
            kept=self.plan.totals.keep,
            disposed=sum(o.succeeded for o in self.outcomes.values()),
            failed=failed,
            bytes_reclaimed=self.bytes_reclaimed,
            throttles=self.throttles,
            duration_seconds=self.duration_seconds,
            aborted=self.aborted_reason is not None,
        )

    def outcome_counts(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for outcome in self.outcomes.values():
            counts["disposed" if outcome.succeeded else outcome.error_code or "UNKNOWN"] += 1
        return dict(counts)

    def _item(self, item: PlanItem) -> RunItem:
        outcome = self.outcomes.get(_item_key(item))
        failed = outcome is not None and not outcome.succeeded
        return RunItem(
            repository=item.repository,
            format=item.format,
            namespace=item.namespace,
            package=item.package,
            version=item.version,
            revision=item.revision,
            status=item.status,
            action=item.action.value,
            reason=item.reason,
            outcome=None if outcome is None else ("disposed" if outcome.succeeded else "failed"),
            error_code=outcome.error_code if outcome is not None and failed else None,
            error_message=outcome.error_message if outcome is not None and failed else None,
        )

    def to_body(self, max_items: int = MAX_REPORTED_ITEMS) -> RunReportBody:
        items = sorted(self.plan.items, key=lambda item: item.action is not Action.DISPOSE)
        totals = self.plan.totals
        return RunReportBody(
            run_id=self.run.run_id,
            policy=self.plan.policy,
            trigger=self.run.trigger,
            mode="apply" if self.applied else "plan",
            as_of=self.plan.as_of,
            items=[self._item(item) for item in items[:max_items]],
            items_omitted=max(0, len(items) - max_items),
            totals=RunTotals(
                packages=totals.packages,
                versions=totals.versions,
                keep=totals.keep,
                dispose=totals.dispose,
                rules={rule.value: count for rule, count in totals.rules.items()},
            ),
            max_disposals_per_run=self.cap.limit,
            cap_exceeded=self.cap.exceeded,
            outcomes=self.outcome_counts(),
            errors=[
                RunError(scope=e.scope, error_code=e.error_code, error_message=e.error_message) for e in self.errors
            ],
            calls=dict(sorted(self.calls.items())),
            throttles=self.throttles,
            bytes_reclaimed=self.bytes_reclaimed,
            duration_seconds=round(self.duration_seconds, 3),
            aborted=self.aborted_reason is not None,
            aborted_reason=self.aborted_reason,
        )


def _item_key(item: PlanItem) -> ItemKey:
    return (item.repository, item.format, item.namespace, item.package, item.version)


def plan_run(
    gateway: CodeArtifactGateway,
    policy: RetentionPolicy,
    *,
    now: datetime,
    run: RunContext,
    in_scope: Callable[[str], bool],
) -> RunReport:
    """Discover and plan, writing nothing: the report of a plan-mode run (and the first half of any run)."""
    started = time.monotonic()
    errors: list[DiscoveryError] = []
    plan = plan_packages(discover(gateway, policy, now, in_scope=in_scope, on_error=errors.append), policy, now)
    log_plan(run, plan)
    report = RunReport(run=run, plan=plan, cap=check_cap(plan, policy), applied=False, errors=errors)
    report.calls = gateway.counter.calls
    report.throttles = gateway.counter.throttles
    report.duration_seconds = time.monotonic() - started
    return report


def apply_run(
    gateway: CodeArtifactGateway, report: RunReport, *, measure_bytes: bool = True, deadline: float | None = None
) -> RunReport:
    """Dispose exactly what the report's plan says, pinned to the revisions and statuses it saw.

    A plan over maxDisposalsPerRun disposes nothing and raises CapExceededError (after logging).
    """
    started = time.monotonic() - report.duration_seconds
    stop_if_over_cap(report)
    report.applied = True
    trail = AuditTrail(run=report.run)
    packages = [package for package in report.plan.packages if package.disposals]
    with ThreadPoolExecutor(max_workers=gateway.threads, thread_name_prefix="apply") as pool:
        # list() re-raises here anything unexpected a package raised.
        list(
            pool.map(
                lambda package: apply_package(gateway, package, trail, report.outcomes, measure_bytes, deadline),
                packages,
            )
        )
    report.bytes_reclaimed = trail.bytes_reclaimed
    report.calls = gateway.counter.calls
    report.throttles = gateway.counter.throttles
    report.duration_seconds = time.monotonic() - started
    log_report(report)
    return report


@contextmanager
def metrics_even_if_aborted() -> Iterator[None]:
    """Emit a run's metrics when its cap aborts it too: RunAborted is the alarm that a policy went wrong."""
    try:
        yield
    except CapExceededError as error:
        emit_run_metrics(error.report.metrics())
        raise


def stop_if_over_cap(report: RunReport) -> None:
    """A plan over maxDisposalsPerRun disposes nothing: log the report as an error and raise."""
    if report.cap.exceeded:
        report.aborted_reason = report.cap.message
        log_report(report)
        raise CapExceededError(report.cap, report)


def run_policy(
    gateway: CodeArtifactGateway,
    policy: RetentionPolicy,
    *,
    now: datetime,
    run: RunContext,
    apply: bool,
    in_scope: Callable[[str], bool],
    measure_bytes: bool = True,
    deadline: float | None = None,
) -> RunReport:
    """One whole run: plan at clock `now` and, when `apply`, dispose what the plan says."""
    report = plan_run(gateway, policy, now=now, run=run, in_scope=in_scope)
    if apply:
        return apply_run(gateway, report, measure_bytes=measure_bytes, deadline=deadline)
    log_report(report)
    return report


def apply_package(
    gateway: CodeArtifactGateway,
    package_plan: PackagePlan,
    trail: AuditTrail,
    outcomes: dict[ItemKey, VersionOutcome],
    measure_bytes: bool,
    deadline: float | None,
) -> None:
    """Dispose one package's planned versions: one call group per status seen, pinned to the revisions.

    Outcomes go to the audit trail as they happen and into `outcomes` by item.
    """
    by_version = {item.version: item for item in package_plan.disposals}
    sizes = measure_sizes(gateway, package_plan.ref, list(by_version)) if measure_bytes else None
    record = trail.sink(
        package_plan.ref,
        reasons={item.version: item.reason for item in by_version.values()},
        before={item.version: str(item.status) for item in by_version.values()},
        sizes=sizes,
        revisions={item.version: item.revision for item in by_version.values() if item.revision is not None},
    )

    def sink(outcome: VersionOutcome) -> None:
        record(outcome)
        outcomes[_item_key(by_version[outcome.version])] = outcome

    for status, items in package_plan.disposals_by_status().items():
        versions = [item.version for item in items]
        revisions = {item.version: item.revision for item in items if item.revision is not None}
        try:
            dispose_versions(
                gateway,
                package_plan.ref,
                versions,
                revisions=revisions,
                expected_status=status,
                deadline=deadline,
                sink=sink,
            )
        except CodeArtifactError as error:
            # The package (or repository) vanished, or CodeArtifact kept refusing: say so per version, go on.
            for version in versions:
                sink(VersionOutcome(version, False, error_code=error.code, error_message=error.message))


def log_report(report: RunReport) -> None:
    """The run's summary record (every figure but the items, which the audit records carry)."""
    summary = report.to_body(max_items=0).model_dump(mode="json", by_alias=True, exclude={"items"})
    log = logger.error if report.aborted_reason else logger.info
    log("run report", **summary)
