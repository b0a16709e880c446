"""What the ledger remembers of one package: the publish times runs described before, and where they came from."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

# A version at a revision: its publish time never changes.
VersionRevision = tuple[str, str]


class TimesSource(Enum):
    """Where a package's remembered publish times came from, which says whether the run may write them back."""

    # The package's memory, read whole.
    STORED = "stored"
    # No memory stored: none yet, or only the one-item-per-time form an earlier version wrote (read next).
    ABSENT = "absent"
    # Read from the items an earlier version wrote, one per time: written back in today's form.
    EARLIER_LAYOUT = "earlier-layout"
    # Stored, but it does not decode (a chunk missing or from another write, damaged bytes): nothing of it
    # is used, and the run writes back what it describes.
    DAMAGED = "damaged"
    # Not read (the ledger failed, or kept some keys unprocessed): described afresh, and nothing is written
    # back over what could not be read.
    UNREAD = "unread"


@dataclass(frozen=True)
class RememberedTimes:
    """A package's remembered publish times by (version, revision), and where they came from."""

    times: Mapping[VersionRevision, datetime] = field(default_factory=dict)
    source: TimesSource = TimesSource.STORED
    # Why nothing could be used (DAMAGED, UNREAD), for the run's warning.
    problem: str | None = None

    @property
    def rewrite(self) -> bool:
        """True if the run should store the package's times even when it learnt none (an earlier form, damaged)."""
        return self.source in (TimesSource.EARLIER_LAYOUT, TimesSource.DAMAGED)

    @property
    def writable(self) -> bool:
        """False if what is stored could not be read: writing would replace times the run never saw."""
        return self.source is not TimesSource.UNREAD
