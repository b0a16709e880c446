"""The ledger's usage items: the latest download of each version, and the trail's coverage.

- `pk` `usage#<the package's partition>` (ledger/table.py's `package_key`), `sk` the version: the latest
  download the recorder saw (`at`, epoch seconds; `principal`, the caller's ARN), written only forward (a
  conditional update), expiring `USAGE_DAYS` after it. A partition of their own, apart from the package's
  (publish times, quarantine records), so that the recorder's role can be held by IAM's
  `dynamodb:LeadingKeys` to the partitions it writes and never touch what decides a disposal;
- `pk` `coverage`, `sk` `<start>#digest#<digest file key>`: one digest file of the trail, covering
  [`start`, `end`), with `pending`, the number of the log files it lists not yet processed (covered at 0),
  and `waiting`, those files' ids (a set, gone once empty: it makes each file count once, ledger/usage_store.py);
  `sk` `<start>#backfill`: one hour a backfill read whole (`pending` 0). `<start>` is ISO 8601 in UTC to the
  second (`2026-11-25T03:00:00Z`), so the sort key orders the stretches by time;
- `pk` `trailfile#<log file key>`, `sk` `file`: one log file: `processed` once read whole, `digest` (the sort
  keys of the digests' items) once a digest listed it (whichever of the two steps comes second counts the file
  toward its digest).
"""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from disposer.model.usage import Covered, Download

USAGE_PREFIX = "usage#"
COVERAGE_KEY = "coverage"
TRAIL_FILE_PREFIX = "trailfile#"
TRAIL_FILE_SORT = "file"
DIGEST_SOURCE = "digest"
BACKFILL_SOURCE = "backfill"
# Downloads and coverage outlive the longest window (keep.downloadedWithinDays at most 365) by a month.
USAGE_DAYS = 400
# A digest spans about an hour: one that starts this long before a window still reaches into it.
DIGEST_REACH = timedelta(hours=2)


def stamp(moment: datetime) -> str:
    """A sort key's time: ISO 8601 in UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def usage_partition(package_key: str) -> str:
    """The partition of a package's downloads."""
    return f"{USAGE_PREFIX}{package_key}"


def usage_key(package_key: str, version: str) -> dict[str, Any]:
    return {"pk": {"S": usage_partition(package_key)}, "sk": {"S": version}}


def coverage_range(start: datetime, end: datetime) -> tuple[str, str]:
    """The sort keys between which lie every stretch that can overlap [start, end]."""
    return stamp(start - DIGEST_REACH), f"{stamp(end)}~"


def read_download(item: Mapping[str, Any]) -> tuple[str, Download] | None:
    """A usage item's version and download, or None if it does not parse (that version counts as not downloaded:
    the coverage, not this item, is what keeps a run safe, and an item is only ever written by the recorder)."""
    try:
        version = str(item["sk"]["S"])
        at = datetime.fromtimestamp(float(item["at"]["N"]), UTC)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    principal = item.get("principal", {}).get("S")
    return version, Download(at=at, principal=principal)


def read_covered(item: Mapping[str, Any]) -> Covered | None:
    """A coverage item's stretch if it is covered (nothing pending), else None (so is one that does not parse)."""
    try:
        if int(item["pending"]["N"]) != 0:
            return None
        start = datetime.fromtimestamp(float(item["start"]["N"]), UTC)
        end = datetime.fromtimestamp(float(item["end"]["N"]), UTC)
        source = BACKFILL_SOURCE if str(item["sk"]["S"]).endswith(f"#{BACKFILL_SOURCE}") else DIGEST_SOURCE
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    return Covered(start=start, end=end, source=source) if end > start else None
