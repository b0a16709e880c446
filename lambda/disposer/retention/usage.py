"""keep.downloadedWithinDays: a candidate downloaded within the window is kept, and every candidate is kept
while usage is unknown (the trail's coverage of the window has a gap, or the package's downloads could not be
read). Usage only ever adds keeps: it never makes a version a candidate.

The window is [now - N days, now]: a download exactly at the cutoff counts (when in doubt, keep). The coverage
that must hold is [now - N days, now - 1 hour] (the last hour's files may still be on their way), checked by
the planner once per run (runs/usage.py), which hands the engine each package's `PackageUsage`.
"""

from datetime import datetime, timedelta

from disposer.model.packages import PackageFormat
from disposer.model.plans import Rule
from disposer.model.usage import PackageUsage
from disposer.retention.policy import RetentionPolicy
from disposer.retention.wording import days

NOT_READ = PackageUsage.unknown("downloads not read")


def window_start(policy: RetentionPolicy, now: datetime) -> datetime | None:
    """The earliest download that counts, or None for a policy without keep.downloadedWithinDays."""
    window = policy.keep.downloaded_within_days
    return None if window is None else now - timedelta(days=window)


def usage_keep(
    policy: RetentionPolicy, usage: PackageUsage | None, package_format: PackageFormat, version: str, now: datetime
) -> tuple[Rule, str] | None:
    """Why keep.downloadedWithinDays keeps a candidate, or None if it does not (or the policy has no such rule)."""
    start = window_start(policy, now)
    if start is None:
        return None
    known = usage or NOT_READ
    if known.gap is not None:
        return Rule.KEEP_USAGE_UNKNOWN, f"kept: usage unknown ({known.gap})"
    download = known.of(package_format, version)
    if download is None or download.at < start:
        return None
    by = f" by {download.principal}" if download.principal else ""
    window = days(policy.keep.downloaded_within_days)
    return Rule.KEEP_DOWNLOADED, f"kept: downloaded {_when(download.at)}{by} (within {window})"


def not_downloaded(policy: RetentionPolicy) -> str | None:
    """What a disposal's reason adds for a policy with the rule: the candidate was not downloaded in the window."""
    window = policy.keep.downloaded_within_days
    return None if window is None else f"not downloaded within {days(window)}"


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
