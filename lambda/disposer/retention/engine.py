"""The retention engine: versions + policy + clock -> a plan with one decision and reason per version.

Pure: no I/O, no clock of its own. Decision precedence for each version (the first that applies):

1. not selected -> keep: package outside the policy's selectors; status not in select.statuses
   (Unfinished, Disposed and Deleted never are); version not matching select.versionPattern; origin
   not in select.origins; not older than select.olderThanDays.
2. keep rules, in this order: a hold on the version, restored from this policy's quarantine,
   keep.latest, keep.latestPerMajor and keep.latestPerMinor (retention/lines.py), keep.newerThanDays,
   keep.versionPatterns (first matching pattern),
   keep.defaultDisplayVersion, keep.downloadedWithinDays (retention/usage.py).
3. no revision -> keep (a disposal is pinned to the revision the plan saw; without one it cannot be).
4. dispose; with quarantine, archive first (retention/quarantine.py), keep while in quarantine, and
   dispose once the grace has passed.

A selected version that CodeArtifact gave no publish time is kept before any age or keep rule is
weighed (see PackageVersions: path (a)), and not counted by keep.latest.

Ages: "older than D days" means published before now - D days; "newer than D days" is its complement
(published at or after now - D days), so a version exactly at a cutoff is never an age candidate.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from disposer.model.dependencies import KnownDependencies
from disposer.model.holds import Hold
from disposer.model.packages import DISPOSABLE_STATUSES, PackageRef, VersionSummary
from disposer.model.plans import Action, PackagePlan, Plan, PlanItem, Rule
from disposer.model.quarantine import QuarantineRecord
from disposer.model.usage import PackageUsage
from disposer.retention.disposal import Decision, disposal, expected_status
from disposer.retention.holds import HoldMatcher
from disposer.retention.lines import RankedKeep, line_keeps
from disposer.retention.policy import RetentionPolicy
from disposer.retention.quarantine import QuarantineState, quarantine_decision, state_of
from disposer.retention.selection import newer_cutoff, not_selected, older_cutoff, require_aware
from disposer.retention.usage import usage_keep
from disposer.retention.wording import days


@dataclass(frozen=True, slots=True)
class PackageVersions:
    """One package's versions and what is known of their ages: the engine's input.

    Two ways to give ages, with identical plans:
    (a) every version has `published_time`, or `described` says every version that could be a candidate
        was described (so a None is CodeArtifact's own answer): the engine orders them itself (newest
        first, ties broken by the greater version string first; versions without a time last) and the
        given order does not matter. A candidate without a publish time is kept: neither its age nor
        its rank among the latest can be known, and it is not counted among them;
    (b) otherwise `versions` must already be in that order (ListPackageVersions sortBy=PUBLISHED_TIME;
        AWS's order among equal times is unspecified, which can only move a keep.latest boundary
        between versions published at the same instant), and `newer_counts` maps each cutoff of
        `policy_cutoffs(policy, now)` to the number of leading versions published at or after it
        (`ages.count_newer_than`). Counts are needed only for packages with a version the policy
        selects by status, pattern and origin (see `needs_ages`).
    """

    ref: PackageRef
    versions: tuple[VersionSummary, ...]
    default_display_version: str | None = None
    newer_counts: Mapping[datetime, int] | None = field(default=None, hash=False)
    described: bool = False
    # The active holds on this package, and this policy's quarantine records of its versions (by version).
    holds: tuple[Hold, ...] = ()
    hold_matcher: HoldMatcher = field(init=False, repr=False, compare=False, hash=False)
    quarantine: Mapping[str, QuarantineRecord] = field(default_factory=dict, hash=False)
    # Publish times the run learnt on path (b) (described by the age search, or remembered), by version:
    # put on the plan items for people to read, never used to decide.
    learnt_times: Mapping[str, datetime] = field(default_factory=dict, hash=False)
    # Its downloads, for a policy with keep.downloadedWithinDays (None: not read, so usage is unknown).
    usage: PackageUsage | None = field(default=None, hash=False)
    # Its Published and Unlisted versions' dependencies, for a policy with keep.dependencies: not used by
    # plan_package, but by the pass over the run's packages once all are planned (retention/dependencies.py).
    dependencies: Mapping[str, KnownDependencies] | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "versions", tuple(self.versions))
        object.__setattr__(self, "hold_matcher", HoldMatcher(self.holds))
        seen = Counter(v.version for v in self.versions)
        duplicates = sorted(v for v, n in seen.items() if n > 1)
        if duplicates:
            raise ValueError(f"versions listed more than once: {', '.join(duplicates)}")

    @property
    def times_known(self) -> bool:
        """True if the engine orders the versions by their publish times itself (path (a))."""
        return self.described or all(v.published_time is not None for v in self.versions)


_NO_TIME = datetime.min.replace(tzinfo=UTC)


def _order_key(version: VersionSummary) -> tuple[bool, datetime, str]:
    # Path (a) only: newest first once reversed, and versions without a publish time after all others.
    return (version.published_time is not None, version.published_time or _NO_TIME, version.version)


class _Ages:
    """Answers "is the version at this position newer than the cutoff?" on either path."""

    def __init__(self, package: PackageVersions, ordered: Sequence[VersionSummary]) -> None:
        self._package = package
        self._ordered = ordered
        self._counts: dict[datetime, int] = {}

    def newer(self, position: int, cutoff: datetime) -> bool:
        if cutoff not in self._counts:
            self._counts[cutoff] = self._count(cutoff)
        return position < self._counts[cutoff]

    def _count(self, cutoff: datetime) -> int:
        if self._package.times_known:
            # The order is sorted by time, so the newer versions are exactly the leading ones.
            return sum(1 for v in self._ordered if v.published_time is not None and v.published_time >= cutoff)
        counts = self._package.newer_counts or {}
        if cutoff not in counts:
            raise ValueError(
                f"{self._package.ref.package}: publish times unknown and newer_counts lacks cutoff "
                f"{cutoff.isoformat()}; resolve policy_cutoffs(policy, now) first"
            )
        count = counts[cutoff]
        if not 0 <= count <= len(self._ordered):
            raise ValueError(f"newer_counts[{cutoff.isoformat()}] = {count} is outside 0..{len(self._ordered)}")
        return count


NOT_GOVERNED = "kept: not selected (package does not match the policy)"


def _timeless(package: PackageVersions, version: VersionSummary) -> bool:
    """True if CodeArtifact gave the version no publish time (known only where it was described)."""
    return package.described and version.published_time is None


def _decide(
    policy: RetentionPolicy,
    package: PackageVersions,
    version: VersionSummary,
    position: int,
    ages: _Ages,
    by_rank: RankedKeep | None,
    now: datetime,
    trusted: datetime,
) -> Decision:
    record = package.quarantine.get(version.version)
    missed = not_selected(policy, version, record)
    if missed is not None:
        return Action.KEEP, *missed
    if _timeless(package, version):
        return Action.KEEP, Rule.KEEP_NO_PUBLISH_TIME, "kept: no publish time (its age and rank cannot be known)"
    older = older_cutoff(policy, now)
    if older is not None and ages.newer(position, older):
        return (
            Action.KEEP,
            Rule.NOT_SELECTED_AGE,
            f"kept: not selected (not older than {days(policy.select.older_than_days)})",
        )
    kept = _kept(policy, package, version, position, ages, by_rank, now, trusted)
    if kept is not None:
        return Action.KEEP, *kept
    if version.revision is None:
        return Action.KEEP, Rule.KEEP_NO_REVISION, "kept: no revision (the disposal could not be pinned)"
    if policy.quarantine is not None:
        return quarantine_decision(policy.quarantine.grace_days, record, state_of(record, version), trusted)
    return disposal(policy)


def _kept(
    policy: RetentionPolicy,
    package: PackageVersions,
    version: VersionSummary,
    position: int,
    ages: _Ages,
    by_rank: RankedKeep | None,
    now: datetime,
    trusted: datetime,
) -> tuple[Rule, str] | None:
    """The first keep rule that keeps a selected version, in the engine's order, or None."""
    keep = policy.keep
    hold = package.hold_matcher.holding(version.version)
    if hold is not None:
        return Rule.KEEP_HOLD, f"kept: {hold.reason_text}"
    record = package.quarantine.get(version.version)
    if record is not None and state_of(record, version) is QuarantineState.RESTORED:
        seen = (record.restored_at or trusted).date().isoformat()
        return (
            Rule.KEEP_RESTORED,
            f"kept: restored from quarantine (seen {seen}, {version.status} at revision {version.revision})",
        )
    if by_rank is not None:
        return by_rank
    newer = newer_cutoff(policy, now)
    if newer is not None and ages.newer(position, newer):
        return Rule.KEEP_NEWER_THAN, f"kept: published within {days(keep.newer_than_days)}"
    pattern = keep.matching_pattern(version.version)
    if pattern is not None:
        return Rule.KEEP_VERSION_PATTERN, f"kept: matches keep pattern {pattern}"
    if keep.default_display_version and version.version == package.default_display_version:
        return Rule.KEEP_DEFAULT_DISPLAY_VERSION, "kept: default display version"
    return usage_keep(policy, package.usage, package.ref.format, version.version, now)


