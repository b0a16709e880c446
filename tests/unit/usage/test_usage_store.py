"""The recorder's writes to the ledger (moto's DynamoDB in-process): a version's last download only moves forward,
and a log file counts toward its digest exactly once, in any order, replayed, raced, or retried after a failure
between its two writes; the ledger's reads (downloads, covered) see the result."""

import itertools
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from disposer.errors import LedgerError
from disposer.ledger.table import LedgerTable
from disposer.ledger.usage import COVERAGE_KEY
from disposer.ledger.usage_store import UsageTable, digest_sort_key
from disposer.model.packages import PackageFormat, PackageRef
from disposer.model.usage import Covered, Download, first_gap
from tests.moto_locks import serialize_dynamodb_writes

START = datetime(2026, 3, 1, 5, 0, 12, tzinfo=UTC)
END = START + timedelta(hours=1)
REF = PackageRef("acme", None, "releases", PackageFormat.NPM, "acme", "ui-kit")
CI = "arn:aws:sts::111122223333:assumed-role/ci/1"


@pytest.fixture
def tables(ledger_table: LedgerTable, monkeypatch: pytest.MonkeyPatch) -> tuple[UsageTable, LedgerTable]:
    # A digest's files are marked and counted on several threads: moto must apply the writes one by one, as
    # DynamoDB does (tests/moto_locks.py).
    serialize_dynamodb_writes(monkeypatch)
    return UsageTable(ledger_table.name, ledger_table._client), ledger_table  # noqa: SLF001 - the same mock


def digest_item(ledger: LedgerTable, digest: str, start: datetime = START) -> dict[str, Any]:
    key = {"pk": {"S": COVERAGE_KEY}, "sk": {"S": digest_sort_key(digest, start)}}
    return ledger._client.get_item(TableName=ledger.name, Key=key)["Item"]  # noqa: SLF001


def pending(ledger: LedgerTable, digest: str) -> int:
    return int(digest_item(ledger, digest)["pending"]["N"])


def test_record_download_moves_only_forward(tables: tuple[UsageTable, LedgerTable]):
    usage, ledger = tables
    # GIVEN a download recorded
    assert usage.record_download(REF, "1.0.0", Download(START, CI)) is True
    # WHEN the same one (a replay) and an earlier one arrive / THEN neither changes it
    assert usage.record_download(REF, "1.0.0", Download(START, CI)) is False
    assert usage.record_download(REF, "1.0.0", Download(START - timedelta(days=1), "arn:old")) is False
    assert ledger.downloads(REF) == {"1.0.0": Download(START, CI)}
    # AND a later one moves it forward, its caller (unknown here) with it
    assert usage.record_download(REF, "1.0.0", Download(START + timedelta(seconds=1))) is True
    assert usage.record_download(REF, "2.0.0", Download(START, CI)) is True
    assert ledger.downloads(REF) == {"1.0.0": Download(START + timedelta(seconds=1)), "2.0.0": Download(START, CI)}


STEPS = ("file a", "file b", "digest", "file a", "digest")


def test_coverage_any_order_and_replays_count_each_file_once(tables: tuple[UsageTable, LedgerTable]):
    usage, ledger = tables
    # GIVEN, for each order of these steps (a and the digest twice), a digest listing log files a and b
    orders = sorted(set(itertools.permutations(STEPS)))
    for number, order in enumerate(orders):
        digest, files = f"d{number}", {"file a": f"a{number}", "file b": f"b{number}"}
        for step in order:
            if step == "digest":
                usage.digest_processed(digest, START, END, list(files.values()))
            else:
                usage.log_file_processed(files[step])
        # THEN, whatever the order, its hour is covered and nothing is left waiting
        assert pending(ledger, digest) == 0 and "waiting" not in digest_item(ledger, digest), order
    assert len(orders) == 30
    assert ledger.covered(START, END) == [Covered(START, END, "digest")] * 30


@pytest.mark.parametrize("before", [True, False])
def test_coverage_a_listed_file_not_processed_keeps_the_hour_pending(tables, before: bool):
    usage, ledger = tables
    # GIVEN a digest listing a, b and c (b twice), and only a processed, before or after the digest
    if before:
        usage.log_file_processed("a")
    usage.digest_processed("d", START, END, ["a", "b", "b", "c"])
    if not before:
        usage.log_file_processed("a")
    # THEN two files are pending and the hour is not covered: the window's first gap is its start
    assert pending(ledger, "d") == 2
    assert ledger.covered(START, END) == []
    assert first_gap(ledger.covered(START, END), START, END) == START
    # WHEN the others arrive / THEN it is
    usage.log_file_processed("c")
    usage.log_file_processed("b")
    assert first_gap(ledger.covered(START, END), START, END - timedelta(seconds=1)) is None


