"""The ledger table's remembered publish times (one compressed item per package, read 100 packages a request,
in chunks past 350 KB, the earlier one-item-per-time form still read) and its quarantine records. DynamoDB
is moto's in-process mock."""

import zlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from disposer.errors import LedgerError
from disposer.ledger import batch, chunked, memory
from disposer.ledger.table import LedgerTable, legacy_package_key, package_key
from disposer.model.memory import TimesSource
from disposer.model.packages import PackageFormat, PackageRef, PackageVersionStatus
from disposer.model.quarantine import QuarantineRecord
from tests.builders import NOW, REF
from tests.support import dynamodb_requests

OTHER = PackageRef("acme", "111122223333", "releases", PackageFormat.NPM, None, "ui-kit")


def _packages(count: int) -> list[PackageRef]:
    return [PackageRef("acme", None, "releases", PackageFormat.NPM, None, f"pkg-{i:04d}") for i in range(count)]


def _requests(table: LedgerTable) -> Counter[str]:
    return dynamodb_requests(table._client)  # noqa: SLF001 - the same mock


def _put(table: LedgerTable, item: dict[str, Any]) -> None:
    table._client.put_item(TableName=table.name, Item=item)  # noqa: SLF001 - the same mock


def test_ledger_publish_times_read_back_exactly_by_version_and_revision(ledger_table: LedgerTable):
    # GIVEN 60 publish times stored, to the microsecond, a revision containing '#', one before 1970
    times = {(f"1.0.{i}", f"rev#{i}"): datetime(2026, 1, 1 + i % 28, 12, 0, 0, 250001 + i, UTC) for i in range(60)}
    times[("0.0.1", "old")] = datetime(1969, 7, 20, 20, 17, 40, 7, UTC)
    ledger_table.store_publish_times({REF: times}, now=1.0)
    # WHEN read back with another package
    found = ledger_table.remembered_times([REF, OTHER])
    # THEN each time is there exactly, and the other package has none of its own (nothing stored)
    assert (found[REF].source, found[REF].times) == (TimesSource.STORED, times)
    assert (found[OTHER].source, found[OTHER].times) == (TimesSource.ABSENT, {})


def test_ledger_store_replaces_what_was_stored(ledger_table: LedgerTable):
    ledger_table.store_publish_times({REF: {("1.0.0", "a"): NOW}}, now=1.0)
    ledger_table.store_publish_times({REF: {("1.0.1", "b"): NOW}}, now=1.0)
    assert ledger_table.remembered_times([REF])[REF].times == {("1.0.1", "b"): NOW}


def test_ledger_writes_200_packages_in_8_requests_and_reads_250_in_3(ledger_table: LedgerTable):
    # GIVEN 250 packages
    refs = _packages(250)
    sent = _requests(ledger_table)
    # WHEN 200 have their times stored / THEN 25 packages a BatchWriteItem
    ledger_table.store_publish_times({ref: {(ref.package, "r"): NOW} for ref in refs[:200]}, now=1.0)
    assert sent == Counter({"BatchWriteItem": 8})
    # WHEN all are read / THEN 100 packages a BatchGetItem
    sent.clear()
    found = ledger_table.remembered_times(refs)
    assert sent == Counter({"BatchGetItem": 3})
    assert all(found[ref].times == {(ref.package, "r"): NOW} for ref in refs[:200])
    assert {found[ref].source for ref in refs[200:]} == {TimesSource.ABSENT}


def test_ledger_memory_past_the_chunk_size_spans_items_and_reads_back_whole(
    ledger_table: LedgerTable, monkeypatch: pytest.MonkeyPatch
):
    # GIVEN chunks of 1 KB, and a package whose compressed times take several
    monkeypatch.setattr(chunked, "CHUNK_BYTES", 1024)
    times = {(f"{i}.0.0", f"{i * 7919:x}{i}"): NOW - timedelta(seconds=i * 4099) for i in range(800)}
    sent = _requests(ledger_table)
    ledger_table.store_publish_times({REF: times, OTHER: {("1.0.0", "r"): NOW}}, now=1.0)
    writes, chunks = Counter(sent), int(_item(ledger_table, 0)["chunks"]["N"])
    # (its chunks put one by one, the first last; the other package's memory in a batch)
    assert chunks > 2 and writes == Counter({"PutItem": chunks, "BatchWriteItem": 1})
    # WHEN read with 150 other packages / THEN the package's times read back whole, in one request more
    sent.clear()
    found = ledger_table.remembered_times([REF, *_packages(150)])
    assert found[REF].times == times
    assert sent == Counter({"BatchGetItem": 3})


def _item(table: LedgerTable, chunk: int) -> dict[str, Any]:
    answer = table._client.get_item(TableName=table.name, Key=memory.memory_key(package_key(REF), chunk))  # noqa: SLF001
    item: dict[str, Any] = answer["Item"]
    return item


