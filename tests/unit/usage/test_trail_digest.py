"""A CloudTrail digest file: the hour it covers and the log files it lists (each once, possibly none); anything
else is refused naming the file."""

import gzip
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from disposer.errors import TrailFileUnreadableError
from disposer.usage.digest import read_digest
from local.trail.files import TrailWriter

START = datetime(2026, 3, 1, 5, 0, 12, tzinfo=UTC)
WRITER = TrailWriter(s3=None, bucket="trail")


def document(listed: list[str]) -> dict[str, Any]:
    end = START + timedelta(hours=1)
    return WRITER.digest_document(WRITER.digest_key(end), START, end, listed)


def test_read_digest_its_stretch_and_its_files_in_order():
    # GIVEN a digest as CloudTrail writes it, listing three files (one twice)
    listed = [WRITER.log_key(START + timedelta(minutes=m)) for m in (5, 10, 15)]
    data = gzip.compress(json.dumps(document([*listed, listed[0]])).encode())
    # WHEN read / THEN its start and end, and each file once, in the digest's order
    digest = read_digest([data[:10], data[10:]], "d.json.gz")
    assert (digest.start, digest.end, digest.log_files) == (START, START + timedelta(hours=1), tuple(listed))


def test_read_digest_of_an_hour_without_log_files():
    digest = read_digest([gzip.compress(json.dumps(document([])).encode())], "d.json.gz")
    assert digest.log_files == () and digest.end - digest.start == timedelta(hours=1)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"digestStartTime": None}, "digestStartTime is None"),
        ({"digestEndTime": "soon"}, "digestEndTime is 'soon'"),
        ({"digestEndTime": "2026-03-01T06:00:12"}, "digestEndTime"),
        ({"digestEndTime": "2026-03-01T04:00:00Z"}, "ends at or before it starts"),
        ({"logFiles": None}, "logFiles is not a list"),
        ({"logFiles": [{"s3Bucket": "trail"}]}, "logFiles[0] has no s3Object"),
        ({"logFiles": ["key"]}, "logFiles[0] has no s3Object"),
    ],
)
def test_read_digest_not_a_digest_is_refused_naming_the_file(change: dict[str, Any], says: str):
    data = gzip.compress(json.dumps(document([]) | change).encode())
    with pytest.raises(TrailFileUnreadableError, match="trail/d.json.gz") as raised:
        read_digest([data], "trail/d.json.gz")
    assert says in raised.value.message


@pytest.mark.parametrize(
    "data",
    [b"{}", gzip.compress(b"not json", mtime=0), gzip.compress(b"[1]", mtime=0), gzip.compress(b"", mtime=0)],
    ids=["not-gzip", "not-json", "not-an-object", "empty"],
)
def test_read_digest_not_gzip_or_not_json_is_refused(data: bytes):
    with pytest.raises(TrailFileUnreadableError, match="d.json.gz"):
        read_digest([data], "d.json.gz")


def test_read_digest_refuses_a_window_longer_than_an_hour():
    # GIVEN a digest claiming ten years with no files / THEN it covers nothing: it is not CloudTrail's
    data = gzip.compress(json.dumps(document([]) | {"digestEndTime": "2036-03-01T06:00:00Z"}).encode())
    with pytest.raises(TrailFileUnreadableError, match="over an hour"):
        read_digest([data], "d.json.gz")
