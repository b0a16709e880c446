"""Executors of a workflow run (see steps/): the merge step stages the plan's writes as parts in the reports
bucket, and each part is applied by an invocation of its own, from the ApplyParts Map.

A part is up to MAX_ITEMS_PER_PART pinned writes of one package, the plan's own PlanItems, read back
field for field. A part retried by Step Functions (its invocation failed, or some versions got no final
answer) first lists its package, so versions an earlier attempt disposed are counted, not sent again.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from disposer.errors import CodeArtifactError, DeadlineExceededError, RetryLaterError
from disposer.model.outcomes import OutcomeCode, VersionOutcome
from disposer.model.packages import PackageVersionStatus
from disposer.model.plan_lines import item_line
from disposer.model.plans import Plan, PlanItem
from disposer.model.workflow import PartRef
from disposer.observability import logger
from disposer.ports import CodeArtifact, Ledger
from disposer.reports import layout
from disposer.reports.store import RunStore
from disposer.runs.report import RunReport
from disposer.runs.writes import Writer, pinned

# Versions per part: a part is one invocation's work, and a retry lists the package once.
MAX_ITEMS_PER_PART = 400


def split_parts(plan: Plan) -> list[tuple[PlanItem, ...]]:
    """Each package's writes, in parts of at most MAX_ITEMS_PER_PART, in plan order."""
    parts: list[tuple[PlanItem, ...]] = []
    for package in plan.packages:
        changes = package.changes
        parts.extend(
            changes[start : start + MAX_ITEMS_PER_PART] for start in range(0, len(changes), MAX_ITEMS_PER_PART)
        )
    return parts


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
    clock: Callable[[], float] = time.time

    def early_start(self, report: RunReport) -> None:
        return None

    def apply(self, report: RunReport) -> None:
        items = list(report.plan.changes)
        try:
            already = self._already_disposed(items) if self.retried else set()
        except (CodeArtifactError, DeadlineExceededError) as error:
            if error.transient:
                report.retry = RetryLaterError(
                    f"could not list the package before a retry: {error.code}: {error.message}"
                )
                return
            # The package is gone (say): nothing of it was disposed; each version will say NOT_FOUND.
            already = set()
        for item in already:
            report.record(
                VersionOutcome(item, True, revision=item.revision, status=PackageVersionStatus.DISPOSED.value)
            )
        report.measured = self.measure
        remaining = self._screen(report, [item for item in items if item not in already])
        Writer(self.codeartifact, self.ledger, self.measure).write(report, remaining)
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
