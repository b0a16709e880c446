"""The dependencies of a run's package versions: what the ledger remembers, read ahead 100 packages a request while
the packages are listed, and what it does not, read from CodeArtifact once and written back 25 packages a
request.

A version's dependencies never change for one revision, so a remembered list costs no call. The listing
stays the truth of what exists: a remembered list is used only for a version listed at that revision, and
what is written back holds only versions still listed (and those just read). What cannot be read from the
ledger (a batch that fails or does not answer within the time budget, a memory that does not decode) is
read from CodeArtifact instead, never guessed, and nothing is written over a memory the run could not read.
A version CodeArtifact cannot answer for is UnreadDependencies: the planner keeps what it could need.
"""

import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from disposer.budget import Budget
from disposer.errors import CodeArtifactError
from disposer.model.dependencies import Dependency, KnownDependencies, UnreadDependencies
from disposer.model.memory import VersionRevision
from disposer.model.packages import PackageListing, PackageRef, PackageVersionStatus
from disposer.ports import CodeArtifact, Ledger
from disposer.runs.memory_batches import ReadAhead, WriteBehind

# The versions that remain after a run whose dependencies can keep a candidate.
DEPENDING_STATUSES = frozenset({PackageVersionStatus.PUBLISHED, PackageVersionStatus.UNLISTED})

Remembered = Mapping[VersionRevision, tuple[Dependency, ...]]


class DependencyMemory:
    """The dependencies of a run's packages' versions. Every batch of the ledger is asked for on `pool` as soon as
    this is made; what is to be written back waits for 24 other packages' (`flush` writes the rest). Without
    a ledger, every version is read from CodeArtifact and nothing is stored. `of` may be called from several
    threads at once."""

    def __init__(
        self,
        codeartifact: CodeArtifact,
        ledger: Ledger | None,
        refs: Sequence[PackageRef],
        pool: ThreadPoolExecutor,
        budget: Budget | None = None,
    ) -> None:
        self._codeartifact = codeartifact
        self._ledger = ledger
        self._ahead: ReadAhead[Remembered] | None = None
        self._behind: WriteBehind[Remembered] = WriteBehind(self._store, what="dependencies")
        if ledger is not None:
            budget = budget or codeartifact.budget
            self._ahead = ReadAhead(ledger.remembered_dependencies, refs, pool, budget, what="dependencies")

    def _remembered(self, ref: PackageRef) -> Remembered | None:
        """The package's remembered dependencies once its batch is in; None if they could not be read."""
        answer = None if self._ahead is None else self._ahead.answer(ref)
        return None if answer is None else answer.get(ref, {})

    def of(self, ref: PackageRef, listing: PackageListing) -> dict[str, KnownDependencies]:
        """The dependencies of every Published or Unlisted version of the listing, by version: remembered at the
        version's listed revision, else read from CodeArtifact (one call a version; UnreadDependencies where it
        fails). An answer at another revision than the listing's is used, and remembered at its own."""
        remembered = self._remembered(ref)
        usable = remembered or {}
        known: dict[str, KnownDependencies] = {}
        learnt: dict[VersionRevision, tuple[Dependency, ...]] = {}
        for summary in listing.versions:
            if summary.status not in DEPENDING_STATUSES:
                continue
            key = (summary.version, summary.revision or "")
            if summary.revision and key in usable:
                known[summary.version] = usable[key]
                continue
            try:
                read = self._codeartifact.dependencies(ref, summary.version)
            except CodeArtifactError as error:
                known[summary.version] = UnreadDependencies(f"{error.code}: {error.message}")
                continue
            known[summary.version] = read.dependencies
            if read.revision:
                learnt[(summary.version, read.revision)] = read.dependencies
        if remembered is not None and learnt:
            self._keep(ref, remembered, learnt, listing)
        return known

    def _keep(self, ref: PackageRef, remembered: Remembered, learnt: Remembered, listing: PackageListing) -> None:
        """Queue the package's memory: what was remembered of versions still listed at their revision, and what was
        just read."""
        listed = {(summary.version, summary.revision) for summary in listing.versions if summary.revision}
        memory = {**{key: found for key, found in remembered.items() if key in listed}, **learnt}
        self._behind.add(ref, memory)

    def flush(self) -> None:
        """Write back what is still waiting (the run's last packages)."""
        self._behind.flush()

    def _store(self, memories: Mapping[PackageRef, Remembered]) -> None:
        if self._ledger is not None:
            self._ledger.store_dependencies(memories, now=time.time())
