"""Finding what a policy covers with as few calls as are correct: repositories, packages, versions, ages."""

import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from queue import SimpleQueue
from typing import Any, TypeVar

from disposer.errors import CodeArtifactError, LedgerError, OutOfScopeError
from disposer.model.holds import Hold
from disposer.model.memory import PackageMemory
from disposer.model.packages import DISPOSABLE_STATUSES, NAMESPACE_FORBIDDEN, PackageListing, PackageRef, VersionSummary
from disposer.model.runs import Listed, RunProblem
from disposer.observability import logger
from disposer.ports import CodeArtifact, Ledger
from disposer.retention.ages import MemoizedTimes, count_newer_than_each
from disposer.retention.bound import disposal_bound
from disposer.retention.engine import PackageVersions
from disposer.retention.holds import on_package
from disposer.retention.patterns import is_glob, literal_prefix, repository_prefix
from disposer.retention.policy import RetentionPolicy
from disposer.retention.selection import needs_ages, policy_cutoffs

ErrorSink = Callable[[RunProblem], None]
T = TypeVar("T")


def repositories(codeartifact: CodeArtifact, policy: RetentionPolicy, in_scope: Callable[[str], bool]) -> list[str]:
    """The repositories the policy names (a literal costs no call; a glob lists the domain once)."""
    if policy.literal_repository is not None:
        # The entry points refuse this before any call (403 OutOfScope); never a silent empty plan.
        if not in_scope(policy.literal_repository):
            raise OutOfScopeError(f"repository '{policy.literal_repository}' is not managed by this deployment")
        return [policy.literal_repository]
    prefix = repository_prefix(policy.repository) or ""
    names = codeartifact.list_repositories(policy.domain, policy.domain_owner, prefix)
    return sorted(name for name in names if policy.matches_repository(name) and in_scope(name))


def _direct_ref(policy: RetentionPolicy, repository: str) -> PackageRef | None:
    """The one package a fully literal policy names, so ListPackages can be skipped."""
    if policy.format is None or policy.package is None or is_glob(policy.package):
        return None
    if policy.format in NAMESPACE_FORBIDDEN:
        namespace = None
    elif policy.namespace is not None and not is_glob(policy.namespace):
        namespace = policy.namespace
    else:
        return None
    return PackageRef(policy.domain, policy.domain_owner, repository, policy.format, namespace, policy.package)


def packages(codeartifact: CodeArtifact, policy: RetentionPolicy, repository: str) -> list[PackageRef]:
    """The packages of one repository the policy selects, narrowed server-side where the API allows."""
    direct = _direct_ref(policy, repository)
    if direct is not None:
        return [direct]
    found = codeartifact.list_packages(
        policy.domain,
        policy.domain_owner,
        repository,
        package_format=policy.format,
        namespace_prefix=literal_prefix(policy.namespace) or "",
        package_prefix=literal_prefix(policy.package) or "",
    )
    return [ref for ref in found if policy.matches_package(ref)]


class _NoPublishTime(Exception):
    """A candidate described without a publish time: its place in the listing says nothing of its age."""


@dataclass(frozen=True)
class ListedPackage:
    """One package as listed, with what the ledger remembers of it and the holds on it."""

    ref: PackageRef
    listing: PackageListing
    memory: PackageMemory
    holds: tuple[Hold, ...] = ()

    def unaged(self, policy: RetentionPolicy) -> PackageVersions:
        """The package before its ages are known (for the bound)."""
        return PackageVersions(
            self.ref,
            self.listing.versions,
            self.listing.default_display_version,
            holds=self.holds,
            quarantine=self.memory.quarantine if policy.quarantine is not None else {},
        )


def list_package(
    codeartifact: CodeArtifact,
    policy: RetentionPolicy,
    ref: PackageRef,
    now: datetime,
    ledger: Ledger | None = None,
    holds: Sequence[Hold] = (),
) -> ListedPackage:
    """List one package's versions and read what the ledger remembers of it (one Query)."""
    listing = codeartifact.list_versions(ref)
    return ListedPackage(ref, listing, _memory(ledger, ref, policy), on_package(holds, ref, now))


