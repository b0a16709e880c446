"""Finding what a policy covers with as few calls as are correct: repositories, packages, then each package's
listing and ages (runs/listing.py), read in parallel within the quotas."""

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from queue import SimpleQueue
from typing import Any, TypeVar

from disposer.errors import CodeArtifactError, OutOfScopeError
from disposer.model.holds import Hold
from disposer.model.packages import DISPOSABLE_STATUSES, NAMESPACE_FORBIDDEN, PackageRef
from disposer.model.runs import Listed, RunProblem
from disposer.ports import CodeArtifact, Ledger
from disposer.retention.bound import disposal_bound
from disposer.retention.engine import PackageVersions
from disposer.retention.patterns import is_glob, literal_prefix, repository_prefix
from disposer.retention.policy import RetentionPolicy
from disposer.retention.selection import policy_cutoffs
from disposer.runs.dependencies import DependencyMemory
from disposer.runs.listing import ListedPackage, list_package, package_ages
from disposer.runs.remembered import TimesMemory
from disposer.runs.usage import UsageReader

ErrorSink = Callable[[RunProblem], None]
T = TypeVar("T")
# Batches of remembered times in flight at once: a batch is one request, and listings take far longer.
MEMORY_READERS = 2


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
    """The packages of one repository the policy selects, narrowed server-side where the API allows. With
    keep.dependencies, every package of the policy's format (or of every format): a package the policy does not
    govern may still depend on one it does, and the plan keeps what it needs (its own versions stay as they are)."""
    if policy.keep.dependencies:
        return codeartifact.list_packages(policy.domain, policy.domain_owner, repository, package_format=policy.format)
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
    trusted_now: datetime | None = None,
    refs: Sequence[PackageRef] | None = None,
    usage: UsageReader | None = None,
) -> Iterator[PackageVersions]:
    """Every package the policy covers, with its versions; unreadable ones are reported and skipped.

    Repositories and packages are listed first, then `codeartifact.threads` calls at a time (the pacer
    keeps them within the quotas): every package's versions, and each listed package's ages. The
    listings have a pool of their own because together they bound the plan (`on_listed`, called once,
    when the last is in), which lets disposals start before the last package is planned; age searches
    fill the read quota the list quota leaves. Packages are yielded as they are ready (not in listing
    order), each once, so a caller that plans each package can let its listing go. `now` is the run's
    decision clock (ages); `trusted_now` the function's own, which says which holds are in force.
    `refs`, when given, are the packages to read (a workflow's shard, listed by its inventory step);
    `usage`, for a policy with keep.downloadedWithinDays, reads each package's downloads after its ages.
    """
    reader = _Reader(codeartifact, policy, now, on_error, ledger, holds, trusted_now or now, usage=usage)
    if refs is None:
        refs = reader.refs(in_scope)
    # Two pools: listings go as fast as their own quota lets them (they bound the plan), and age searches
    # use the read quota that leaves, at the same time. A third reads the remembered publish times ahead,
    # 100 packages a request, while the packages are listed; only an age search waits for them.
    listers = ThreadPoolExecutor(max_workers=codeartifact.threads, thread_name_prefix="list")
    searchers = ThreadPoolExecutor(max_workers=codeartifact.threads, thread_name_prefix="ages")
    remembering = ThreadPoolExecutor(max_workers=MEMORY_READERS, thread_name_prefix="memory")
    if ledger is not None and policy_cutoffs(policy, now):
        reader = replace(reader, memory=TimesMemory(ledger, refs, remembering, codeartifact.budget))
    if policy.keep.dependencies:
        reader = replace(reader, needs=DependencyMemory(codeartifact, ledger, refs, remembering, codeartifact.budget))
    try:
        yield from _read_all(reader, refs, listers, searchers, on_listed or (lambda _: None))
    finally:
        # A caller that stops early (the time budget) leaves queued reads unsent.
        for pool in (listers, searchers, remembering):
            pool.shutdown(wait=True, cancel_futures=True)
        for memory in (reader.memory, reader.needs):
            if memory is not None:
                memory.flush()


