"""A hold: an attributed, expiring "do not dispose" on one version or a glob of versions of one package."""

from dataclasses import dataclass
from datetime import datetime

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
