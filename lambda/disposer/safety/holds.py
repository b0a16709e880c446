"""Holds before a write: every executor screens its items against the holds read just before it writes, so a
hold placed after the plan still wins (HELD, never sent). Matching is the engine's (retention/holds.py)."""

from collections.abc import Iterable, Sequence
from datetime import datetime

from disposer.model.holds import Hold
from disposer.model.outcomes import OutcomeCode, OutcomeSink, VersionOutcome
from disposer.model.packages import PackageRef
from disposer.model.plans import PlanItem
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
