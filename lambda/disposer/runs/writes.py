"""Writing one package's planned changes, the same way inline and in a workflow's part: holds read again first,
then disposals and archives (pinned as planned), then the archived versions recorded in the ledger."""

from collections.abc import Sequence
from dataclasses import dataclass, replace

from disposer import clock
from disposer.codeartifact.disposal import dispose_items
from disposer.errors import LedgerError
from disposer.model.outcomes import OutcomeCode, VersionOutcome
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
        Each version archived is then recorded in the ledger, its quarantine starting now, by the function's
        own clock (never the run's decision clock, which a caller may backdate).
        """
        if self.ledger is not None and items:
            try:
                holds = holds_in_force(self.ledger, clock.now())
            except LedgerError as error:
                # Nothing is written without the holds: each version is accounted for, and the run goes on.
                cause = f"not sent: the holds could not be read ({error.message})"
                for item in items:
                    report.record(VersionOutcome.failure(item, OutcomeCode.NOT_ATTEMPTED, cause, transient=True))
                return
            items = screen(items, holds, clock.now(), sink=report.record)
        archived: list[VersionOutcome] = []
        # Pinned to the reviewed status, the items sent are copies: each outcome is mapped back to the plan's own
        # item (the report matches outcomes to decisions by the item itself).
        planned = {pinned(item): item for item in items} if report.reviewed else None

        def sink(outcome: VersionOutcome) -> None:
            if planned is not None:
                outcome = replace(outcome, item=planned.get(outcome.item, outcome.item))
            report.record(outcome)
            if outcome.succeeded and outcome.item.action is Action.ARCHIVE:
                archived.append(outcome)

        dispose_items(
            self.codeartifact,
            items if planned is None else list(planned),
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
                # The function's own clock: the grace is never shortened by a backdated decision clock.
                since=clock.now(),
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


def pinned(item: PlanItem) -> PlanItem:
    """Apply exactly what was reviewed: the write pinned to the status the plan saw, even where the policy's
    selection would not need it."""
    if item.expected_status is not None or item.status is None:
        return item
    return replace(item, expected_status=item.status)
