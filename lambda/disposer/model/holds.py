"""A hold: an attributed, expiring "do not dispose" on one version or a glob of versions of one package."""

from dataclasses import dataclass
from datetime import UTC, datetime

from disposer.model.packages import PackageRef


@dataclass(frozen=True, slots=True)
class Hold:
    hold_id: str
    ref: PackageRef
    # A literal version or a glob (`*`, `?`) of versions.
    version: str
    until: datetime
    reason: str
    created_by: str
    created_at: datetime

    def active(self, now: datetime) -> bool:
        return self.until > now

    @property
    def reason_text(self) -> str:
        """How a plan item and a HELD outcome name it."""
        return f"held by {self.created_by} until {self.until.isoformat()}: {self.reason}"


# An unreadable hold that names its package holds it until removed: it never expires by itself.
FOREVER = datetime(9999, 12, 31, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class UnreadableHold:
    """An item of the ledger's holds partition that does not parse as a hold: `problem` says why, `ref` is
    the package it names when its coordinates could be read (None: no package can be read)."""

    hold_id: str
    problem: str
    ref: PackageRef | None = None

    def as_hold(self) -> Hold | None:
        """What it holds: every version of the package it names, or (no package) nothing."""
        if self.ref is None:
            return None
        reason = f"the ledger item {self.hold_id!r} cannot be read ({self.problem}); remove it with the override"
        return Hold(self.hold_id, self.ref, "*", FOREVER, reason, "an unreadable ledger item", EPOCH)
