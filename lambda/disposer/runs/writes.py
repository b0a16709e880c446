"""Writing one package's planned changes, the same way inline and in the worker: holds read again first,
then disposals and archives (pinned as planned), then the archived versions recorded in the ledger."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from disposer.codeartifact.disposal import dispose_items
from disposer.errors import LedgerError
from disposer.model.outcomes import VersionOutcome
from disposer.model.packages import PackageVersionStatus
from disposer.model.plans import Action, PlanItem
from disposer.model.quarantine import QuarantineRecord
from disposer.observability import logger
from disposer.ports import CodeArtifact, Ledger
from disposer.runs.report import RunReport
from disposer.safety.holds import holds_in_force, screen


@dataclass(frozen=True)
class Writer:
    """Writes planned changes for one run: `ledger` has the holds and takes the quarantine records."""

    codeartifact: CodeArtifact
    ledger: Ledger | None = None
    measure: bool = False
    raise_first_refusal: bool = False

    def write(self, report: RunReport, items: Sequence[PlanItem], *, measure_threads: int = 1) -> None:
        """Write `items` (of one package), each outcome recorded in `report` as it is known.

        The holds are read again just before (a hold placed since the plan still wins: HELD, never sent).
        Each version archived is then recorded in the ledger, its quarantine starting at the plan's clock.
        """
        if self.ledger is not None and items:
            now = datetime.now(UTC)
            items = screen(items, holds_in_force(self.ledger, now), now, sink=report.record)
        archived: list[VersionOutcome] = []

        def sink(outcome: VersionOutcome) -> None:
            report.record(outcome)
            if outcome.succeeded and outcome.item.action is Action.ARCHIVE:
                archived.append(outcome)

        dispose_items(
            self.codeartifact,
            items,
            sink=sink,
            measure=self.measure,
            measure_threads=measure_threads,
            raise_first_refusal=self.raise_first_refusal,
        )
        if archived:
            self._record(report, archived)

    def _record(self, report: RunReport, archived: list[VersionOutcome]) -> None:
        policy = report.context.policy or ""
        records = [
            QuarantineRecord(
                version=outcome.item.version,
                revision=outcome.item.revision or outcome.revision or "",
                status_before=outcome.item.status or PackageVersionStatus.PUBLISHED,
                since=report.plan.as_of,
                run_id=report.context.run_id,
            )
            for outcome in archived
        ]
        if self.ledger is None:
            logger.error("archived versions not recorded: no ledger table", versions=[r.version for r in records])
            return
        try:
            self.ledger.record_quarantine(archived[0].item.ref, policy, records)
        except LedgerError as error:
            # Archived but unrecorded: a later run archives them again (a no-op) and records them then.
            logger.error(
                "archived versions not recorded in the ledger",
                versions=[r.version for r in records],
                error_message=error.message,
            )