def test_ledger_memory_whose_chunks_are_of_two_writes_is_damaged_never_mixed(
    ledger_table: LedgerTable, monkeypatch: pytest.MonkeyPatch
):
    # GIVEN a memory of several chunks, then its chunk 1 overwritten by another write's (a write half done)
    monkeypatch.setattr(chunked, "CHUNK_BYTES", 512)
    many = {(f"{i}.0.0", f"{i * 7919:x}"): NOW - timedelta(seconds=i * 4099) for i in range(400)}
    ledger_table.store_publish_times({REF: many}, now=1.0)
    _put(ledger_table, {**_item(ledger_table, 1), "generation": {"S": "another-write"}})
    # WHEN read / THEN nothing of it is used, and the run is told why
    found = ledger_table.remembered_times([REF])[REF]
    assert (found.source, found.times) == (TimesSource.DAMAGED, {})
    assert found.problem is not None and "another write" in found.problem


@pytest.mark.parametrize(
    "change",
    [
        {"times": {"B": b"not zlib"}},
        {"times": {"B": zlib.compress(b'[["1.0.0"],["r"],[1, 2]]')}},
        {"times": {"B": zlib.compress(b'[["1.0.0"],["r"],["1"]]')}},
        {"chunks": {"N": "2"}},
        {"chunks": {"N": "1000000"}},
        {"format": {"N": "2"}},
    ],
    ids=["bytes", "columns", "types", "chunk-missing", "chunks-absurd", "format"],
)
def test_ledger_memory_that_does_not_decode_is_damaged(ledger_table: LedgerTable, change: dict[str, Any]):
    ledger_table.store_publish_times({REF: {("1.0.0", "r"): NOW}}, now=1.0)
    _put(ledger_table, {**_item(ledger_table, 0), **change})
    found = ledger_table.remembered_times([REF])[REF]
    assert (found.source, found.times, found.writable) == (TimesSource.DAMAGED, {}, True)


def test_ledger_times_an_earlier_version_stored_read_for_a_package_without_memory(ledger_table: LedgerTable):
    # GIVEN publish times stored one item each, as an earlier version did (and one that does not parse)
    partition = package_key(REF)
    for version, seconds in (("1.0.0", "1767268800.25"), ("1.1.0", "1767355200.0")):
        _put(
            ledger_table,
            {"pk": {"S": partition}, "sk": {"S": f"time#{version}#rev#{version}"}, "published": {"N": seconds}},
        )
    _put(ledger_table, {"pk": {"S": partition}, "sk": {"S": "time#1.2.0#r"}, "published": {"S": "garbled"}})
    # WHEN read / THEN the batch finds no memory, and the earlier form gives the times (to rewrite)
    assert ledger_table.remembered_times([REF])[REF].source is TimesSource.ABSENT
    earlier = ledger_table.earlier_times(REF)
    assert earlier.source is TimesSource.EARLIER_LAYOUT and earlier.rewrite
    assert earlier.times == {
        ("1.0.0", "rev#1.0.0"): datetime(2026, 1, 1, 12, 0, 0, 250000, UTC),
        ("1.1.0", "rev#1.1.0"): datetime(2026, 1, 2, 12, 0, tzinfo=UTC),
    }