def package_versions(
    codeartifact: CodeArtifact,
    policy: RetentionPolicy,
    ref: PackageRef,
    now: datetime,
    ledger: Ledger | None = None,
    holds: Sequence[Hold] = (),
) -> PackageVersions:
    """One package's versions, newest first, with the age cutoffs the policy needs (list, then ages)."""
    return package_ages(codeartifact, policy, list_package(codeartifact, policy, ref, now, ledger, holds), now, ledger)


def package_ages(
    codeartifact: CodeArtifact,
    policy: RetentionPolicy,
    found: ListedPackage,
    now: datetime,
    ledger: Ledger | None = None,
) -> PackageVersions:
    """A listed package's versions with the age cutoffs the policy needs, found by searching the listing.

    ListPackageVersions has no publish times; DescribePackageVersion has one per call. The listing is
    sorted by publish time, so each cutoff costs a few describes (retention/ages.py), and none when no
    version's age can change the plan. A publish time never changes for a version at a revision, so the
    ones an earlier run described are read back from the ledger (with the listing, one Query per
    package), bound the search, and cost no describe; the new ones are remembered there. The listing
    stays the truth of what exists.

    Only the versions that could be candidates (Published, Unlisted, Archived) are searched: the others
    are never disposed, and an Unfinished version may have no publish time, so its place in the listing
    means nothing. The oldest candidate is described first: a version without a publish time would
    sort to an end of the listing, and at the oldest end the search would take it for old. Any
    candidate found without a publish time has every candidate of its package described instead, and
    is kept (the engine's path (a)): none is ever aged by its list position.
    """
    ref, listing = found.ref, found.listing
    unaged = found.unaged(policy)
    versions = listing.versions
    cutoffs = policy_cutoffs(policy, now)
    if not cutoffs or not needs_ages(policy, ref, versions, unaged.quarantine):
        return replace(unaged, newer_counts={})
    candidates = [index for index, version in enumerate(versions) if version.status in DISPOSABLE_STATUSES]
    remembered = found.memory.times
    known = {
        position: remembered[(versions[index].version, versions[index].revision or "")]
        for position, index in enumerate(candidates)
        if (versions[index].version, versions[index].revision or "") in remembered
    }
    described: dict[int, datetime | None] = {}

    def describe(index: int) -> datetime | None:
        if index not in described:
            described[index] = codeartifact.published_time(ref, versions[index].version)
        return described[index]

    def time_of(candidate: int) -> datetime:
        published = describe(candidates[candidate])
        if published is None:
            raise _NoPublishTime
        return published

    times = MemoizedTimes(time_of, known)
    try:
        times(len(candidates) - 1)
        counted = count_newer_than_each(len(candidates), times, cutoffs)
    except _NoPublishTime:
        searched = set(candidates)
        timed = tuple(
            replace(version, published_time=describe(index)) if index in searched else version
            for index, version in enumerate(versions)
        )
        return replace(unaged, versions=timed, described=True)
    finally:
        _remember(ledger, ref, {versions[i]: t for i, t in described.items() if t is not None})
    # The engine counts leading versions of the whole listing; the non-candidates among them never count.
    counts = {cutoff: candidates[k] if k < len(candidates) else len(versions) for cutoff, k in counted.items()}
    learnt = {versions[candidates[position]].version: moment for position, moment in times.known.items()}
    return replace(unaged, newer_counts=counts, learnt_times=learnt)


def _memory(ledger: Ledger | None, ref: PackageRef, policy: RetentionPolicy) -> PackageMemory:
    if ledger is None:
        return PackageMemory()
    try:
        return ledger.package_memory(ref, policy.name if policy.quarantine is not None else None)
    except LedgerError as error:
        if policy.quarantine is not None:
            # Quarantine records decide what is disposed: without them, nothing of the package is.
            raise
        # Only a cache for a policy without quarantine: the run describes what it needs instead.
        logger.warning("publish times not read from the ledger", package=ref.package, error_message=error.message)
        return PackageMemory()


def _remember(ledger: Ledger | None, ref: PackageRef, times: dict[VersionSummary, datetime]) -> None:
    pinned = {(version.version, version.revision): t for version, t in times.items() if version.revision}
    if ledger is None or not pinned:
        return
    try:
        ledger.remember_publish_times(ref, pinned, now=time.time())
    except LedgerError as error:
        logger.warning("publish times not written to the ledger", package=ref.package, error_message=error.message)


