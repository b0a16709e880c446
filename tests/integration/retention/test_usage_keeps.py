"""keep.downloadedWithinDays end to end: CloudTrail files in (moto's) S3, the real recorder fed their S3 notices
through SQS events, the ledger in moto, and the real handler's scheduled run against the emulator. A download
within the window keeps its version; a version nobody downloaded goes only when every hour of the window is
covered; a missing digest or an undelivered listed file keeps every candidate."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest

from disposer.handler import lambda_handler
from disposer.recorder import lambda_handler as recorder_handler
from local.trail.feed import Gaps, deliver, record
from local.trail.files import HOUR, TrailWriter
from local.trail.records import TrailRead
from tests.integration.harness import scheduled_event, statuses
from tests.integration.seeds import EXPECTED_UI_ICONS, EXPECTED_UI_KIT, RUN_TIME, UI_KIT

BUCKET = "acme-trail"
SCANNER = "arn:aws:iam::111122223333:role/scanner"
WINDOW_DAYS = 2
# The hours that must be covered: from the window's start to an hour before the run (the function's clock).
FIRST_HOUR = RUN_TIME - timedelta(days=WINDOW_DAYS) - HOUR
LAST_HOUR_END = RUN_TIME - HOUR
USAGE: dict[str, Any] = {
    "keep": {"latest": 3, "newerThanDays": 30, "versionPatterns": ["^1\\.0\\.0$"], "downloadedWithinDays": 2}
}
# 1.2.0 downloaded yesterday by a build; 1.3.0 only before the window; 1.4.0 only by the ignored scanner.
READS = (
    TrailRead("npm", "ui-kit", "1.2.0", RUN_TIME - timedelta(days=1, minutes=17), namespace="acme"),
    TrailRead("npm", "ui-kit", "1.3.0", RUN_TIME - timedelta(days=5), namespace="acme"),
    TrailRead("npm", "ui-kit", "1.4.0", RUN_TIME - timedelta(hours=7), namespace="acme", role="scanner"),
    # A metadata read (no version) is no download.
    TrailRead("npm", "ui-kit", None, RUN_TIME - timedelta(hours=5), namespace="acme"),
)


@pytest.fixture
def trail(moto_url: str, ledger_name: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TrailWriter]:
    s3 = boto3.client("s3", endpoint_url=moto_url)
    s3.create_bucket(Bucket=BUCKET)
    for variable, value in {
        "AWS_ENDPOINT_URL_S3": moto_url,
        "DISPOSER_USAGE_BUCKET": BUCKET,
        "DISPOSER_USAGE_IGNORE_PRINCIPALS": SCANNER,
        "DISPOSER_DOMAIN_OWNER": "111122223333",
    }.items():
        monkeypatch.setenv(variable, value)
    yield TrailWriter(s3, BUCKET)


def _recorded(trail: TrailWriter, gaps: Gaps | None = None) -> list[str]:
    # The day before the window too: 1.3.0's download, and coverage the run does not need.
    keys = deliver(trail, FIRST_HOUR - timedelta(days=4), LAST_HOUR_END, READS, gaps)
    answers = record(BUCKET, keys, recorder_handler)
    assert all(answer == {"batchItemFailures": []} for answer in answers)
    return keys


def _run(context: Any) -> dict[str, Any]:
    result: dict[str, Any] = lambda_handler(scheduled_event(**USAGE), context)
    return result


def _reasons(report: dict[str, Any]) -> dict[str, str]:
    return {item["version"]: item["reason"] for item in report["items"] if item["package"] == "ui-kit"}


def test_a_download_within_the_window_keeps_its_version_and_the_rest_go_when_covered(
    lambda_context: Any, emulator: Any, client: Any, trail: TrailWriter
) -> None:
    _recorded(trail)
    report = _run(lambda_context)
    reasons = _reasons(report)
    builder = "arn:aws:sts::111122223333:assumed-role/ci-builder/build-1"
    assert reasons["1.2.0"] == f"kept: downloaded 2026-11-24 02:43 UTC by {builder} (within 2 days)"
    # Downloaded only before the window, or only by the ignored scanner: disposed, and the reason says so.
    for version in ("1.3.0", "1.4.0"):
        assert reasons[version] == "dispose: older than 90 days and not downloaded within 2 days"
    disposed = {item["version"] for item in report["items"] if item["outcome"] == "disposed"}
    assert disposed == (EXPECTED_UI_KIT - {"1.2.0"}) | EXPECTED_UI_ICONS
    assert statuses(client, UI_KIT)["1.2.0"] == "Published"
    # The last download travels with the item.
    item = next(i for i in report["items"] if i["version"] == "1.2.0" and i["package"] == "ui-kit")
    assert (item["lastDownload"], item["downloadedBy"]) == ("2026-11-24T02:43:00Z", builder)


@pytest.mark.parametrize(
    "gaps",
    [
        pytest.param(Gaps(no_digest=frozenset({RUN_TIME - timedelta(hours=30)})), id="a-missing-digest"),
        pytest.param(Gaps(undelivered=frozenset({RUN_TIME - timedelta(hours=3)})), id="a-listed-file-never-delivered"),
    ],
)
def test_one_gap_in_the_window_keeps_every_candidate_of_the_run(
    lambda_context: Any, emulator: Any, client: Any, trail: TrailWriter, gaps: Gaps
) -> None:
    before = statuses(client, UI_KIT)
    _recorded(trail, gaps)
    report = _run(lambda_context)
    assert report["outcomes"] == {} and report["totals"]["dispose"] == 0
    gap = min(gaps.no_digest | gaps.undelivered).strftime("%Y-%m-%d %H:%M UTC")
    unknown = f"kept: usage unknown (the trail's coverage has a gap from {gap})"
    reasons = _reasons(report)
    assert {reasons[v] for v in EXPECTED_UI_KIT} == {unknown}
    assert report["totals"]["rules"]["keep:usage-unknown"] == len(EXPECTED_UI_KIT | EXPECTED_UI_ICONS)
    assert statuses(client, UI_KIT) == before


def test_a_replayed_trail_changes_nothing(
    lambda_context: Any, emulator: Any, moto_url: str, ledger_name: str, trail: TrailWriter
) -> None:
    keys = _recorded(trail)
    dynamodb = boto3.client("dynamodb", endpoint_url=moto_url)
    before = _usage_items(dynamodb, ledger_name)
    # Every notice again, in reverse order: SQS delivers at least once, in no promised order.
    assert all(a == {"batchItemFailures": []} for a in record(BUCKET, keys[::-1], recorder_handler))
    assert _usage_items(dynamodb, ledger_name) == before
    assert _reasons(_run(lambda_context))["1.2.0"].startswith("kept: downloaded 2026-11-24 02:43 UTC")


def _usage_items(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    items = [item for page in dynamodb.get_paginator("scan").paginate(TableName=table) for item in page["Items"]]
    recorded = [i for i in items if i["pk"]["S"].startswith(("usage#", "coverage", "trailfile#"))]
    return sorted(recorded, key=lambda i: (i["pk"]["S"], i["sk"]["S"]))
