"""What the recorder does with what it cannot read: a corrupt, truncated or missing file is reported with its key,
counted, never marked processed (its hour stays uncovered) and not retried; a failure that may heal fails its
own message only (SQS's partial batch response), and the batch's other messages are processed."""

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from disposer import clock, services
from disposer.errors import LedgerRequiredError
from disposer.model.packages import PackageFormat, PackageRef
from disposer.recorder import lambda_handler
from disposer.settings import Settings
from local.events import LambdaContext
from local.trail.events import s3_notification, sqs_event
from local.trail.files import gzipped_records
from local.trail.records import TrailRead, read_record
from tests.integration.usage.conftest import BUCKET, Trail, at

HOUR = datetime(2026, 3, 1, 5, tzinfo=UTC)
LODASH = PackageRef("acme", None, "releases", PackageFormat.NPM, None, "lodash")


def downloads(hour: datetime, count: int) -> list[dict[str, Any]]:
    return [read_record(TrailRead("npm", "lodash", f"1.0.{i}", at(hour, i % 60))) for i in range(count)]


def test_corrupt_and_missing_files_are_reported_and_the_batch_goes_on(trail: Trail, printed: Any):
    # GIVEN an hour whose digest lists three files: one good, one not gzip, one never delivered
    files = trail.writer.deliver_hour(HOUR, [downloads(HOUR, 3), []], undelivered=1)
    good, corrupt = files.log_files
    (missing,) = files.undelivered
    trail.writer.put(corrupt, b"this is not gzip")
    # WHEN all four notices arrive in one batch
    answer = trail.notify(corrupt, missing, good, files.digest)
    # THEN no message comes back (neither file will heal), the good file's downloads are recorded ...
    assert answer == {"batchItemFailures": []}
    assert set(trail.ledger.downloads(LODASH)) == {"1.0.0", "1.0.1", "1.0.2"}
    # ... the two are counted and logged with their keys, and the hour is not covered
    lines = printed()
    (metrics,) = [line for line in lines if "TrailFilesUnreadable" in line]
    assert (metrics["TrailFilesUnreadable"], metrics["TrailFilesRead"], metrics["DigestsRead"]) == ([2.0], [1.0], [1.0])
    reported = [line for line in lines if line.get("message") == "trail file unreadable"]
    assert sorted(line["key"] for line in reported) == sorted([corrupt, missing])
    assert all(line["level"] == "ERROR" for line in reported)
    assert "is not gzip" in next(line["reason"] for line in reported if line["key"] == corrupt)
    assert trail.ledger.covered(HOUR, HOUR + timedelta(hours=1)) == []


def test_truncated_file_keeps_what_it_read_and_stays_unprocessed(trail: Trail, printed: Any):
    # GIVEN a log file whose upload stopped two thirds in (its gzip stream cut short), listed by its digest
    files = trail.writer.deliver_hour(HOUR, [[]])
    (key,) = files.log_files
    whole = b"".join(gzipped_records(downloads(HOUR, 300)))
    trail.writer.put(key, whole[: len(whole) * 2 // 3])
    # WHEN its notice and the digest's arrive
    assert trail.notify(key, files.digest) == {"batchItemFailures": []}
    # THEN the downloads before the cut are recorded (a download only ever keeps), the file is not processed
    recorded = trail.ledger.downloads(LODASH)
    assert 0 < len(recorded) < 300
    assert set(recorded) == {f"1.0.{i}" for i in range(len(recorded))}
    assert trail.ledger.covered(HOUR, HOUR + timedelta(hours=1)) == []
    assert any(line.get("message") == "trail file unreadable" for line in printed())


@pytest.mark.parametrize(
    "text",
    [
        '{"Records": [{"eventName": "x"}, oops]}',
        '{"Records": {"not": "a list"}}',
        '{"records": []}',
    ],
)
def test_log_file_not_cloudtrail_json_is_unreadable(trail: Trail, printed: Any, text: str):
    files = trail.writer.deliver_hour(HOUR, [[]])
    trail.writer.put(files.log_files[0], gzip.compress(text.encode()))
    assert trail.notify(*files.log_files, files.digest) == {"batchItemFailures": []}
    assert trail.ledger.covered(HOUR, HOUR + timedelta(hours=1)) == []
    (line,) = [line for line in printed() if line.get("message") == "trail file unreadable"]
    assert line["key"] == files.log_files[0] and "at character" in line["reason"]


def test_corrupt_digest_is_reported_and_covers_nothing(trail: Trail, printed: Any):
    files = trail.writer.deliver_hour(HOUR, [downloads(HOUR, 1)])
    assert files.digest is not None
    trail.writer.put(files.digest, gzip.compress(json.dumps({"digestStartTime": "x"}).encode()))
    assert trail.notify(*files.log_files, files.digest) == {"batchItemFailures": []}
    assert trail.ledger.covered(HOUR, HOUR + timedelta(hours=1)) == []
    assert [line["key"] for line in printed() if line.get("message") == "trail file unreadable"] == [files.digest]


@pytest.fixture
def throttled_key() -> Iterator[list[str]]:
    """S3 answers SlowDown (after botocore's retries) to the recorder's GetObject of the keys in the list."""
    keys: list[str] = []

    def slow_down(params: dict[str, Any], **_: Any) -> None:
        if params.get("Key") in keys:
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "Reduce your request rate."}}, "GetObject")

    client = services._s3(Settings.from_environment().s3_endpoint)  # noqa: SLF001 - the recorder's own client
    client.meta.events.register("before-parameter-build.s3.GetObject", slow_down)
    yield keys
    client.meta.events.unregister("before-parameter-build.s3.GetObject", slow_down)


