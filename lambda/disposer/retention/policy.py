"""The retention policy model: selectors, select and keep rules, limits, and the policies file."""

from enum import StrEnum
from typing import Annotated, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from disposer.errors import PatternTooComplexError
from disposer.model.packages import (
    DISPOSABLE_STATUSES,
    NAMESPACE_FORBIDDEN,
    AccountId,
    DomainName,
    PackageFormat,
    PackageRef,
    PackageVersionOriginType,
    PackageVersionStatus,
)
from disposer.retention.patterns import (
    POLICY_NAME_PATTERN,
    NamespaceGlob,
    PackageGlob,
    Regex,
    RepositoryGlob,
    full_match,
    glob_matches,
    is_glob,
)
from disposer.retention.schedules import Schedule

# Bounds that no sane policy reaches; they catch typos (an extra zero) and absurd input early.
MAX_DAYS = 36_500  # 100 years: any older cutoff is "everything" and should be said with olderThanDays 0
MAX_KEEP_LATEST = 100_000
# Regexes in one policy, select.versionPattern and keep.versionPatterns together: each version may be
# matched against all of them, and each is compiled when the policy is read (patterns.py bounds each one).
MAX_POLICY_PATTERNS = 20
# One run's disposals: 100000 is 1000 calls of 100 at the 100 TPS write quota, i.e. minutes of work and
# far more than any policy should remove at once.
MAX_DISPOSALS_PER_RUN_LIMIT = 100_000
DEFAULT_MAX_DISPOSALS_PER_RUN = 1_000
DEFAULT_MAX_DISPOSALS_PERCENT = 100
MAX_GRACE_DAYS = 365
# keep.downloadedWithinDays: the ledger remembers downloads (and the trail's coverage) this long and more.
MAX_DOWNLOAD_WINDOW_DAYS = 365
# A run waiting for approval is aborted after this long (Step Functions' task timeout).
DEFAULT_APPROVAL_TIMEOUT_HOURS = 24
MAX_APPROVAL_TIMEOUT_HOURS = 168


UNLIMITED = (
    "select/keep: the policy would dispose every version of every matching package; set "
    "select.olderThanDays or select.versionPattern, or keep.latest, keep.latestPerMajor, keep.latestPerMinor, "
    "keep.newerThanDays or "
    'keep.versionPatterns (to dispose everything on purpose, set select.versionPattern ".*")'
)


def unlimited(entry: object) -> bool:
    """True if a policy's JSON sets none of the fields that limit it: what RetentionPolicy refuses, told
    apart from the JSON so that a file's check can name it beside the policy's field errors (which stop
    pydantic before the model's own checks run)."""
    if not isinstance(entry, dict):
        return False
    select, keep = entry.get("select", {}), entry.get("keep", {})
    if not isinstance(select, dict) or not isinstance(keep, dict):
        return False
    return (
        select.get("olderThanDays") is None
        and select.get("versionPattern") is None
        and not keep.get("latest")
        and not keep.get("latestPerMajor")
        and not keep.get("latestPerMinor")
        and not keep.get("newerThanDays")
        and not keep.get("versionPatterns")
    )


def duplicate_name(name: str, first: int, again: int) -> str:
    return f"duplicate policy name {name!r} (policies[{first}] and policies[{again}])"


class PolicyMode(StrEnum):
    PLAN = "plan"
    APPLY = "apply"


Days = Annotated[StrictInt, Field(ge=0, le=MAX_DAYS)]


