"""A gzipped CloudTrail log file read record by record: whatever the pieces the bytes arrive in, whatever the
whitespace, in memory that does not grow with the file; a file that is not one says which and where, after
yielding the records it held before the fault."""

import gzip
import io
import json
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from disposer.errors import TrailFileUnreadableError
from disposer.usage import stream
from disposer.usage.stream import read_records
from local.trail.files import gzipped_records
from local.trail.records import TrailRead, other_service_record, read_record

AT = datetime(2026, 3, 1, 5, 0, tzinfo=UTC)
RECORDS = [
    read_record(TrailRead("npm", "ui-kit", "1.0.0", AT, namespace="acme")),
    other_service_record(AT, 1),
    {"eventName": "Ünïcödé ✓ 𝄞", "n": [1, -2.5e-3, None, True, False], "nested": {"a": {"b": [{}]}}},
    read_record(TrailRead("maven", "core", "2.0", AT, namespace="com.acme")),
]


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(max(cut, 0), len(data)) for cut in cuts} | {0, len(data)})
    return [data[a:b] for a, b in zip(points, points[1:], strict=False)]


def file_of(text: str) -> bytes:
    return gzip.compress(text.encode())


@settings(max_examples=200, deadline=None)
@given(cuts=st.lists(st.integers(0, 4000), max_size=40), piece=st.sampled_from([1, 3, 64, 1 << 16]))
def test_read_records_any_split_of_the_bytes_gives_the_same_records(cuts: list[int], piece: int):
    # GIVEN a file cut at arbitrary bytes, decompressed in pieces as small as one byte
    data = file_of(json.dumps({"Records": RECORDS}))
    original = stream.PIECE_BYTES
    stream.PIECE_BYTES = piece
    try:
        # WHEN read / THEN every record, in order, exactly as json.loads reads them
        assert list(read_records(split(data, cuts), "f.json.gz")) == RECORDS
    finally:
        stream.PIECE_BYTES = original


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"Records": RECORDS}, indent=2),
        json.dumps({"Records": RECORDS}, indent="\t").replace("\n", "\r\n"),
        " \n\t" + json.dumps({"Records": RECORDS}, separators=(",", ":")) + "\n\n",
        # Records need not be the only member nor the first; other members are read past.
        json.dumps({"version": 1.5, "Records": RECORDS, "digest": {"logFiles": [1, 2]}, "n": 1234567890}),
        "\ufeff" + json.dumps({"Records": RECORDS}),
    ],
    ids=["indented", "tabs and CRLF", "compact with space around", "other members", "byte order mark"],
)
def test_read_records_whitespace_and_other_members_do_not_matter(text: str):
    assert list(read_records([file_of(text)], "f.json.gz")) == RECORDS


def test_read_records_number_cut_by_a_piece_is_read_whole(monkeypatch: pytest.MonkeyPatch):
    # GIVEN a member whose number the decompression cuts after each digit
    monkeypatch.setattr(stream, "PIECE_BYTES", 1)
    text = '{"n": 1234567890, "Records": [{"a": 1}]}'
    assert list(read_records([file_of(text)], "f")) == [{"a": 1}]


@pytest.mark.parametrize("text", ['{"Records": []}', '{"Records":[ ]}', '{"Records": [], "x": null}'])
def test_read_records_empty_file(text: str):
    assert list(read_records([file_of(text)], "f")) == []


