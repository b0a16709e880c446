"""The publish times the ledger remembers of a run's packages: read ahead, 100 packages a request, while the
packages are listed; written back, 25 packages a request, when their age searches learn a time.

A publish time never changes for a version at a revision, so a remembered one costs no describe. The
listing stays the truth of what exists: a remembered time is used only for a version listed at that
revision, and what is written back holds only versions still listed. What cannot be read is described
afresh, never guessed: a batch the ledger fails, leaves unprocessed or does not answer within the time
budget, or a memory that does not decode. Two runs that write one package's times at once keep the
last one's: the other's new times are described again by a later run (a cache, never a wrong time).
"""

import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from datetime import datetime

from disposer.budget import Budget
from disposer.errors import LedgerError
from disposer.model.memory import RememberedTimes, TimesSource, VersionRevision
from disposer.model.packages import PackageListing, PackageRef, VersionSummary
from disposer.observability import logger
from disposer.ports import Ledger

# One BatchGetItem's worth of keys, and one BatchWriteItem's worth of items (DynamoDB's limits): a batch is
# one request.
BATCH_PACKAGES = 100
WRITE_PACKAGES = 25
UNREAD = RememberedTimes(source=TimesSource.UNREAD, problem="not read")

Batch = Future[Mapping[PackageRef, RememberedTimes]]


class TimesMemory:
    """The remembered times of a run's packages: every batch is asked for on `pool` as soon as this is made; what
    is to be written back waits for 24 other packages' (`flush` writes the rest)."""

    def __init__(
        self, ledger: Ledger, refs: Sequence[PackageRef], pool: ThreadPoolExecutor, budget: Budget | None = None
    ) -> None:
        self._ledger = ledger
        self._budget = budget or Budget.unlimited()
        self._batches: dict[PackageRef, Batch] = {}
        self._lock = threading.Lock()
        self._unwritten: dict[PackageRef, Mapping[VersionRevision, datetime]] = {}
        for start in range(0, len(refs), BATCH_PACKAGES):
            batch = refs[start : start + BATCH_PACKAGES]
            future = pool.submit(self._read, batch)
            self._batches.update(dict.fromkeys(batch, future))

    def _read(self, refs: Sequence[PackageRef]) -> Mapping[PackageRef, RememberedTimes]:
        try:
            return self._ledger.remembered_times(refs)
        except LedgerError as error:
            # Only a cache: the run describes what it needs instead.
            logger.warning("publish times not read from the ledger", packages=len(refs), error_message=error.message)
            return {}

    def read(self, ref: PackageRef) -> RememberedTimes:
        """The package's remembered times, once its batch is in (and, where it has no memory of today's form,
        what an earlier version stored of it: one Query, and the run writes it back in today's form)."""
        future = self._batches.get(ref)
        try:
            remembered = UNREAD if future is None else future.result(self._budget.remaining()).get(ref, UNREAD)
        except (CancelledError, TimeoutError):
            return UNREAD
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
        with self._lock:
            self._unwritten[ref] = times
            full = len(self._unwritten) >= WRITE_PACKAGES
            ready, self._unwritten = (self._unwritten, {}) if full else ({}, self._unwritten)
        self._store(ready)

    def flush(self) -> None:
        """Write back what is still waiting (the run's last packages)."""
        with self._lock:
            ready, self._unwritten = self._unwritten, {}
        self._store(ready)

    def _store(self, memories: Mapping[PackageRef, Mapping[VersionRevision, datetime]]) -> None:
        if not memories:
            return
        try:
            self._ledger.store_publish_times(memories, now=time.time())
        except LedgerError as error:
            # Only a cache: these packages' new times are described again by a later run.
            packages = sorted(ref.package for ref in memories)
            logger.warning("publish times not written to the ledger", packages=packages, error_message=error.message)
