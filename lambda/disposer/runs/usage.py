"""A run's view of downloads, for a policy with keep.downloadedWithinDays: the trail's coverage, read once, and
each package's downloads, read as its ages are.

The coverage that must hold runs from the window's start (the decision clock less N days) to an hour before
the decision clock, or before the function's own less an hour if the decision clock was set back further: a
run whose clock is set back (--as-of) still needs every later hour covered, as a download after its clock keeps
a version too. What cannot
be read is unknown, and unknown usage keeps every candidate it touches: a gap or a coverage read that fails
keeps the whole run's, a package whose downloads cannot be read keeps its own.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from disposer.errors import LedgerError
from disposer.model.packages import PackageRef, VersionSummary
from disposer.model.quarantine import QuarantineRecord
from disposer.model.usage import Download, PackageUsage, first_gap
from disposer.observability import logger
from disposer.ports import Ledger
from disposer.retention.policy import RetentionPolicy
from disposer.retention.selection import not_selected
from disposer.retention.usage import window_start

# The trail's last hour is not waited for: its files may still be on their way (CloudTrail delivers a log file
# about every 5 minutes, and the hour's digest after the hour).
SETTLING = timedelta(hours=1)
# How far behind the function's own clock a run's clock may be before later hours must be covered too.
BACKDATING = timedelta(hours=1)
NOTHING_SELECTED = PackageUsage()


def coverage_window(policy: RetentionPolicy, now: datetime, trusted: datetime) -> tuple[datetime, datetime] | None:
    """The stretch the trail must cover for this run to trust its downloads (None: the policy has no usage rule):
    [clock - N days, clock - 1 hour], the clock being the run's, or the function's own less BACKDATING if that is
    later (a workflow's shard minutes after its event needs no more than the event's hour; a clock set back by
    days still needs every later hour)."""
    start = window_start(policy, now)
    if start is None:
        return None
    return start, max(now, trusted - BACKDATING) - SETTLING


@dataclass(frozen=True)
class UsageReader:
    """Downloads for one run: `gap` says why none can be trusted (then no package's are read)."""

    ledger: Ledger
    policy: RetentionPolicy
    gap: str | None

    @classmethod
    def for_run(cls, ledger: Ledger, policy: RetentionPolicy, now: datetime, trusted: datetime) -> "UsageReader":
        window = coverage_window(policy, now, trusted)
        if window is None:
            raise ValueError(f"policy {policy.name!r} has no keep.downloadedWithinDays")
        return cls(ledger, policy, _gap(ledger, *window))

    def of(
        self, ref: PackageRef, versions: Iterable[VersionSummary], quarantine: Mapping[str, QuarantineRecord]
    ) -> PackageUsage:
        """The package's usage: unknown across a gap, read from the ledger where a version is selected (one
        Query), nothing to read where none is (no version's decision can turn on its downloads)."""
        if self.gap is not None:
            return PackageUsage.unknown(self.gap)
        selected = self.policy.matches_package(ref) and any(
            not_selected(self.policy, version, quarantine.get(version.version)) is None for version in versions
        )
        if not selected:
            return NOTHING_SELECTED
        try:
            return PackageUsage(downloads=self.ledger.downloads(ref))
        except LedgerError as error:
            logger.warning("downloads not read", package=ref.package, error_message=error.message)
            return PackageUsage.unknown("its downloads could not be read from the ledger")


def _gap(ledger: Ledger, start: datetime, end: datetime) -> str | None:
    """Why the trail's coverage of [start, end] cannot be trusted, or None if every instant of it is covered."""
    try:
        covered = ledger.covered(start, end)
    except LedgerError as error:
        logger.warning("the trail's coverage not read", error_message=error.message)
        return "the trail's coverage could not be read from the ledger"
    gap = first_gap(covered, start, end)
    if gap is None:
        return None
    return f"the trail's coverage has a gap from {gap.strftime('%Y-%m-%d %H:%M UTC')}"


@dataclass(frozen=True)
class UsageReport:
    """A package's downloads as an operator asks for them (`usage show`): each version's last download, and
    whether the trail covers the window, so that "no download" can be told from "not seen"."""

    window_start: datetime
    window_end: datetime
    gap: str | None
    downloads: Mapping[str, Download]


def usage_report(ledger: Ledger, ref: PackageRef, days: int, now: datetime) -> UsageReport:
    """The package's last downloads and the coverage of the `days` before `now` (its last hour excepted)."""
    start, end = now - timedelta(days=days), now - SETTLING
    return UsageReport(start, end, _gap(ledger, start, end), ledger.downloads(ref))