def test_read_records_gzip_members_in_a_row_and_zero_padding():
    text = json.dumps({"Records": RECORDS}).encode()
    data = gzip.compress(text[:100]) + gzip.compress(text[100:]) + b"\0" * 32
    assert list(read_records([data], "f")) == RECORDS


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "ends before its gzip stream does"),
        (b'{"Records": []}', "is not gzip"),
        (gzip.compress(b'{"Records": []}', mtime=0)[:-9], "ends before its gzip stream does"),
        (gzip.compress(b'["not", "an object"]', mtime=0), "expected the file's opening '{' at character 0"),
        (gzip.compress(b'{"records": [{}]}', mtime=0), "no Records array"),
        (gzip.compress(b'{"Records": {"a": 1}}', mtime=0), "expected the Records array's '['"),
        (gzip.compress(b'{"Records": [{"a": 1}] x', mtime=0), "expected ',' or the file's closing '}'"),
        (gzip.compress(b'{"Records": []} {}', mtime=0), "text after the file's closing '}' at character 16"),
        (gzip.compress(b'{"Records": [{"a": 1}, {"b": 2} {"c": 3}]}', mtime=0), "expected ',' or ']' after a record"),
        (gzip.compress('{"Records": ["é"]}'.encode("latin-1"), mtime=0), "not UTF-8"),
    ],
)
def test_read_records_not_a_log_file_says_which_and_where(data: bytes, says: str):
    with pytest.raises(TrailFileUnreadableError, match="trail/f.json.gz") as raised:
        list(read_records([data], "trail/f.json.gz"))
    assert says in raised.value.message


def test_read_records_corrupt_record_names_its_position_and_keeps_the_records_before():
    # GIVEN 300 good records, then one broken in its middle, then more
    good = [{"eventName": f"e{i}", "pad": "x" * 200} for i in range(300)]
    text = json.dumps({"Records": good})[:-2] + ', {"eventName": "bad" "pad": 1}, {"a": 1}]}'
    position = text.index('"pad": 1}')
    read: list[Any] = []
    # WHEN read / THEN the 300 records came first, and the error names the character where the text breaks
    with pytest.raises(TrailFileUnreadableError) as raised:
        for record in read_records(split(file_of(text), list(range(0, 100_000, 997))), "f"):
            read.append(record)
    assert read == good
    assert f"Expecting ',' delimiter at character {position}" in raised.value.message
    assert "after 300 records" in raised.value.message


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.99])
def test_read_records_truncated_file_yields_what_it_holds_then_fails(keep: float):
    # GIVEN a file whose gzip stream is cut short (a partial upload)
    records = [{"i": i, "pad": "y" * 50} for i in range(2000)]
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    whole = compressor.compress(json.dumps({"Records": records}).encode()) + compressor.flush(zlib.Z_FULL_FLUSH)
    cut = whole[: int(len(whole) * keep)]
    read: list[Any] = []
    with pytest.raises(TrailFileUnreadableError, match="f.json.gz"):
        for record in read_records([cut], "f.json.gz"):
            read.append(record)
    # THEN what was read is a prefix of the records (none invented, none out of order)
    assert read == records[: len(read)]


def test_read_records_a_record_past_the_cap_is_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(stream, "MAX_RECORD_CHARS", 10_000)
    monkeypatch.setattr(stream, "PIECE_BYTES", 1024)
    text = json.dumps({"Records": [{"a": 1}, {"big": "z" * 50_000}]})
    read: list[Any] = []
    with pytest.raises(TrailFileUnreadableError, match="a value longer than 10000 characters"):
        for record in read_records([file_of(text)], "f"):
            read.append(record)
    assert read == [{"a": 1}]


def _peak_bytes_reading(megabytes: int) -> tuple[int, int]:
    """The parser's traced peak while reading a file of about `megabytes` of JSON, and the records read."""
    one = json.dumps(other_service_record(AT, 3))
    count = megabytes * (1 << 20) // len(one)
    data = b"".join(gzipped_records(other_service_record(AT, i) for i in range(count)))
    source = io.BytesIO(data)
    # Pieces smaller than even the small file's compressed size, so both are read the same way.
    chunks: Iterator[bytes] = iter(lambda: source.read(1 << 15), b"")
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        read = sum(1 for _ in read_records(chunks, "big.json.gz"))
        return tracemalloc.get_traced_memory()[1], read
    finally:
        tracemalloc.stop()


def test_read_records_memory_does_not_grow_with_the_file():
    # GIVEN files of 2 MB and of 20 MB of JSON
    small, small_read = _peak_bytes_reading(2)
    large, large_read = _peak_bytes_reading(20)
    # THEN both were read whole, and the larger one's peak is the smaller's within a constant (a few pieces)
    assert large_read >= 9 * small_read
    assert large < small + 128 * 1024, (small, large)
    assert large < 1 << 20, large
