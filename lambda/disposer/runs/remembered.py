"""The publish times the ledger remembers of a run's packages: read ahead, 100 packages a request, while the
packages are listed; written back, 25 packages a request, when their age searches learn a time.

A publish time never changes for a version at a revision, so a remembered one costs no describe. The
listing stays the truth of what exists: a remembered time is used only for a version listed at that
revision, and what is written back holds only versions still listed. What cannot be read is described
afresh, never guessed: a batch the ledger fails, leaves unprocessed or does not answer within the time
budget, or a memory that does not decode. Two runs that write one package's times at once keep the
last one's: the other's new times are described again by a later run (a cache, never a wrong time).
"""

import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from disposer.budget import Budget
from disposer.errors import LedgerError
from disposer.model.memory import RememberedTimes, TimesSource, VersionRevision
from disposer.model.packages import PackageListing, PackageRef, VersionSummary
from disposer.observability import logger
from disposer.ports import Ledger
from disposer.runs.memory_batches import ReadAhead, WriteBehind

UNREAD = RememberedTimes(source=TimesSource.UNREAD, problem="not read")


class TimesMemory:
    """The remembered times of a run's packages: every batch is asked for on `pool` as soon as this is made; what
    is to be written back waits for 24 other packages' (`flush` writes the rest)."""

    def __init__(
        self, ledger: Ledger, refs: Sequence[PackageRef], pool: ThreadPoolExecutor, budget: Budget | None = None
    ) -> None:
        self._ledger = ledger
        self._ahead = ReadAhead(ledger.remembered_times, refs, pool, budget or Budget.unlimited(), what="publish times")
        self._behind: WriteBehind[Mapping[VersionRevision, datetime]] = WriteBehind(self._store, what="publish times")

    def read(self, ref: PackageRef) -> RememberedTimes:
        """The package's remembered times, once its batch is in (and, where it has no memory of today's form,
        what an earlier version stored of it: one Query, and the run writes it back in today's form)."""
        answer = self._ahead.answer(ref)
        remembered = UNREAD if answer is None else answer.get(ref, UNREAD)
        if remembered.source is TimesSource.ABSENT:
            try:
                remembered = self._ledger.earlier_times(ref)
            except LedgerError as error:
                remembered = RememberedTimes(source=TimesSource.UNREAD, problem=error.message)
        if remembered.problem is not None and remembered is not UNREAD:
            logger.warning(
                "publish times not used",
                package=ref.package,
                source=remembered.source.value,
                problem=remembered.problem,
            )
        return remembered

    def keep(
        self,
        ref: PackageRef,
        remembered: RememberedTimes,
        described: Mapping[VersionSummary, datetime],
        listing: PackageListing,
    ) -> None:
        """Write the package's times back if the search learnt one (or they were stored in an earlier form or
        damaged): what was remembered and what was described, of the versions listed at their revision."""
        learnt = {(version.version, version.revision): t for version, t in described.items() if version.revision}
        if not remembered.writable or not (learnt or remembered.rewrite):
            return
        listed = {(version.version, version.revision) for version in listing.versions if version.revision}
        times = {key: moment for key, moment in {**remembered.times, **learnt}.items() if key in listed}
        self._behind.add(ref, times)

    def flush(self) -> None:
        """Write back what is still waiting (the run's last packages)."""
        self._behind.flush()

    def _store(self, memories: Mapping[PackageRef, Mapping[VersionRevision, datetime]]) -> None:
        self._ledger.store_publish_times(memories, now=time.time())