class PolicyModel(BaseModel):
    """Base of the policy models: camelCase JSON, unknown fields are errors, values immutable."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        # Only the policy format's own (camelCase) names: `older_than_days` is an unknown field.
        validate_by_name=False,
        validate_by_alias=True,
        alias_generator=to_camel,
        serialize_by_alias=True,
    )


class SelectRule(PolicyModel):
    """Which versions are candidates: a version must match every field given."""

    statuses: Annotated[tuple[PackageVersionStatus, ...], Field(min_length=1)] = (
        PackageVersionStatus.PUBLISHED,
        PackageVersionStatus.UNLISTED,
        PackageVersionStatus.ARCHIVED,
    )
    older_than_days: Days | None = None
    version_pattern: Regex | None = None
    origins: Annotated[tuple[PackageVersionOriginType, ...], Field(min_length=1)] = tuple(PackageVersionOriginType)

    @field_validator("statuses")
    @classmethod
    def _only_disposable(cls, statuses: tuple[PackageVersionStatus, ...]) -> tuple[PackageVersionStatus, ...]:
        never = [s.value for s in statuses if s not in DISPOSABLE_STATUSES]
        if never:
            # Rejected rather than ignored: a policy that says "dispose Unfinished" must learn it never will.
            raise ValueError(
                f"{', '.join(never)} can never be disposed by a policy; use only Published, Unlisted, Archived"
            )
        return statuses

    def matches_version(self, version: str) -> bool:
        """True if `version` matches versionPattern (or there is none)."""
        return self.version_pattern is None or full_match(self.version_pattern, version)


def _check_count(patterns: object) -> object:
    # Before the items are compiled, so that a long list costs nothing to refuse.
    if isinstance(patterns, list | tuple) and len(patterns) > MAX_POLICY_PATTERNS:
        raise PatternTooComplexError(too_many_patterns(len(patterns)))
    return patterns


def too_many_patterns(count: int) -> str:
    return (
        f"pattern too complex: {count} regexes, at most {MAX_POLICY_PATTERNS} in a policy (with select.versionPattern)"
    )


class KeepRule(PolicyModel):
    """What is kept among the candidates; any one matching rule keeps a version."""

    latest: Annotated[StrictInt, Field(ge=0, le=MAX_KEEP_LATEST)] | None = None
    newer_than_days: Days | None = None
    version_patterns: Annotated[
        tuple[Regex, ...], Field(max_length=MAX_POLICY_PATTERNS), BeforeValidator(_check_count)
    ] = ()
    default_display_version: StrictBool = True
    # Keep a candidate downloaded within this many days (CloudTrail's ReadFromRepository events, recorded by
    # the usage recorder); while the trail's coverage of the window has a gap, every candidate is kept.
    downloaded_within_days: Annotated[StrictInt, Field(ge=1, le=MAX_DOWNLOAD_WINDOW_DAYS)] | None = None
    # Keep the N highest versions of each major (or major.minor) line, in the format's version order, among the
    # versions `latest` counts.
    latest_per_major: Annotated[StrictInt, Field(ge=1, le=MAX_KEEP_LATEST)] | None = None
    latest_per_minor: Annotated[StrictInt, Field(ge=1, le=MAX_KEEP_LATEST)] | None = None
    # Keep a candidate that a version remaining after the run depends on (retention/dependencies.py).
    dependencies: StrictBool = False

    def matching_pattern(self, version: str) -> str | None:
        """The first of versionPatterns that `version` matches in full, or None."""
        return next((p for p in self.version_patterns if full_match(p, version)), None)


class Quarantine(PolicyModel):
    """Archive a candidate first; dispose it only after `graceDays` in quarantine (and if nobody restored it)."""

    grace_days: Annotated[StrictInt, Field(ge=1, le=MAX_GRACE_DAYS)]


class Approval(PolicyModel):
    """A run of the policy stops once planned, until someone approves its plan (or rejects it, or time runs out)."""

    required: StrictBool = True
    timeout_hours: Annotated[StrictInt, Field(ge=1, le=MAX_APPROVAL_TIMEOUT_HOURS)] = DEFAULT_APPROVAL_TIMEOUT_HOURS


class RetentionPolicy(PolicyModel):
    """A retention policy: selectors, select rules, keep rules, limits.

    Guard: a policy must limit what it disposes. It needs at least one of select.olderThanDays,
    select.versionPattern, keep.latest >= 1, keep.newerThanDays >= 1 or keep.versionPatterns; otherwise
    it would dispose every version of every matching package (keep.defaultDisplayVersion spares only one
    version, and the package selectors only narrow which packages are wiped). To dispose everything on
    purpose, say so: select.olderThanDays 0 or select.versionPattern ".*".
    """

    name: Annotated[str, Field(pattern=POLICY_NAME_PATTERN)]
    schedule: Schedule | None = None
    mode: PolicyMode = PolicyMode.PLAN
    domain: DomainName
    domain_owner: AccountId | None = None
    repository: RepositoryGlob | None = None
    format: PackageFormat | None = None
    namespace: NamespaceGlob | None = None
    package: PackageGlob | None = None
    select: SelectRule = SelectRule()
    keep: KeepRule = KeepRule()
    max_disposals_per_run: Annotated[StrictInt, Field(ge=1, le=MAX_DISPOSALS_PER_RUN_LIMIT)] = (
        DEFAULT_MAX_DISPOSALS_PER_RUN
    )
    # The relative breaker: at most this percentage of the covered Published/Unlisted/Archived versions.
    max_disposals_percent: Annotated[StrictInt, Field(ge=1, le=100)] = DEFAULT_MAX_DISPOSALS_PERCENT
    quarantine: Quarantine | None = None
    # Scheduled and asynchronous runs (the workflow) wait for an approval of the plan before any write.
    approval: Approval | None = None

    @model_validator(mode="after")
    def _check_policy(self) -> Self:
        if self.format in NAMESPACE_FORBIDDEN and self.namespace is not None:
            raise ValueError(f"namespace: must be omitted for {self.format} packages (they have none)")
        limited = (
            self.select.older_than_days is not None
            or self.select.version_pattern is not None
            or bool(self.keep.latest)
            or bool(self.keep.latest_per_major)
            or bool(self.keep.latest_per_minor)
            or bool(self.keep.newer_than_days)
            or bool(self.keep.version_patterns)
        )
        if not limited:
            raise ValueError(UNLIMITED)
        patterns = len(self.keep.version_patterns) + (self.select.version_pattern is not None)
        if patterns > MAX_POLICY_PATTERNS:
            raise PatternTooComplexError(f"keep.versionPatterns: {too_many_patterns(patterns)}")
        return self

    @property
    def needs_approval(self) -> bool:
        return self.approval is not None and self.approval.required

    @property
    def literal_repository(self) -> str | None:
        """The one repository the policy names literally, or None (a glob, or every repository)."""
        return None if self.repository is None or is_glob(self.repository) else self.repository

    def matches_repository(self, repository: str) -> bool:
        """True if the repository name matches the policy's `repository` glob (or there is none)."""
        return glob_matches(self.repository, repository)

    def matches_format(self, package_format: PackageFormat) -> bool:
        """True if the policy has no `format` or it equals `package_format`."""
        return self.format is None or self.format == package_format

    def matches_namespace(self, namespace: str | None) -> bool:
        """True if the namespace matches the `namespace` glob; a package without one counts as ''."""
        return glob_matches(self.namespace, namespace)

    def matches_package_name(self, package: str) -> bool:
        """True if the package name matches the policy's `package` glob (or there is none)."""
        return glob_matches(self.package, package)

    def matches_package(self, ref: PackageRef) -> bool:
        """True if the package is one this policy governs (domain, owner, repository, format, names)."""
        return (
            ref.domain == self.domain
            # An owner stated by the policy must be the package's; unknown (None) does not match it.
            and (self.domain_owner is None or ref.domain_owner == self.domain_owner)
            and self.matches_repository(ref.repository)
            and self.matches_format(ref.format)
            and self.matches_namespace(ref.namespace)
            and self.matches_package_name(ref.package)
        )


class PolicyFile(PolicyModel):
    """The policies file: `{"policies": [...]}`, names unique (each names one EventBridge rule)."""

    policies: tuple[RetentionPolicy, ...]

    @field_validator("policies")
    @classmethod
    def _unique_names(cls, policies: tuple[RetentionPolicy, ...]) -> tuple[RetentionPolicy, ...]:
        first: dict[str, int] = {}
        for index, policy in enumerate(policies):
            if policy.name in first:
                raise ValueError(duplicate_name(policy.name, first[policy.name], index))
            first[policy.name] = index
        return policies