def test_a_failure_that_may_heal_fails_only_its_message(trail: Trail, throttled_key: list[str]):
    # GIVEN an hour's two files, S3 throttling the reads of the first
    files = trail.writer.deliver_hour(HOUR, [downloads(HOUR, 2), downloads(HOUR + timedelta(minutes=30), 3)])
    throttled_key.append(files.log_files[0])
    event = sqs_event([s3_notification(BUCKET, key) for key in files.log_files] + ["not even JSON"])
    # WHEN the batch is handled
    answer = lambda_handler(event, LambdaContext())
    # THEN only the first message comes back, to be delivered again; the second was read, the junk dropped
    assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert trail.ledger.downloads(LODASH)["1.0.2"].at == at(HOUR + timedelta(minutes=30), 2)
    # AND once S3 answers again, the message delivered again is read, and the hour is covered with its digest
    throttled_key.clear()
    assert trail.notify(files.log_files[0], files.digest) == {"batchItemFailures": []}
    assert trail.ledger.downloads(LODASH)["1.0.1"].at == at(HOUR + timedelta(minutes=30), 1)
    assert trail.ledger.covered(HOUR, HOUR + timedelta(hours=1)) != []


def test_ledger_unavailable_fails_every_message(trail: Trail, monkeypatch: pytest.MonkeyPatch):
    files = trail.writer.deliver_hour(HOUR, [downloads(HOUR, 2)])
    monkeypatch.setenv("DISPOSER_LEDGER_TABLE", "no-such-table")
    event = sqs_event([s3_notification(BUCKET, key) for key in (*files.log_files, files.digest) if key])
    answer = lambda_handler(event, LambdaContext())
    assert sorted(failure["itemIdentifier"] for failure in answer["batchItemFailures"]) == sorted(
        record["messageId"] for record in event["Records"]
    )


def test_no_ledger_configured_is_refused(trail: Trail, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("DISPOSER_LEDGER_TABLE")
    with pytest.raises(LedgerRequiredError):
        lambda_handler(sqs_event([]), LambdaContext())


def test_a_digest_that_ends_in_the_future_covers_nothing(trail: Trail, printed: Any):
    # GIVEN a digest of the next hour (written before its hour is over: not CloudTrail's), however near the hour's
    # end the test runs
    now = clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    files = trail.writer.deliver_hour(now, [downloads(now, 1)])
    # WHEN its files are announced / THEN it is reported and vouches for nothing
    assert trail.notify(*files.log_files, files.digest) == {"batchItemFailures": []}
    assert trail.ledger.covered(now, now + timedelta(hours=1)) == []
    assert [line["key"] for line in printed() if line.get("message") == "trail file unreadable"] == [files.digest]
