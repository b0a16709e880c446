"""CloudTrail's event history as a backfill reads it: which hours it may ask for, and its events as downloads.

Event history (LookupEvents) keeps an account's management events of one region for 90 days, downloads
(`ReadFromRepository`) among them, each as the record a trail would deliver (`CloudTrailEvent`, JSON text).
A backfill reads it an hour at a time, so that an hour read to its last page vouches for itself (coverage,
ledger/usage.py's `<start>#backfill`). Hours it may not ask for are refused here, naming the field:
- more than 90 days ago: event history no longer holds all of them (an hour partly gone would look complete);
- later than an hour before now: CloudTrail delivers an event within about 15 minutes of the call (its
  documented typical delay), so the last hour may still be arriving;
- not whole hours, or none: coverage is kept by the hour.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from disposer.errors import BackfillRangeError
from disposer.usage.cloudtrail import DownloadScope, Skipped, TrailDownload, read_download

HOUR = timedelta(hours=1)
HISTORY_DAYS = 90
# The newest hour a backfill may read ends this long before now.
SETTLING = timedelta(hours=1)
# LookupEvents answers at most 50 events a page.
PAGE_EVENTS = 50


@dataclass(frozen=True, slots=True)
class HourRange:
    """Whole hours [start, end), in UTC."""

    start: datetime
    end: datetime

    def hours(self) -> Iterator[datetime]:
        """The start of each hour, oldest first."""
        hour = self.start
        while hour < self.end:
            yield hour
            hour += HOUR

    def __len__(self) -> int:
        return int((self.end - self.start) / HOUR)


def backfill_range(start: datetime, end: datetime, now: datetime, *, field: str = "backfill") -> HourRange:
    """[start, end) if event history can vouch for every hour of it at `now`; BackfillRangeError naming the field
    (`<field>.from` or `<field>.to`) otherwise."""
    for name, moment in (("from", start), ("to", end)):
        if moment.tzinfo is None:
            raise BackfillRangeError(f"{field}.{name}: {moment.isoformat()} has no time zone")
        if moment.astimezone(UTC) != whole_hour(moment):
            raise BackfillRangeError(
                f"{field}.{name}: {_shown(moment)} is not a whole hour (like 2026-11-25T03:00:00Z)"
            )
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    oldest = now - timedelta(days=HISTORY_DAYS)
    if start < oldest:
        raise BackfillRangeError(
            f"{field}.from: {_shown(start)} is more than {HISTORY_DAYS} days ago (event history keeps events "
            f"{HISTORY_DAYS} days: the oldest hour it still holds whole starts {_shown(first_hour_held(now))})"
        )
    newest = now - SETTLING
    if end > newest:
        raise BackfillRangeError(
            f"{field}.to: {_shown(end)} is later than an hour before now ({_shown(newest)}): the hour's events may "
            "still be arriving"
        )
    if end <= start:
        raise BackfillRangeError(f"{field}.to: {_shown(end)} is not after {field}.from ({_shown(start)}): no hour")
    return HourRange(start, end)


def whole_hour(moment: datetime) -> datetime:
    """The start of the hour `moment` is in, in UTC."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def first_hour_held(now: datetime) -> datetime:
    """The oldest whole hour event history still holds at `now`."""
    oldest = now - timedelta(days=HISTORY_DAYS)
    floor = whole_hour(oldest)
    return floor if floor == oldest else floor + HOUR


def last_hour_end(now: datetime) -> datetime:
    """The end of the newest hour a backfill may read at `now`."""
    return whole_hour(now - SETTLING)


def read_event(text: str, scope: DownloadScope) -> TrailDownload | Skipped:
    """The download an event of event history is (its `CloudTrailEvent`), or why it is not one."""
    try:
        record = json.loads(text)
    except (TypeError, ValueError):
        return Skipped.MALFORMED
    return read_download(record, scope)


def _shown(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
