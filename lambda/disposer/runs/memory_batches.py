"""What the ledger remembers of a run's packages (publish times, dependencies) as the run uses it: read ahead, 100
packages a request, on a pool while the packages are listed; written back, 25 packages a request, as the
run learns something. Only a cache either way: a batch that fails or does not answer within the time budget
is as if not read (the run asks CodeArtifact), and a write that fails is logged and forgotten (a later run
asks again)."""

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from typing import Generic, TypeVar

from disposer.budget import Budget
from disposer.errors import LedgerError
from disposer.model.packages import PackageRef
from disposer.observability import logger

# One BatchGetItem's worth of keys, and one BatchWriteItem's worth of items (DynamoDB's limits): a batch is
# one request.
BATCH_PACKAGES = 100
WRITE_PACKAGES = 25

M = TypeVar("M")
Answer = Mapping[PackageRef, M]


class ReadAhead(Generic[M]):
    """Every batch of `refs` asked of `read` on `pool` as soon as this is made; `what` names the memory in logs."""

    def __init__(
        self,
        read: Callable[[Sequence[PackageRef]], Answer[M]],
        refs: Sequence[PackageRef],
        pool: ThreadPoolExecutor,
        budget: Budget,
        *,
        what: str,
    ) -> None:
        self._read = read
        self._budget = budget
        self._what = what
        self._batches: dict[PackageRef, Future[Answer[M] | None]] = {}
        unique = list(dict.fromkeys(refs))
        for start in range(0, len(unique), BATCH_PACKAGES):
            batch = unique[start : start + BATCH_PACKAGES]
            future = pool.submit(self._batch, batch)
            self._batches.update(dict.fromkeys(batch, future))

    def _batch(self, refs: Sequence[PackageRef]) -> Answer[M] | None:
        try:
            return self._read(refs)
        except LedgerError as error:
            logger.warning(
                "memory not read from the ledger", memory=self._what, packages=len(refs), error_message=error.message
            )
            return None

    def answer(self, ref: PackageRef) -> Answer[M] | None:
        """The answer of the package's batch, once it is in; None if it could not be read (the ledger failed, the
        time budget ran out first) or the package was never asked for."""
        future = self._batches.get(ref)
        if future is None:
            return None
        try:
            return future.result(self._budget.remaining())
        except (CancelledError, TimeoutError):
            return None


class WriteBehind(Generic[M]):
    """Packages' memories to write back: each waits for 24 other packages' (`flush` writes the rest). Safe to add
    to from several threads at once."""

    def __init__(self, store: Callable[[Answer[M]], None], *, what: str) -> None:
        self._store = store
        self._what = what
        self._lock = threading.Lock()
        self._unwritten: dict[PackageRef, M] = {}

    def add(self, ref: PackageRef, memory: M) -> None:
        with self._lock:
            self._unwritten[ref] = memory
            full = len(self._unwritten) >= WRITE_PACKAGES
            ready, self._unwritten = (self._unwritten, {}) if full else ({}, self._unwritten)
        self._write(ready)

    def flush(self) -> None:
        """Write back what is still waiting (the run's last packages)."""
        with self._lock:
            ready, self._unwritten = self._unwritten, {}
        self._write(ready)

    def _write(self, memories: Answer[M]) -> None:
        if not memories:
            return
        try:
            self._store(memories)
        except LedgerError as error:
            packages = sorted(ref.package for ref in memories)
            logger.warning(
                "memory not written to the ledger", memory=self._what, packages=packages, error_message=error.message
            )
