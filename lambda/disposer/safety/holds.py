"""Holds: placing, listing and removing them (the API's routes and the CLI), and screening writes against them.

Every executor screens its items against the holds read just before it writes, so a hold placed
after the plan still wins (HELD, never sent). Which hold covers which version is the engine's
(retention/holds.py); the holds live in the ledger table.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from disposer import clock
from disposer.errors import HoldNotFoundError
from disposer.model.holds import Hold
from disposer.model.outcomes import OutcomeCode, OutcomeSink, VersionOutcome
from disposer.model.packages import PackageRef
from disposer.model.plans import PlanItem
from disposer.observability.audit import record_hold
from disposer.ports import Ledger
from disposer.retention.holds import holding, on_package


def screen(items: Sequence[PlanItem], holds: Iterable[Hold], now: datetime, *, sink: OutcomeSink) -> list[PlanItem]:
    """The items no active hold covers; each held one gets its HELD outcome here and is never sent."""
    by_package: dict[PackageRef, tuple[Hold, ...]] = {}
    every = tuple(holds)
    allowed = []
    for item in items:
        if item.ref not in by_package:
            by_package[item.ref] = on_package(every, item.ref, now)
        hold = holding(by_package[item.ref], item.version)
        if hold is None:
            allowed.append(item)
        else:
            sink(VersionOutcome.failure(item, OutcomeCode.HELD, f"not sent: {hold.reason_text}"))
    return allowed


@dataclass(frozen=True)
class HoldBook:
    """The deployment's holds in its ledger: each change is an audit record naming who made it."""

    ledger: Ledger

    def place(self, hold: Hold) -> Hold:
        self.ledger.put_hold(hold)
        record_hold("hold placed", hold)
        return hold

    def in_force(self, *, repository: str | None = None, package: str | None = None) -> list[Hold]:
        """The holds not yet expired, optionally of one repository or package."""
        return [
            hold
            for hold in self.ledger.holds(clock.now())
            if repository in (None, hold.ref.repository) and package in (None, hold.ref.package)
        ]

    def remove(self, hold_id: str, *, removed_by: str | None) -> Hold:
        """Remove one hold; HoldNotFoundError if there is none by that id."""
        try:
            uuid.UUID(hold_id)
        except ValueError:
            raise HoldNotFoundError(
                f"no hold {hold_id[:100]!r}: hold ids are UUIDs, as placing a hold returns them"
            ) from None
        hold = self.ledger.delete_hold(hold_id)
        if hold is None:
            raise HoldNotFoundError(f"no hold {hold_id!r} (it may have expired or been removed)")
        record_hold("hold removed", hold, removed_by=removed_by)
        return hold
