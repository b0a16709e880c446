"""The recorder through its real handler, with S3's notices in SQS: every format's downloads land in the ledger as
each version's latest, the reads that are not downloads do not, nor do other domains' or ignored callers', and a
file read again changes nothing."""

from datetime import UTC, datetime, timedelta
from typing import Any

from disposer.model.usage import Download
from local.trail.events import object_created, s3_notification, s3_test_event
from local.trail.files import TrailWriter
from local.trail.records import ACCOUNT, TrailRead, other_service_record, read_record
from tests.integration.usage.conftest import BUCKET, Trail, at, partition

HOUR = datetime(2026, 3, 1, 5, tzinfo=UTC)
CI = f"arn:aws:sts::{ACCOUNT}:assumed-role/ci-builder/build-1"
NIGHTLY = f"arn:aws:sts::{ACCOUNT}:assumed-role/ci-builder/nightly"


def first_file() -> list[dict[str, Any]]:
    reads = [
        read_record(TrailRead("npm", "lodash", "4.17.21", at(HOUR, 3))),
        read_record(TrailRead("npm", "lodash", "4.17.21", at(HOUR, 7), session="nightly")),
        read_record(TrailRead("npm", "ui-kit", "2.0.0", at(HOUR, 4), namespace="acme")),
        read_record(TrailRead("pypi", "requests", "2.31.0", at(HOUR, 5))),
        read_record(TrailRead("maven", "core-api", "1.4.2", at(HOUR, 6), namespace="com.acme.platform")),
        read_record(TrailRead("nuget", "Newtonsoft.Json", "13.0.3", at(HOUR, 8))),
        read_record(TrailRead("generic", "nightly", "2026.03.01", at(HOUR, 9), namespace="ci")),
    ]
    not_downloads = [
        read_record(TrailRead("npm", "lodash", None, at(HOUR, 10))),  # metadata read
        read_record(TrailRead("npm", "lodash", "9.9.9", at(HOUR, 11)), error_code="ResourceNotFoundException"),
        read_record(TrailRead("npm", "lodash", "5.0.0", at(HOUR, 12)), event_name="GetPackageVersionReadme"),
        read_record(TrailRead("npm", "lodash", "6.0.0", at(HOUR, 13), domain="other")),
        read_record(TrailRead("pypi", "requests", "1.0.0", at(HOUR, 14), role="scanner", session="scan-7")),
        read_record(TrailRead("pypi", "requests", "1.0.1", at(HOUR, 15), user="mirror-1")),
    ]
    return [*reads, *not_downloads, *(other_service_record(at(HOUR, 20), i) for i in range(40))]


def second_file() -> list[dict[str, Any]]:
    return [
        read_record(TrailRead("npm", "lodash", "4.17.21", at(HOUR, 1))),  # earlier than the first file's
        read_record(TrailRead("pypi", "requests", "2.31.0", at(HOUR, 30), user="release-bot")),
        read_record(TrailRead("pypi", "requests", "1.0.2", at(HOUR, 31), user="mirror-12")),  # ? is one character
    ]


EXPECTED = {
    partition("npm", "lodash"): {"4.17.21": Download(at(HOUR, 7), NIGHTLY)},
    partition("npm", "ui-kit", "acme"): {"2.0.0": Download(at(HOUR, 4), CI)},
    partition("pypi", "requests"): {
        "2.31.0": Download(at(HOUR, 30), f"arn:aws:iam::{ACCOUNT}:user/release-bot"),
        "1.0.2": Download(at(HOUR, 31), f"arn:aws:iam::{ACCOUNT}:user/mirror-12"),
    },
    partition("maven", "core-api", "com.acme.platform"): {"1.4.2": Download(at(HOUR, 6), CI)},
    # Recorded as CodeArtifact stores the name (NuGet names without case), whatever the client sent.
    partition("nuget", "newtonsoft.json"): {"13.0.3": Download(at(HOUR, 8), CI)},
    partition("generic", "nightly", "ci"): {"2026.03.01": Download(at(HOUR, 9), CI)},
}


def metrics_of(printed: Any) -> dict[str, float]:
    """The recorder's figures in the invocation's EMF line (dimension set [service])."""
    (line,) = [line for line in printed() if "DownloadsRecorded" in line]
    assert line["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]
    names = ("TrailFilesRead", "TrailFilesUnreadable", "TrailRecordsSkipped", "DownloadsRecorded", "DigestsRead")
    return {name: line[name][0] if isinstance(line[name], list) else line[name] for name in names}


def test_recorder_records_each_formats_latest_download(trail: Trail, printed: Any):
    # GIVEN an hour's two log files and its digest
    hour = trail.writer.deliver_hour(HOUR, [first_file(), second_file()])
    # WHEN S3's notices of the three arrive in one batch
    answer = trail.notify(*hour.log_files, hour.digest)
    # THEN no message failed, and each version's latest download is in the ledger, and nothing else is
    assert answer == {"batchItemFailures": []}
    assert trail.downloads() == EXPECTED
    assert metrics_of(printed) == {
        "TrailFilesRead": 2,
        "TrailFilesUnreadable": 0,
        "TrailRecordsSkipped": 0,
        "DownloadsRecorded": 8,  # the first file's 6 versions; the second's later pypi and the mirror's 1.0.2
        "DigestsRead": 1,
    }
    assert trail.ledger.covered(HOUR, HOUR + timedelta(hours=1)) != []


def test_recorder_replayed_files_change_nothing(trail: Trail, printed: Any):
    # GIVEN an hour recorded
    hour = trail.writer.deliver_hour(HOUR, [first_file(), second_file()])
    trail.notify(*hour.log_files, hour.digest)
    before = trail.state()
    printed()
    # WHEN every notice is delivered again, in another order and batching, some twice
    trail.notify(hour.digest, hour.log_files[1])
    trail.notify(hour.log_files[0], hour.log_files[1], hour.digest)
    # THEN the ledger is as it was, and no download moved
    assert trail.state() == before
    assert [line["DownloadsRecorded"] for line in printed() if "DownloadsRecorded" in line] == [[0.0], [0.0]]


def test_recorder_reads_eventbridge_notices_and_ignores_the_test_event(trail: Trail):
    hour = trail.writer.deliver_hour(HOUR, [second_file()])
    assert trail.send(s3_test_event(BUCKET), object_created(BUCKET, hour.log_files[0])) == {"batchItemFailures": []}
    assert trail.downloads()[partition("pypi", "requests")]["2.31.0"].at == at(HOUR, 30)


def test_recorder_ignores_other_buckets_prefixes_regions_and_accounts(trail: Trail):
    # GIVEN the same downloads delivered where the deployment's trail is not
    files = [second_file()]
    elsewhere = [
        TrailWriter(trail.s3, BUCKET, prefix="other-trail").deliver_hour(HOUR, files),
        TrailWriter(trail.s3, BUCKET, prefix="org-trail", region="eu-west-1").deliver_hour(HOUR, files),
        TrailWriter(trail.s3, BUCKET, prefix="org-trail", account="444455556666").deliver_hour(HOUR, files),
    ]
    trail.s3.create_bucket(Bucket="another-bucket")
    another = TrailWriter(trail.s3, "another-bucket", prefix="org-trail").deliver_hour(HOUR, files)
    # WHEN their notices arrive
    answer = trail.notify(*(key for hour in elsewhere for key in (*hour.log_files, hour.digest)))
    answer_other = trail.send(s3_notification("another-bucket", another.log_files[0]))
    # THEN nothing was read, and nothing failed
    assert answer == answer_other == {"batchItemFailures": []}
    assert trail.state() == []