def ranked(package: PackageVersions, policy: RetentionPolicy, ordered: Sequence[VersionSummary]) -> list[int]:
    """The positions in `ordered` that keep.latest ranks: the versions select would take but for their
    age (status, pattern and origin), less those CodeArtifact gave no publish time."""
    return [
        position
        for position, v in enumerate(ordered)
        if not_selected(policy, v, package.quarantine.get(v.version)) is None and not _timeless(package, v)
    ]


def _ranked_keeps(
    package: PackageVersions, policy: RetentionPolicy, ordered: Sequence[VersionSummary]
) -> dict[str, RankedKeep]:
    """The versions kept for their rank: keep.latest by publish time, then the line rules by version order."""
    matching = [ordered[position].version for position in ranked(package, policy, ordered)]
    count = policy.keep.latest or 0
    keeps = {version: (Rule.KEEP_LATEST, f"kept: latest {count} of {len(matching)}") for version in matching[:count]}
    every = [version.version for version in package.versions]
    for version, keep in line_keeps(policy, package.ref.format, matching, every).items():
        keeps.setdefault(version, keep)
    return keeps


def plan_package(
    package: PackageVersions, policy: RetentionPolicy, now: datetime, *, trusted_now: datetime | None = None
) -> PackagePlan:
    """Decide keep or dispose, with a reason, for every version of one package (see module docstring).

    `now` is the run's decision clock (ages); `trusted_now` the function's own clock, which alone
    measures a quarantine's grace (None: the same as `now`, where both are one clock).
    """
    require_aware(now)
    trusted = now if trusted_now is None else trusted_now
    require_aware(trusted)
    if package.times_known:
        ordered: Sequence[VersionSummary] = sorted(package.versions, key=_order_key, reverse=True)
    else:
        ordered = package.versions
    select = policy.select
    by_rank = _ranked_keeps(package, policy, ordered)
    # A disposal is pinned to the status seen only where a status change could change the decision: when
    # the policy selects some of the disposable statuses. Selecting all three, any status a version could
    # be moved to is selected too, so the calls go without expectedStatus, 100 versions each whatever
    # their statuses (to protect one version from every policy, an operator places a hold).
    pin_status = not set(select.statuses) >= DISPOSABLE_STATUSES
    ages = _Ages(package, ordered)
    ref = package.ref
    # Once per package: a pattern match costs a call into RE2, which hands the GIL back and forth.
    governed = policy.matches_package(ref)
    items = []
    for position, version in enumerate(ordered):
        if governed:
            action, rule, reason = _decide(
                policy, package, version, position, ages, by_rank.get(version.version), now, trusted
            )
        else:
            action, rule, reason = Action.KEEP, Rule.NOT_SELECTED_PACKAGE, NOT_GOVERNED
        items.append(
            PlanItem(
                ref=ref,
                version=version.version,
                revision=version.revision,
                status=version.status,
                action=action,
                rule=rule,
                reason=reason,
                expected_status=expected_status(action, rule, version, pin_status),
                published_time=version.published_time or package.learnt_times.get(version.version),
                last_download=None if package.usage is None else package.usage.of(package.ref.format, version.version),
            )
        )
    return PackagePlan(ref=ref, items=tuple(items))


def plan_packages(packages: Iterable[PackageVersions], policy: RetentionPolicy, now: datetime) -> Plan:
    """Plan every package (in the order given) for one policy run at clock `now`."""
    require_aware(now)
    return Plan(
        policy=policy.name,
        as_of=now,
        packages=tuple(plan_package(package, policy, now) for package in packages),
    )