class _Unprocessing:
    """A client whose BatchGetItem leaves every key unprocessed the first `times` times, then answers."""

    def __init__(self, table: LedgerTable, times: int) -> None:
        self._client = table._client  # noqa: SLF001 - the same mock
        self.left = times
        self.calls = 0

    def batch_get_item(self, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        if self.left:
            self.left -= 1
            return {"Responses": {}, "UnprocessedKeys": kwargs["RequestItems"]}
        return cast("dict[str, Any]", self._client.batch_get_item(**kwargs))


def test_ledger_unprocessed_keys_asked_again_after_a_growing_pause(ledger_table: LedgerTable):
    # GIVEN times stored, and DynamoDB leaving the keys unprocessed twice
    ledger_table.store_publish_times({REF: {("1.0.0", "r"): NOW}}, now=1.0)
    client, pauses = _Unprocessing(ledger_table, 2), list[float]()
    # WHEN read / THEN asked three times, after two pauses, and read
    key = memory.memory_key(package_key(REF), 0)
    found, unread = batch.batch_get(cast("Any", client), ledger_table.name, [key], sleep=pauses.append)
    assert (client.calls, len(found), unread) == (3, 1, [])
    assert len(pauses) == 2 and all(0 <= pause <= batch.BACKOFF_CAP_SECONDS for pause in pauses)


def test_ledger_keys_unprocessed_after_every_attempt_are_unread_never_absent(
    ledger_table: LedgerTable, monkeypatch: pytest.MonkeyPatch
):
    # GIVEN DynamoDB leaving the keys unprocessed whatever the attempt
    ledger_table.store_publish_times({REF: {("1.0.0", "r"): NOW}}, now=1.0)
    monkeypatch.setattr(batch, "backoff", lambda attempt: 0.0)
    monkeypatch.setattr(ledger_table, "_client", _Unprocessing(ledger_table, 1000))
    # WHEN read / THEN unread: described afresh, and nothing written over it
    found = ledger_table.remembered_times([REF, OTHER])
    assert {r.source for r in found.values()} == {TimesSource.UNREAD}
    assert not found[REF].writable and not found[REF].times


def test_ledger_package_key_distinguishes_every_coordinate_but_the_owner():
    keys = {
        package_key(ref)
        for ref in (
            REF,
            OTHER,
            PackageRef("acme", "111122223333", "releases", PackageFormat.PYPI, None, "ui-kit"),
            PackageRef("acme", "111122223333", "snapshots", PackageFormat.NPM, "acme", "ui-kit"),
            PackageRef("other", "111122223333", "releases", PackageFormat.NPM, "acme", "ui-kit"),
        )
    }
    assert len(keys) == 5


def test_ledger_package_key_the_same_whether_the_owner_is_named_or_not():
    # A policy that adds domainOwner must find the records a policy without it made (and the reverse).
    named, unnamed = REF, PackageRef("acme", None, "releases", PackageFormat.NPM, "acme", "ui-kit")
    assert package_key(named) == package_key(unnamed) == "pkg#acme##releases#npm#acme#ui-kit"


def test_ledger_failure_is_the_services_own_error(ledger_table: LedgerTable):
    missing = LedgerTable("no-such-table", ledger_table._client)  # noqa: SLF001 - the same mock, another name
    with pytest.raises(LedgerError):
        missing.remembered_times([REF])
    with pytest.raises(LedgerError):
        missing.quarantine_records(REF, "prune")


def _record(partition: str, policy: str, version: str) -> dict[str, Any]:
    return {
        "pk": {"S": partition},
        "sk": {"S": f"quarantine#{policy}#{version}"},
        "revision": {"S": f"r-{version}"},
        "status_before": {"S": "Published"},
        "since": {"N": "1000.0"},
        "run_id": {"S": "run-0"},
    }


def test_ledger_quarantine_records_of_the_policy_only(ledger_table: LedgerTable):
    # GIVEN records of two policies whose names share a start, and remembered times, in one partition
    for policy, version in (("prune", "1.0.0"), ("prune-2", "1.0.1")):
        _put(ledger_table, _record(package_key(REF), policy, version))
    ledger_table.store_publish_times({REF: {("1.0.0", "r"): NOW}}, now=1.0)
    # WHEN one policy's are read / THEN only its own
    assert set(ledger_table.quarantine_records(REF, "prune")) == {"1.0.0"}


def test_ledger_reads_and_marks_a_record_an_earlier_version_wrote_under_the_owners_key(ledger_table: LedgerTable):
    # GIVEN a quarantine record an earlier version wrote for a policy naming the owner (the owner in the key)
    legacy = legacy_package_key(REF)
    assert legacy is not None and legacy != package_key(REF)
    _put(ledger_table, _record(legacy, "prune", "1.0.0"))
    # WHEN read now, and its restore remembered
    found = ledger_table.quarantine_records(REF, "prune")
    ledger_table.mark_restored(REF, "prune", "1.0.0", NOW)
    # THEN it is found (its grace goes on) and the restore is kept with it
    assert found["1.0.0"].run_id == "run-0"
    assert ledger_table.quarantine_records(REF, "prune")["1.0.0"].restored_at is not None


class _Unwriting:
    """A client whose BatchWriteItem leaves every item unprocessed."""

    def __init__(self) -> None:
        self.calls = 0

    def batch_write_item(self, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        return {"UnprocessedItems": kwargs["RequestItems"]}


def test_ledger_records_left_unwritten_after_every_attempt_are_an_error_never_silent(
    ledger_table: LedgerTable, monkeypatch: pytest.MonkeyPatch
):
    # GIVEN DynamoDB leaving every write unprocessed
    client = _Unwriting()
    monkeypatch.setattr(batch, "backoff", lambda attempt: 0.0)
    monkeypatch.setattr(ledger_table, "_client", client)
    record = QuarantineRecord("1.0.0", "r-1.0.0", PackageVersionStatus.PUBLISHED, NOW, "run-1")
    # WHEN a quarantine record is written / THEN every attempt is made, then the writer is told
    with pytest.raises(LedgerError, match="1 of 1 items unwritten"):
        ledger_table.record_quarantine(REF, "prune", [record])
    assert client.calls == batch.BATCH_WRITE_ATTEMPTS
