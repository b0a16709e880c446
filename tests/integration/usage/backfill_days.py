"""Days of downloads for the backfill's tests: a trail's log files of past hours in the bucket (the recorder never
saw them), what the recorder would have made of them, and a backfill sent through the recorder's real handler."""

from datetime import UTC, datetime, timedelta
from typing import Any

from disposer.model.packages import PackageFormat, PackageRef
from disposer.recorder import lambda_handler
from local.events import LambdaContext
from local.trail.records import TrailRead, other_service_record, read_record
from tests.integration.usage.conftest import Trail, at

HOUR = timedelta(hours=1)
# Three days ago, at midnight: well inside event history's 90 days, and long settled.
DAY = (datetime.now(UTC) - timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
LODASH = PackageRef("acme", None, "releases", PackageFormat.NPM, None, "lodash")
UI_KIT = PackageRef("acme", None, "releases", PackageFormat.NPM, "acme", "ui-kit")


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def hour_records(hour: datetime, index: int, *, many: int = 0) -> list[dict[str, Any]]:
    """An hour's records: two downloads of lodash, `many` (at most 150) of ui-kit's versions (a page holds 50), reads
    that are no downloads (a metadata read, an error, another domain, a scanner), and other services' events."""
    reads = [
        read_record(TrailRead("npm", "lodash", f"4.17.{index % 5}", at(hour, 3))),
        read_record(TrailRead("npm", "lodash", f"4.17.{index % 5}", at(hour, 41), session="nightly")),
        # Later than the hour's other reads, the newest of them last: a first page holds the 50 highest.
        *(
            read_record(TrailRead("npm", "ui-kit", f"1.0.{k}", at(hour, 45 + k // 10, k % 10 * 5), namespace="acme"))
            for k in range(many)
        ),
        read_record(TrailRead("npm", "lodash", None, at(hour, 10))),
        read_record(TrailRead("npm", "lodash", "9.9.9", at(hour, 11)), error_code="ResourceNotFoundException"),
        read_record(TrailRead("npm", "lodash", "6.0.0", at(hour, 13), domain="other")),
        read_record(TrailRead("npm", "lodash", "7.0.0", at(hour, 14), role="scanner", session="scan-7")),
    ]
    return [*reads, *(other_service_record(at(hour, 20), i) for i in range(5))]


def deliver_hours(trail: Trail, count: int, *, many: dict[int, int] | None = None) -> list[list[str]]:
    """`count` hours from DAY delivered to the bucket, hour i with `many[i]` ui-kit downloads; each hour's keys."""
    keys = []
    for index in range(count):
        hour = DAY + index * HOUR
        files = trail.writer.deliver_hour(hour, [hour_records(hour, index, many=(many or {}).get(index, 0))])
        keys.append([*files.log_files, *([files.digest] if files.digest else [])])
    return keys


def backfill(start: datetime, end: datetime, context: LambdaContext | None = None) -> dict[str, Any]:
    """The recorder's answer to a backfill of [start, end)."""
    answer: dict[str, Any] = lambda_handler(
        {"backfill": {"from": stamp(start), "to": stamp(end)}}, context or LambdaContext()
    )
    return answer