def _read_all(
    reader: "_Reader",
    refs: Sequence[PackageRef],
    listers: ThreadPoolExecutor,
    searchers: ThreadPoolExecutor,
    on_listed: Callable[[Listed], None],
) -> Iterator[PackageVersions]:
    """List every package, search each listed one's ages, and yield each package as its search ends."""
    # Each finished task puts itself here: the consumer takes them as they come, in O(1) each.
    finished: SimpleQueue[Future[Any]] = SimpleQueue()
    unlisted: set[Future[Any]] = set()
    for ref in refs:
        listing_read = listers.submit(reader.listed, ref)
        unlisted.add(listing_read)
        listing_read.add_done_callback(finished.put)
    if not refs:
        on_listed(Listed(packages=0, bound=0, disposable=0))
    bound = disposable = 0
    outstanding = len(refs)
    while outstanding:
        future = finished.get()
        outstanding -= 1
        if future not in unlisted:
            yield from future.result()
            continue
        unlisted.discard(future)
        for listed_package, most in future.result():
            searchers.submit(reader.aged, listed_package).add_done_callback(finished.put)
            outstanding += 1
            bound += most
            disposable += sum(1 for v in listed_package.listing.versions if v.status in DISPOSABLE_STATUSES)
        if not unlisted:
            on_listed(Listed(packages=len(refs), bound=bound, disposable=disposable))


def inventory(
    codeartifact: CodeArtifact, policy: RetentionPolicy, *, in_scope: Callable[[str], bool], on_error: ErrorSink
) -> list[PackageRef]:
    """Every package the policy covers, in plan order (a workflow cuts this list into its shards)."""
    # The decision clock and the holds play no part in listing packages.
    reader = _Reader(codeartifact, policy, datetime.min, on_error, None, (), datetime.min)
    return sorted(reader.refs(in_scope), key=lambda ref: ref.sort_key)


@dataclass(frozen=True)
class _Reader:
    """The reads of one run's discovery; what cannot be read is reported to `on_error` and skipped."""

    codeartifact: CodeArtifact
    policy: RetentionPolicy
    now: datetime
    on_error: ErrorSink
    ledger: Ledger | None
    holds: Sequence[Hold]
    # The function's own clock: which holds are in force.
    trusted_now: datetime
    # The remembered publish times (None: no ledger, or a policy without ages).
    memory: TimesMemory | None = None
    # The downloads (None: a policy without keep.downloadedWithinDays).
    usage: UsageReader | None = None
    # The versions' dependencies (None: a policy without keep.dependencies).
    needs: DependencyMemory | None = None

    def refs(self, in_scope: Callable[[str], bool]) -> list[PackageRef]:
        """Every package the policy covers. A missing domain, or a repository the policy names literally,
        fails the run (the policy is wrong); a repository matched by a glob and deleted since is reported."""
        codeartifact, policy = self.codeartifact, self.policy
        literal = policy.repository is not None and not is_glob(policy.repository)
        found: list[PackageRef] = []
        for repository in repositories(codeartifact, policy, in_scope):
            if literal:
                found.extend(packages(codeartifact, policy, repository))
            else:
                read = partial(packages, codeartifact, policy, repository)
                found.extend(_guarded(read, f"repository {repository}", self.on_error))
        return found

    def listed(self, ref: PackageRef) -> Sequence[tuple[ListedPackage, int]]:
        """The package listed, with the most versions its plan can dispose (nothing if it cannot be read)."""

        def read() -> Sequence[tuple[ListedPackage, int]]:
            found = list_package(self.codeartifact, self.policy, ref, self.trusted_now, self.ledger, self.holds)
            bound = disposal_bound(found.unaged(self.policy), self.policy, self.now, trusted_now=self.trusted_now)
            return [(found, bound)]

        return _guarded(read, f"package {_label(ref)}", self.on_error, ref)

    def aged(self, found: ListedPackage) -> Sequence[PackageVersions]:
        try:
            package = package_ages(self.codeartifact, self.policy, found, self.now, self.memory)
        except CodeArtifactError as error:
            # Listed, so counted in the bound and the breaker's whole: it stays in the plan, every version
            # kept (as if none had a publish time), and the error is reported.
            self.on_error(RunProblem(f"package {_label(found.ref)}", error.code, error.message))
            package = replace(found.unaged(self.policy), described=True)
        if self.usage is not None:
            package = replace(package, usage=self.usage.of(package.ref, package.versions, package.quarantine))
        if self.needs is not None:
            package = replace(package, dependencies=self.needs.of(found.ref, found.listing))
        return [package]


def _guarded(
    read: Callable[[], Sequence[T]], scope: str, on_error: ErrorSink, ref: PackageRef | None = None
) -> Sequence[T]:
    try:
        return read()
    except CodeArtifactError as error:
        on_error(RunProblem(scope=scope, error_code=error.code, error_message=error.message, ref=ref))
        return ()


def _label(ref: PackageRef) -> str:
    name = f"{ref.namespace}/{ref.package}" if ref.namespace else ref.package
    return f"{ref.repository}/{ref.format}/{name}"
