"""What is known of downloads: a version's last download, the trail's coverage, and a package's usage as the
engine reads it (keep.downloadedWithinDays).

A download is a CloudTrail `ReadFromRepository` event with a version and no error code; the recorder keeps
the latest one per version in the ledger. Coverage says which stretches of time the recorder has seen every
log file of: a stretch is covered once the trail's digest for it, and every log file that digest lists,
have been processed (or once a backfill read every event of an hour).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from disposer.model.names import canonical_version
from disposer.model.packages import PackageFormat

# Covered stretches closer than this are one stretch: CloudTrail's digests follow one another end to start.
JOIN_TOLERANCE = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class Download:
    """The latest download seen of one version: when, and by whom (the caller's ARN, None if unknown)."""

    at: datetime
    principal: str | None = None


@dataclass(frozen=True, slots=True)
class Covered:
    """A stretch of time [start, end) whose events the recorder has all seen, and what vouched for it."""

    start: datetime
    end: datetime
    # "digest" (a digest file and every log file it lists) or "backfill" (an hour read whole by LookupEvents).
    source: str = "digest"


def first_gap(covered: Sequence[Covered], start: datetime, end: datetime) -> datetime | None:
    """The first instant of [start, end) that no covered stretch contains, or None if all of it is covered."""
    reached = start
    for stretch in sorted(covered, key=lambda c: c.start):
        if reached >= end or stretch.start > reached + JOIN_TOLERANCE:
            break
        reached = max(reached, stretch.end)
    return None if reached >= end else reached


@dataclass(frozen=True)
class PackageUsage:
    """A package's downloads as a run knows them: by version, or why they cannot be trusted.

    `gap` set: usage is unknown (the trail's coverage has a gap, or the downloads could not be read), and
    keep.downloadedWithinDays keeps every candidate.
    """

    downloads: Mapping[str, Download] = field(default_factory=dict)
    gap: str | None = None

    @classmethod
    def unknown(cls, why: str) -> "PackageUsage":
        return cls(gap=why)

    def of(self, package_format: PackageFormat, version: str) -> Download | None:
        """The last download of `version` as CodeArtifact lists it (downloads are recorded in its stored form)."""
        return self.downloads.get(canonical_version(package_format, version))


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """One page of CloudTrail's event history: each event's `CloudTrailEvent` (the record as JSON text), and the
    token of the next page (None: this was the last)."""

    events: tuple[str, ...]
    next_token: str | None = None
