"""The trail's coverage as the recorder leaves it and a run reads it (Ledger.covered, first_gap): an hour is covered
once its digest and every log file it lists are processed, in whichever order and however concurrently; an
hour whose digest is missing, or lists a file never delivered, is a gap."""

import threading
from datetime import UTC, datetime, timedelta

import pytest

from disposer.model.packages import PackageFormat, PackageRef
from disposer.model.usage import Covered, first_gap
from disposer.recorder.files import Tally
from disposer.recorder.handler import recorder_for
from disposer.recorder.notices import TrailObject
from disposer.settings import Settings
from local.events import LambdaContext
from local.trail.records import TrailRead, other_service_record, read_record
from tests.integration.usage.conftest import BUCKET, Trail, at

DAY = datetime(2026, 3, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def batch(hour: datetime, index: int) -> list[dict[str, object]]:
    return [
        read_record(TrailRead("npm", "lodash", f"4.17.{index}", at(hour, 5))),
        *(other_service_record(at(hour, 6), i) for i in range(5)),
    ]


@pytest.mark.parametrize("digest_first", [True, False])
def test_coverage_hour_covered_whichever_comes_first(trail: Trail, digest_first: bool):
    # GIVEN an hour's three log files and its digest
    files = trail.writer.deliver_hour(DAY, [batch(DAY, i) for i in range(3)])
    # WHEN the digest's notice comes before the files' or after them, each in a batch of its own
    order = [files.digest, *files.log_files] if digest_first else [*files.log_files, files.digest]
    for key in order:
        assert trail.notify(key) == {"batchItemFailures": []}
    # THEN the hour is covered (and, before the last notice, it was not)
    assert trail.ledger.covered(DAY, DAY + HOUR) == [Covered(DAY, DAY + HOUR, "digest")]
    assert first_gap(trail.ledger.covered(DAY, DAY + HOUR), DAY, DAY + HOUR - timedelta(seconds=1)) is None


def test_coverage_not_covered_until_the_last_listed_file(trail: Trail):
    files = trail.writer.deliver_hour(DAY, [batch(DAY, i) for i in range(3)])
    trail.notify(files.digest, *files.log_files[:2])
    assert trail.ledger.covered(DAY, DAY + HOUR) == []
    trail.notify(files.log_files[2])
    assert trail.ledger.covered(DAY, DAY + HOUR) == [Covered(DAY, DAY + HOUR, "digest")]


def test_coverage_gaps_where_a_digest_is_missing_or_lists_a_file_never_delivered(trail: Trail):
    # GIVEN six hours delivered: hour 2 without its digest, hour 4's digest listing a file never delivered
    keys: list[str | None] = []
    for index in range(6):
        hour = DAY + index * HOUR
        files = trail.writer.deliver_hour(
            hour, [batch(hour, index)], digest=index != 2, undelivered=1 if index == 4 else 0
        )
        keys += [*files.log_files, files.digest]
    # WHEN every notice of what was delivered is processed
    assert trail.notify(*keys) == {"batchItemFailures": []}
    # THEN hours 0, 1, 3 and 5 are covered, and a run's window finds the gaps where they are
    covered = trail.ledger.covered(DAY, DAY + 6 * HOUR)
    assert sorted(stretch.start for stretch in covered) == [DAY + i * HOUR for i in (0, 1, 3, 5)]
    assert first_gap(covered, DAY, DAY + 6 * HOUR - timedelta(seconds=1)) == DAY + 2 * HOUR
    assert first_gap(covered, DAY + 3 * HOUR, DAY + 6 * HOUR - timedelta(seconds=1)) == DAY + 4 * HOUR
    assert first_gap(covered, DAY, DAY + 2 * HOUR - timedelta(seconds=1)) is None
    # AND the downloads of every delivered file were recorded, gaps or not
    assert len(trail.ledger.downloads(_lodash())) == 6


def _lodash() -> PackageRef:  # the package of batch()'s downloads
    return PackageRef("acme", None, "releases", PackageFormat.NPM, None, "lodash")


def test_coverage_files_and_digests_processed_concurrently_count_once(trail: Trail):
    # GIVEN eight hours of four log files each, and their digests
    hours = [trail.writer.deliver_hour(DAY + i * HOUR, [batch(DAY, i)] * 4) for i in range(8)]
    objects = [TrailObject(BUCKET, key) for hour in hours for key in (*hour.log_files, hour.digest) if key]
    recorder = recorder_for(Settings.from_environment(), LambdaContext().invoked_function_arn)
    errors: list[BaseException] = []

    def record(announced: TrailObject) -> None:
        start.wait()
        try:
            recorder.record(announced, Tally())
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    # WHEN every file is read at the same moment, each on its own thread (as concurrent invocations would)
    threads = [threading.Thread(target=record, args=(announced,)) for announced in objects * 2]
    start = threading.Barrier(len(threads), timeout=30)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # THEN every hour is covered exactly: nothing pending, nothing below zero
    assert errors == []
    pending = [item["pending"]["N"] for item in trail.state() if item["pk"]["S"] == "coverage"]
    assert pending == ["0"] * 8
    covered = trail.ledger.covered(DAY, DAY + 8 * HOUR)
    assert first_gap(covered, DAY, DAY + 8 * HOUR - timedelta(seconds=1)) is None
