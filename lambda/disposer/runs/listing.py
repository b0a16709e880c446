"""One package as a run reads it: its listing, what the ledger remembers of it, and its age cutoffs."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from disposer.model.holds import Hold
from disposer.model.memory import RememberedTimes
from disposer.model.packages import DISPOSABLE_STATUSES, PackageListing, PackageRef, VersionSummary
from disposer.model.quarantine import QuarantineRecord
from disposer.ports import CodeArtifact, Ledger
from disposer.retention.ages import MemoizedTimes, count_newer_than_each
from disposer.retention.engine import PackageVersions
from disposer.retention.holds import on_package
from disposer.retention.policy import RetentionPolicy
from disposer.retention.selection import needs_ages, policy_cutoffs
from disposer.runs.remembered import TimesMemory


class _NoPublishTime(Exception):
    """A candidate described without a publish time: its place in the listing says nothing of its age."""


@dataclass(frozen=True)
class ListedPackage:
    """One package as listed, with the policy's quarantine records of it and the holds on it."""

    ref: PackageRef
    listing: PackageListing
    quarantine: Mapping[str, QuarantineRecord] = field(default_factory=dict)
    holds: tuple[Hold, ...] = ()

    def unaged(self, policy: RetentionPolicy) -> PackageVersions:
        """The package before its ages are known (for the bound)."""
        return PackageVersions(
            self.ref,
            self.listing.versions,
            self.listing.default_display_version,
            holds=self.holds,
            quarantine=self.quarantine if policy.quarantine is not None else {},
        )


def list_package(
    codeartifact: CodeArtifact,
    policy: RetentionPolicy,
    ref: PackageRef,
    trusted_now: datetime,
    ledger: Ledger | None = None,
    holds: Sequence[Hold] = (),
) -> ListedPackage:
    """List one package's versions and, for a policy that quarantines, read its records of the package (one Query:
    they decide what is disposed, so a ledger that cannot be read fails the run)."""
    listing = codeartifact.list_versions(ref)
    quarantine = {} if ledger is None or policy.quarantine is None else ledger.quarantine_records(ref, policy.name)
    return ListedPackage(ref, listing, quarantine, on_package(holds, ref, trusted_now))


def package_ages(
    codeartifact: CodeArtifact,
    policy: RetentionPolicy,
    found: ListedPackage,
    now: datetime,
    memory: TimesMemory | None = None,
) -> PackageVersions:
    """A listed package's versions with the age cutoffs the policy needs, found by searching the listing.

    ListPackageVersions has no publish times; DescribePackageVersion has one per call. The listing is
    sorted by publish time, so each cutoff costs a few describes (retention/ages.py), and none when no
    version's age can change the plan. A publish time never changes for a version at a revision, so the
    ones an earlier run described are read back from the ledger (`memory`: read ahead in batches while
    the packages are listed), bound the search, and cost no describe; the new ones are remembered
    there. The listing stays the truth of what exists.

    Only the versions that could be candidates (Published, Unlisted, Archived) are searched: the others
    are never disposed, and an Unfinished version may have no publish time, so its place in the listing
    means nothing. The oldest candidate is described first: a version without a publish time would
    sort to an end of the listing, and at the oldest end the search would take it for old. Any
    candidate found without a publish time has every candidate of its package described instead, and
    is kept (the engine's path (a)): none is ever aged by its list position.
    """
    unaged = found.unaged(policy)
    cutoffs = policy_cutoffs(policy, now)
    if not cutoffs or not needs_ages(policy, found.ref, found.listing.versions, unaged.quarantine):
        return replace(unaged, newer_counts={})
    remembered = memory.read(found.ref) if memory is not None else RememberedTimes()
    search = _AgeSearch(codeartifact, found)
    times = MemoizedTimes(search.time_of, search.remembered(remembered))
    try:
        times(len(search.candidates) - 1)
        counted = count_newer_than_each(len(search.candidates), times, cutoffs)
    except _NoPublishTime:
        return replace(unaged, versions=search.every_candidate_described(), described=True)
    finally:
        if memory is not None:
            memory.keep(found.ref, remembered, search.described_times(), found.listing)
    return replace(unaged, newer_counts=search.counts(counted), learnt_times=search.learnt(times.known))


@dataclass
class _AgeSearch:
    """One package's age search: its candidates (positions in the listing), described at most once each."""

    codeartifact: CodeArtifact
    found: ListedPackage
    described: dict[int, datetime | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.versions = self.found.listing.versions
        self.candidates = [i for i, version in enumerate(self.versions) if version.status in DISPOSABLE_STATUSES]

    def remembered(self, remembered: RememberedTimes) -> dict[int, datetime]:
        """The candidates' publish times the ledger remembers (at their listed revision), by candidate position."""
        times = remembered.times
        keys = [(self.versions[index].version, self.versions[index].revision or "") for index in self.candidates]
        return {position: times[key] for position, key in enumerate(keys) if key in times}

    def describe(self, index: int) -> datetime | None:
        if index not in self.described:
            self.described[index] = self.codeartifact.published_time(self.found.ref, self.versions[index].version)
        return self.described[index]

    def time_of(self, candidate: int) -> datetime:
        published = self.describe(self.candidates[candidate])
        if published is None:
            raise _NoPublishTime
        return published

    def every_candidate_described(self) -> tuple[VersionSummary, ...]:
        searched = set(self.candidates)
        return tuple(
            replace(version, published_time=self.describe(index)) if index in searched else version
            for index, version in enumerate(self.versions)
        )

    def described_times(self) -> dict[VersionSummary, datetime]:
        return {self.versions[i]: t for i, t in self.described.items() if t is not None}

    def counts(self, counted: Mapping[datetime, int]) -> dict[datetime, int]:
        """Counts of leading candidates as counts of the whole listing (non-candidates never count)."""
        whole = len(self.versions)
        return {cutoff: self.candidates[k] if k < len(self.candidates) else whole for cutoff, k in counted.items()}

    def learnt(self, known: Mapping[int, datetime]) -> dict[str, datetime]:
        return {self.versions[self.candidates[position]].version: moment for position, moment in known.items()}
