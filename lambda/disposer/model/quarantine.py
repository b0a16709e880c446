"""A quarantine record: a version a policy archived, as the ledger remembers it."""

from dataclasses import dataclass
from datetime import datetime

from disposer.model.packages import PackageVersionStatus


@dataclass(frozen=True, slots=True)
class QuarantineRecord:
    version: str
    revision: str
    # The status the version had when the run archived it.
    status_before: PackageVersionStatus
    since: datetime
    run_id: str
    # When a run first saw it restored (None: never).
    restored_at: datetime | None = None
