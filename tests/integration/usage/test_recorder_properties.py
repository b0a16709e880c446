"""A day of a trail's files and digests, delivered in any order, in any batches, any of them again: the ledger the
recorder leaves is the same every time, and it is what the day says (each version's latest download; the
hours covered exactly those whose digest and listed files all arrived)."""

import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disposer.model.packages import PackageFormat, PackageRef
from disposer.model.usage import Download, first_gap
from local.trail.files import HourFiles
from local.trail.records import ACCOUNT, TrailRead, other_service_record, read_record
from tests.integration.usage.conftest import Trail

DAY = datetime(2026, 3, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
# Hour 7 has no digest; hour 15's digest lists a file never delivered; hour 20 has no log file at all.
NO_DIGEST, UNDELIVERED, EMPTY = 7, 15, 20
VERSIONS = [f"1.{minor}.0" for minor in range(6)]
PRINCIPAL = f"arn:aws:sts::{ACCOUNT}:assumed-role/ci-builder/build-1"


def hour_batches(index: int) -> list[list[dict[str, Any]]]:
    """One or two log files; version 1.<i % 6>.0 downloaded at minute (7 * i) % 60 of each, some twice."""
    if index == EMPTY:
        return []
    hour = DAY + index * HOUR
    files = []
    for part in range(1 + index % 2):
        minute = (7 * index + 13 * part) % 60
        reads = [
            read_record(TrailRead("npm", "lodash", VERSIONS[(index + part) % 6], hour.replace(minute=minute))),
            read_record(TrailRead("pypi", "requests", VERSIONS[index % 3], hour.replace(minute=minute))),
        ]
        files.append([*reads, *(other_service_record(hour, i) for i in range(3))])
    return files


def deliver_day(trail: Trail) -> list[HourFiles]:
    return [
        trail.writer.deliver_hour(
            DAY + index * HOUR,
            hour_batches(index),
            digest=index != NO_DIGEST,
            undelivered=1 if index == UNDELIVERED else 0,
        )
        for index in range(24)
    ]


def expected_downloads(package_format: str) -> dict[str, datetime]:
    latest: dict[str, datetime] = {}
    for index in range(24):
        for batch in hour_batches(index):
            for record in batch:
                params = record.get("requestParameters", {})
                if params.get("packageFormat") == package_format:
                    at = datetime.fromisoformat(record["eventTime"])
                    version = params["packageVersion"]
                    latest[version] = max(at, latest.get(version, at))
    return latest


@pytest.fixture
def day(trail: Trail) -> tuple[Trail, list[str]]:
    hours = deliver_day(trail)
    keys = [key for hour in hours for key in (*hour.log_files, hour.digest) if key is not None]
    return trail, keys


def check_day(trail: Trail) -> None:
    """The ledger says what the day holds."""
    for package_format, package in (("npm", "lodash"), ("pypi", "requests")):
        ref = PackageRef("acme", None, "releases", PackageFormat(package_format), None, package)
        want = {version: Download(at, PRINCIPAL) for version, at in expected_downloads(package_format).items()}
        assert trail.ledger.downloads(ref) == want
    covered = trail.ledger.covered(DAY, DAY + 24 * HOUR)
    hours = [hour for hour in range(24) if hour not in (NO_DIGEST, UNDELIVERED)]
    assert sorted(stretch.start.hour for stretch in covered) == hours
    assert first_gap(covered, DAY, DAY + 24 * HOUR - timedelta(seconds=1)) == DAY + NO_DIGEST * HOUR
    assert first_gap(covered, DAY + 8 * HOUR, DAY + 24 * HOUR - timedelta(seconds=1)) == DAY + UNDELIVERED * HOUR
    assert first_gap(covered, DAY + 16 * HOUR, DAY + 24 * HOUR - timedelta(seconds=1)) is None


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_recorder_any_order_batching_and_replays_give_the_same_ledger(day: tuple[Trail, list[str]], data: Any):
    trail, keys = day
    # GIVEN the day recorded once, in delivery order, into a ledger of its own: the reference
    reference = getattr(trail, "reference", None)
    if reference is None:
        _use_fresh_table(trail)
        assert trail.notify(*keys) == {"batchItemFailures": []}
        check_day(trail)
        trail.reference = reference = trail.state()  # type: ignore[attr-defined]
    # WHEN the same notices arrive into a fresh ledger in another order, some again, in batches of 1 to 10
    order = data.draw(st.permutations(keys), label="order")
    again = data.draw(st.lists(st.sampled_from(keys), max_size=12), label="replayed")
    notices = order + again
    sizes = data.draw(st.lists(st.integers(1, 10), min_size=len(notices), max_size=len(notices)), label="batches")
    _use_fresh_table(trail)
    start = 0
    for size in sizes:
        if start >= len(notices):
            break
        assert trail.notify(*notices[start : start + size]) == {"batchItemFailures": []}
        start += size
    # THEN the ledger is the reference, item for item
    assert trail.state() == reference


def _use_fresh_table(trail: Trail) -> None:
    name = f"ledger-{uuid.uuid4().hex[:8]}"
    trail.use_table(name)
    os.environ["DISPOSER_LEDGER_TABLE"] = name
