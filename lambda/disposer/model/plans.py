"""What a plan is made of: one decision per version, grouped by package, with the rule behind it.

A dispose item is also the pinned disposal: the same `PlanItem` object goes from the engine (or a
`POST /dispose` request) to the parts of a workflow run (model/plan_lines.py) and on to the
DisposePackageVersions call, which pins it to `revision` and, when set, `expected_status`.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from disposer.model.packages import DISPOSABLE_STATUSES, PackageRef, PackageVersionStatus
from disposer.model.usage import Download

# The policy name of runs that follow no policy (`POST /dispose`): a metric dimension and a report field.
ON_DEMAND = "on-demand"


class Action(StrEnum):
    KEEP = "keep"
    DISPOSE = "dispose"
    # Quarantine: set to Archived now (pinned like a disposal), disposed by a later run after the grace.
    ARCHIVE = "archive"


class Rule(StrEnum):
    """The kind of rule that decided a version: a low-cardinality key for totals and metrics."""

    NOT_SELECTED_PACKAGE = "not-selected:package"
    NOT_SELECTED_STATUS = "not-selected:status"
    NOT_SELECTED_VERSION_PATTERN = "not-selected:version-pattern"
    NOT_SELECTED_ORIGIN = "not-selected:origin"
    NOT_SELECTED_AGE = "not-selected:age"
    KEEP_HOLD = "keep:hold"
    KEEP_LATEST = "keep:latest"
    KEEP_NEWER_THAN = "keep:newer-than"
    KEEP_VERSION_PATTERN = "keep:version-pattern"
    KEEP_DEFAULT_DISPLAY_VERSION = "keep:default-display-version"
    KEEP_NO_REVISION = "keep:no-revision"
    KEEP_NO_PUBLISH_TIME = "keep:no-publish-time"
    KEEP_IN_QUARANTINE = "keep:in-quarantine"
    KEEP_RESTORED = "keep:restored-from-quarantine"
    KEEP_DOWNLOADED = "keep:downloaded"
    KEEP_USAGE_UNKNOWN = "keep:usage-unknown"
    KEEP_DEPENDENCY = "keep:dependency"
    KEEP_DEPENDENCY_UNKNOWN = "keep:dependency-unknown"
    KEEP_LATEST_PER_LINE = "keep:latest-per-line"
    KEEP_NO_VERSION_ORDER = "keep:no-version-order"
    ARCHIVE_QUARANTINE = "archive:quarantine"
    DISPOSE_OLDER_THAN = "dispose:older-than"
    DISPOSE_VERSION_PATTERN = "dispose:version-pattern"
    DISPOSE_SELECTED = "dispose:selected"
    DISPOSE_REQUESTED = "dispose:requested"
    DISPOSE_AFTER_QUARANTINE = "dispose:after-quarantine"


REQUESTED_BY_CALLER = "requested by caller"


def within_percent(changes: int, covered: int, percent: int | None) -> bool:
    """True if `changes` is at most `percent`% of `covered` (exactly at the percentage is within)."""
    return percent is None or 100 * changes <= percent * covered


@dataclass(frozen=True, slots=True)
class PlanItem:
    """The decision on one version; for a dispose item, exactly what the disposal call pins."""

    ref: PackageRef
    version: str
    # The revision the plan saw (None: unknown, so the call is not pinned to one).
    revision: str | None
    # The status the plan saw (None for versions named by a caller, whose status was not read).
    status: PackageVersionStatus | None
    action: Action
    rule: Rule
    reason: str
    # Sent as expectedStatus: a version found in another status is then left alone (None: not pinned).
    expected_status: PackageVersionStatus | None = None
    # When it was published, where the run learnt it (described, or remembered in the ledger); shown to
    # people, never part of the decision's identity (equality, the digest, a part's encoding).
    published_time: datetime | None = field(default=None, compare=False)
    # The last download the recorder saw, for a policy with keep.downloadedWithinDays: shown, like the time.
    last_download: Download | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class PackagePlan:
    """The decisions for one package's versions, newest first."""

    ref: PackageRef
    items: tuple[PlanItem, ...]

    @property
    def disposals(self) -> tuple[PlanItem, ...]:
        return tuple(i for i in self.items if i.action is Action.DISPOSE)

    @property
    def archives(self) -> tuple[PlanItem, ...]:
        return tuple(i for i in self.items if i.action is Action.ARCHIVE)

    @property
    def changes(self) -> tuple[PlanItem, ...]:
        """What the run writes: disposals and archives (the caps count both)."""
        return tuple(i for i in self.items if i.action is not Action.KEEP)


@dataclass(frozen=True, slots=True)
class PlanTotals:
    packages: int
    versions: int
    keep: int
    dispose: int
    archive: int
    rules: Mapping[Rule, int]


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """What a plan read back from a workflow's shards covered: it holds only its writes, and this says the rest."""

    totals: PlanTotals
    # The Published, Unlisted and Archived versions of every package planned (maxDisposalsPercent's whole).
    covered: int


@dataclass(frozen=True, slots=True)
class Plan:
    """Decisions for every version of every package a run looked at, as of one clock reading.

    A plan merged from a workflow's shards carries only its writes (`packages` hold their dispose and
    archive items) and a `summary` of everything planned: its totals and covered count come from there.
    """

    policy: str
    as_of: datetime
    packages: tuple[PackagePlan, ...]
    summary: PlanSummary | None = None

    @property
    def items(self) -> tuple[PlanItem, ...]:
        return tuple(item for package in self.packages for item in package.items)

    @property
    def disposals(self) -> tuple[PlanItem, ...]:
        return tuple(item for package in self.packages for item in package.disposals)

    @property
    def disposal_count(self) -> int:
        return sum(len(package.disposals) for package in self.packages)

    @property
    def changes(self) -> tuple[PlanItem, ...]:
        return tuple(item for package in self.packages for item in package.changes)

    @property
    def change_count(self) -> int:
        """Disposals and archives: what maxDisposalsPerRun and maxDisposalsPercent count."""
        return sum(1 for package in self.packages for item in package.items if item.action is not Action.KEEP)

    @property
    def archive_count(self) -> int:
        return sum(len(package.archives) for package in self.packages)

    @property
    def covered(self) -> int:
        """The Published, Unlisted and Archived versions of the packages planned (maxDisposalsPercent's whole)."""
        if self.summary is not None:
            return self.summary.covered
        return sum(1 for item in self.items if item.status in DISPOSABLE_STATUSES)

    @property
    def totals(self) -> PlanTotals:
        if self.summary is not None:
            return self.summary.totals
        items = self.items
        actions = Counter(i.action for i in items)
        rules = Counter(i.rule for i in items)
        return PlanTotals(
            packages=len(self.packages),
            versions=len(items),
            keep=actions[Action.KEEP],
            dispose=actions[Action.DISPOSE],
            archive=actions[Action.ARCHIVE],
            rules={rule: rules[rule] for rule in Rule if rules[rule]},
        )
