"""What the ledger remembers of one package for one policy: publish times seen before, quarantine records."""

from dataclasses import dataclass, field
from datetime import datetime

from disposer.model.quarantine import QuarantineRecord

# A version at a revision: its publish time never changes.
VersionRevision = tuple[str, str]


@dataclass(frozen=True)
class PackageMemory:
    times: dict[VersionRevision, datetime] = field(default_factory=dict)
    quarantine: dict[str, QuarantineRecord] = field(default_factory=dict)