def test_coverage_digest_without_log_files_is_covered_at_once(tables):
    usage, ledger = tables
    usage.digest_processed("d", START, END, [])
    assert ledger.covered(START, END) == [Covered(START, END, "digest")]


def test_coverage_a_file_two_digests_list_counts_toward_each(tables):
    usage, ledger = tables
    usage.digest_processed("d1", START, END, ["a"])
    usage.log_file_processed("a")
    usage.digest_processed("d2", START, END, ["a"])
    assert pending(ledger, "d1") == 0 and pending(ledger, "d2") == 0


def test_coverage_file_delivered_twice_at_once_counts_once(tables):
    usage, ledger = tables
    # GIVEN a digest listing a and b, then a's message delivered twice at once (SQS delivers at least once), each
    # copy held after its mark until the other's is made: both see the digest's mark and both try to count a
    usage.digest_processed("d", START, END, ["a", "b"])
    client = ledger._client  # noqa: SLF001 - the same mock
    hold = _hold_marks(client, "trailfile#a", threading.Barrier(2, timeout=10))
    try:
        threads = [threading.Thread(target=usage.log_file_processed, args=("a",)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
    finally:
        client.meta.events.unregister("after-call.dynamodb.UpdateItem", hold)
    # THEN a counted once: b is still pending, and the hour is not covered
    assert pending(ledger, "d") == 1 and ledger.covered(START, END) == []
    usage.log_file_processed("b")
    assert pending(ledger, "d") == 0


def _hold_marks(client: Any, pk: str, barrier: threading.Barrier) -> Any:
    """Hold each UpdateItem of `pk`'s item, once answered, until both threads have made theirs."""
    state = threading.local()

    def remember(params: dict[str, Any], **_: Any) -> None:
        state.pk = params.get("Key", {}).get("pk", {}).get("S")

    def hold(**_: Any) -> None:
        if getattr(state, "pk", None) == pk:
            barrier.wait()

    client.meta.events.register("before-parameter-build.dynamodb.UpdateItem", remember)
    client.meta.events.register("after-call.dynamodb.UpdateItem", hold)
    return hold


@pytest.fixture
def failing_count(tables) -> Iterator[list[str]]:
    """The next count (the digest item's UpdateItem) fails as a throttle would, once; the failed keys."""
    usage, ledger = tables
    failed: list[str] = []

    def fail(params: dict[str, Any], **_: Any) -> None:
        if params["Key"]["pk"]["S"] == COVERAGE_KEY and not failed:
            failed.append(params["Key"]["sk"]["S"])
            raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "UpdateItem")

    client = ledger._client  # noqa: SLF001 - the same mock
    client.meta.events.register("before-parameter-build.dynamodb.UpdateItem", fail)
    yield failed
    client.meta.events.unregister("before-parameter-build.dynamodb.UpdateItem", fail)


@pytest.mark.parametrize("second", ["file", "digest"])
def test_coverage_failure_between_mark_and_count_is_counted_on_retry(tables, failing_count, second: str):
    usage, ledger = tables
    # GIVEN a file and its digest, the second of which fails after its mark, before its count
    first_step, second_step = (
        (lambda: usage.digest_processed("d", START, END, ["a"]), lambda: usage.log_file_processed("a"))
        if second == "file"
        else (lambda: usage.log_file_processed("a"), lambda: usage.digest_processed("d", START, END, ["a"]))
    )
    first_step()
    with pytest.raises(LedgerError):
        second_step()
    assert failing_count and pending(ledger, "d") == 1
    # WHEN the message is delivered again / THEN the file counts, once
    second_step()
    second_step()
    assert pending(ledger, "d") == 0 and ledger.covered(START, END) == [Covered(START, END, "digest")]


def test_hour_backfilled_is_covered(tables):
    usage, ledger = tables
    usage.hour_backfilled(END)
    assert ledger.covered(END, END + timedelta(hours=1)) == [Covered(END, END + timedelta(hours=1), "backfill")]


def test_usage_table_errors_are_ledger_errors():
    with mock_aws():
        usage = UsageTable("missing", boto3.client("dynamodb", region_name="us-east-1"))
        for call in (
            lambda: usage.record_download(REF, "1.0.0", Download(START)),
            lambda: usage.log_file_processed("a"),
            lambda: usage.digest_processed("d", START, END, ["a"]),
            lambda: usage.hour_backfilled(START),
        ):
            with pytest.raises(LedgerError, match="ResourceNotFoundException"):
                call()