def discover(
    codeartifact: CodeArtifact,
    policy: RetentionPolicy,
    now: datetime,
    *,
    in_scope: Callable[[str], bool],
    on_error: ErrorSink,
    ledger: Ledger | None = None,
    holds: Sequence[Hold] = (),
    on_listed: Callable[[Listed], None] | None = None,
) -> Iterator[PackageVersions]:
    """Every package the policy covers, with its versions; unreadable ones are reported and skipped.

    Repositories and packages are listed first, then `codeartifact.threads` calls at a time (the pacer
    keeps them within the quotas): every package's versions, and each listed package's ages. The
    listings have a pool of their own because together they bound the plan (`on_listed`, called once,
    when the last is in), which lets disposals start before the last package is planned; age searches
    fill the read quota the list quota leaves. Packages are yielded as they are ready (not in listing order), each
    once, so a caller that plans each package can let its listing go.
    """
    # A missing domain, or a repository the policy names literally, fails the run (the policy is wrong);
    # a repository matched by a glob and deleted since, or a package, is reported and skipped.
    literal = policy.repository is not None and not is_glob(policy.repository)
    refs = [
        ref
        for repository in repositories(codeartifact, policy, in_scope)
        for ref in (
            packages(codeartifact, policy, repository)
            if literal
            else _guarded(lambda: packages(codeartifact, policy, repository), f"repository {repository}", on_error)  # noqa: B023
        )
    ]

    def listed(ref: PackageRef) -> Sequence[tuple[ListedPackage, int]]:
        def read() -> Sequence[tuple[ListedPackage, int]]:
            found = list_package(codeartifact, policy, ref, now, ledger, holds)
            return [(found, disposal_bound(found.unaged(policy), policy, now))]

        return _guarded(read, f"package {_label(ref)}", on_error)

    def aged(found: ListedPackage) -> Sequence[PackageVersions]:
        try:
            return [package_ages(codeartifact, policy, found, now, ledger)]
        except CodeArtifactError as error:
            # Listed, so counted in the bound and the breaker's whole: it stays in the plan, every version
            # kept (as if none had a publish time), and the error is reported.
            on_error(RunProblem(f"package {_label(found.ref)}", error.code, error.message))
            return [replace(found.unaged(policy), described=True)]

    bound = disposable = 0
    # Each finished task puts itself here: the consumer takes them as they come, in O(1) each.
    finished: SimpleQueue[Future[Any]] = SimpleQueue()
    # Two pools: listings go as fast as their own quota lets them (they bound the plan), and age searches
    # use the read quota that leaves, at the same time.
    listers = ThreadPoolExecutor(max_workers=codeartifact.threads, thread_name_prefix="list")
    searchers = ThreadPoolExecutor(max_workers=codeartifact.threads, thread_name_prefix="ages")
    try:
        unlisted: dict[Future[Any], PackageRef] = {}
        for ref in refs:
            listing_read = listers.submit(listed, ref)
            unlisted[listing_read] = ref
            listing_read.add_done_callback(finished.put)
        if on_listed is not None and not refs:
            on_listed(Listed(packages=0, bound=0, disposable=0))
        outstanding = len(refs)
        while outstanding:
            future = finished.get()
            outstanding -= 1
            if future not in unlisted:
                found: Sequence[PackageVersions] = future.result()
                yield from found
                continue
            unlisted.pop(future)
            for listed_package, most in future.result():
                search = searchers.submit(aged, listed_package)
                search.add_done_callback(finished.put)
                outstanding += 1
                bound += most
                disposable += sum(1 for v in listed_package.listing.versions if v.status in DISPOSABLE_STATUSES)
            if on_listed is not None and not unlisted:
                on_listed(Listed(packages=len(refs), bound=bound, disposable=disposable))
    finally:
        # A caller that stops early (the time budget) leaves queued reads unsent.
        listers.shutdown(wait=True, cancel_futures=True)
        searchers.shutdown(wait=True, cancel_futures=True)


def _guarded(read: Callable[[], Sequence[T]], scope: str, on_error: ErrorSink) -> Sequence[T]:
    try:
        return read()
    except CodeArtifactError as error:
        on_error(RunProblem(scope=scope, error_code=error.code, error_message=error.message))
        return ()


def _label(ref: PackageRef) -> str:
    name = f"{ref.namespace}/{ref.package}" if ref.namespace else ref.package
    return f"{ref.repository}/{ref.format}/{name}"
