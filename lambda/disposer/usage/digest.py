"""A CloudTrail digest file: the stretch of time it covers and the log files delivered in it.

With log file validation on, CloudTrail delivers a digest every hour for each account and region of the
trail, listing every log file it delivered in that hour (`logFiles`, empty in an hour without any), between
`digestStartTime` and `digestEndTime`. Only the fields coverage needs are read; the signature is not checked
(a digest someone forged could only claim coverage for files it names, each of which must still be read).
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from disposer.errors import TrailFileUnreadableError
from disposer.usage.stream import inflate

# A digest lists a file in about 200 bytes: this is over a hundred thousand files in an hour.
MAX_DIGEST_BYTES = 32 << 20
# A digest spans an hour; a few minutes more are tolerated, nothing like a day.
MAX_DIGEST_SPAN = timedelta(minutes=65)


@dataclass(frozen=True)
class TrailDigest:
    """[start, end) and the keys of the log files listed, each once, in the digest's order."""

    start: datetime
    end: datetime
    log_files: tuple[str, ...]


def read_digest(chunks: Iterable[bytes], name: str) -> TrailDigest:
    """The digest file's content; TrailFileUnreadableError naming the file if it is not one."""
    text = bytearray()
    for piece in inflate(chunks, name):
        text += piece
        if len(text) > MAX_DIGEST_BYTES:
            raise TrailFileUnreadableError(f"{name} is not a CloudTrail digest: over {MAX_DIGEST_BYTES} bytes")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise TrailFileUnreadableError(f"{name} is not a CloudTrail digest: {error}") from None
    if not isinstance(document, dict):
        raise TrailFileUnreadableError(f"{name} is not a CloudTrail digest: not a JSON object")
    start, end = _time(document, "digestStartTime", name), _time(document, "digestEndTime", name)
    if end <= start:
        raise TrailFileUnreadableError(f"{name} is not a CloudTrail digest: it ends at or before it starts")
    if end - start > MAX_DIGEST_SPAN:
        # CloudTrail delivers a digest an hour: one that claims more would vouch for hours no file of it holds.
        raise TrailFileUnreadableError(f"{name} is not a CloudTrail digest: it spans {end - start}, over an hour")
    return TrailDigest(start=start, end=end, log_files=_log_files(document, name))


def _time(document: dict[str, Any], field: str, name: str) -> datetime:
    value = document.get(field)
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise TrailFileUnreadableError(f"{name} is not a CloudTrail digest: {field} is {value!r}")
    return moment.astimezone(UTC)


def _log_files(document: dict[str, Any], name: str) -> tuple[str, ...]:
    listed = document.get("logFiles")
    if not isinstance(listed, list):
        raise TrailFileUnreadableError(f"{name} is not a CloudTrail digest: logFiles is not a list")
    keys: dict[str, None] = {}
    for index, entry in enumerate(listed):
        key = entry.get("s3Object") if isinstance(entry, dict) else None
        if not isinstance(key, str) or not key:
            raise TrailFileUnreadableError(f"{name} is not a CloudTrail digest: logFiles[{index}] has no s3Object")
        keys[key] = None
    return tuple(keys)
