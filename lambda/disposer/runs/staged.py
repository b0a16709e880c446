"""Executors of a workflow run (see steps/): the merge step stages the plan's writes as parts in the reports
bucket, and each part is applied by an invocation of its own, from the ApplyParts Map.

A part is up to MAX_ITEMS_PER_PART pinned writes, the plan's own PlanItems read back field for field,
of consecutive packages (a domain where most packages lose a version or two still needs only one
invocation per 400 writes). A part retried by Step Functions (its invocation failed, or some versions
got no final answer) first lists its packages, so versions an earlier attempt disposed are counted, not
sent again.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import disposer.clock
from disposer.errors import CodeArtifactError, DeadlineExceededError, RetryLaterError
from disposer.model.outcomes import OutcomeCode, VersionOutcome
from disposer.model.packages import PackageRef, PackageVersionStatus
from disposer.model.plan_lines import item_line
from disposer.model.plans import PackagePlan, Plan, PlanItem
from disposer.model.workflow import PartRef
from disposer.observability import logger
from disposer.ports import CodeArtifact, Ledger
from disposer.reports import layout
from disposer.reports.store import RunStore
from disposer.runs.report import RunReport
from disposer.runs.writes import Writer, pinned

# Writes per part: one invocation's work (at the write quota's pace, well under a minute).
MAX_ITEMS_PER_PART = 400


def split_parts(plan: Plan, size: int | None = None) -> list[tuple[PlanItem, ...]]:
    """The plan's writes in plan order, cut into parts of at most `size` (MAX_ITEMS_PER_PART)."""
    size = size or MAX_ITEMS_PER_PART
    changes = plan.changes
    return [changes[start : start + size] for start in range(0, len(changes), size)]


def by_package(items: Sequence[PlanItem]) -> list[PackagePlan]:
    """Items of consecutive packages, one PackagePlan per package, in their order."""
    grouped: dict[PackageRef, list[PlanItem]] = {}
    for item in items:
        grouped.setdefault(item.ref, []).append(item)
    return [PackagePlan(ref, tuple(found)) for ref, found in grouped.items()]


@dataclass(frozen=True)
class StagingExecutor:
    """Stage the plan's writes as parts (and the Map's list of them); the ApplyParts Map applies them."""

    store: RunStore

    def early_start(self, report: RunReport) -> None:
        return None

    def apply(self, report: RunReport) -> None:
        run_id = report.context.run_id
        parts = split_parts(report.plan)
        refs: list[dict[str, object]] = []
        for number, items in enumerate(parts):
            key = layout.part_key(run_id, number)
            # A reviewed (or approved) plan is applied exactly: each write pinned to the status it was seen in.
            staged = [pinned(item) for item in items] if report.reviewed else items
            self.store.put_lines(key, (item_line(item) for item in staged))
            refs.append(PartRef(part=number, key=key, versions=len(items)).model_dump(by_alias=True))
        self.store.put_json(layout.parts_key(run_id), refs)
        # The report step reports the run, once every part is applied.
        report.reported_elsewhere = True
        report.dispatched = len(parts)


@dataclass
class StoredPartExecutor:
    """Apply one staged part; versions with no final answer set the report's `retry` (Step Functions retries)."""

    codeartifact: CodeArtifact
    ledger: Ledger | None
    measure: bool
    # When the plan was made (seconds since the epoch) and how long it may be applied.
    planned_at: float
    plan_ttl_hours: float
    retried: bool
    # Seconds since the epoch by the function's own clock, the one `planned_at` was read from.
    clock: Callable[[], float] = field(default=lambda: disposer.clock.now().timestamp())

    def early_start(self, report: RunReport) -> None:
        return None

    def apply(self, report: RunReport) -> None:
        report.measured = self.measure
        writer = Writer(self.codeartifact, self.ledger, self.measure)
        for package in report.plan.packages:
            items = list(package.changes)
            try:
                already = self._already_disposed(items) if self.retried else set()
            except (CodeArtifactError, DeadlineExceededError) as error:
                if error.transient:
                    cause = f"could not list a package before a retry: {error.code}: {error.message}"
                    report.retry = RetryLaterError(cause)
                    return
                # The package is gone (say): nothing of it was disposed; each version will say NOT_FOUND.
                already = set()
            for item in already:
                disposed = PackageVersionStatus.DISPOSED.value
                report.record(VersionOutcome(item, True, revision=item.revision, status=disposed))
            writer.write(report, self._screen(report, [item for item in items if item not in already]))
        transient = sorted({o.label for o in report.outcomes.values() if o.transient})
        if transient:
            count = sum(1 for o in report.outcomes.values() if o.transient)
            report.retry = RetryLaterError(f"no final answer yet for {count} versions ({', '.join(transient)})")

    def _screen(self, report: RunReport, items: Sequence[PlanItem]) -> list[PlanItem]:
        """The items that may still be sent; each one that may not gets its outcome here, and no call."""
        age_hours = (self.clock() - self.planned_at) / 3600
        if age_hours > self.plan_ttl_hours:
            message = f"not sent: the plan is {age_hours:.1f} h old, past its time-to-live of {self.plan_ttl_hours:g} h"
            for item in items:
                report.record(VersionOutcome.failure(item, OutcomeCode.EXPIRED, message))
            return []
        return list(items)

    def _already_disposed(self, items: Sequence[PlanItem]) -> set[PlanItem]:
        """Items an earlier attempt disposed: Disposed now, at the revision pinned."""
        if not items:
            return set()
        ref = items[0].ref
        current = {v.version: v for v in self.codeartifact.list_versions(ref).versions}
        found = {
            item
            for item in items
            if item.version in current
            and current[item.version].status is PackageVersionStatus.DISPOSED
            and current[item.version].revision == item.revision
        }
        if found:
            logger.info("versions disposed by an earlier attempt", versions=sorted(i.version for i in found))
        return found
