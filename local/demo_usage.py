"""`make demo`, section 9: keep what is downloaded. CloudTrail's files for the past week go into moto's S3 and
through the real usage recorder (S3 notices in SQS events); then the scheduled policy is planned through the real
handler: while one hour's digest is missing every candidate is kept, and once it arrives a version downloaded
within the window is kept (naming who) and the others would go."""

import io
import os
from contextlib import redirect_stdout
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3

from disposer.model.report import RunReportBody
from disposer.recorder import lambda_handler as recorder
from disposer_cli.main import main as cli
from local.events import process_clock
from local.trail.feed import Gaps, deliver, record
from local.trail.files import TrailWriter
from local.trail.records import TrailRead

if TYPE_CHECKING:
    from local.demo import Demo

BUCKET = "acme-cloudtrail"
SCANNER = "arn:aws:iam::111122223333:role/vulnerability-scanner"
ACME_CLI = {"repository": "releases", "format": "pypi", "package": "acme-cli"}
USAGE_POLICY: dict[str, Any] = {
    "name": "prune-unused-cli",
    "domain": "acme",
    **ACME_CLI,
    "select": {"olderThanDays": 30},
    "keep": {"latest": 1, "downloadedWithinDays": 7},
}


def usage_story(demo: "Demo", when: datetime, moto_url: str) -> None:
    print(f"\n== 9. Keep what is downloaded: '{USAGE_POLICY['name']}' keeps acme-cli versions downloaded within 7 days")
    writer = _trail(moto_url)
    reads = [
        TrailRead("pypi", "acme-cli", "1.0.0", when - timedelta(days=2, hours=5), session="release-build-311"),
        TrailRead("pypi", "acme-cli", "1.1.0", when - timedelta(days=1), role="vulnerability-scanner"),
    ]
    hour = when.replace(minute=0, second=0, microsecond=0)
    # Up to the run's hour: the digest of the hour before it is delivered minutes after that hour ends.
    start, end, missing = hour - timedelta(days=8), hour, hour - timedelta(hours=30)
    keys = deliver(writer, start, end, reads, Gaps(no_digest=frozenset({missing})))
    _record(keys)
    print(
        f"   the trail's last 8 days recorded: {len(keys)} files, but the digest of {missing:%Y-%m-%d %H:00} is missing"
    )
    print("   (1.0.0 was downloaded by a release build; 1.1.0 only by the scanner, whose reads do not count)")
    _show(_plan(demo, when))
    late = writer.put_digest(missing, [])
    _record([late])
    print("   the missing digest arrives and is recorded: every hour of the window is covered")
    _show(_plan(demo, when))
    out = io.StringIO()
    with process_clock(when):
        cli(["usage", "show", "--domain", "acme", *_options(), "--days", "7"], io.StringIO(), out)
    print("   codeartifact-disposer usage show --repository releases --format pypi --package acme-cli --days 7")
    print("".join(f"     {line}\n" for line in out.getvalue().splitlines()), end="")


def _record(keys: list[str]) -> None:
    """The recorder's invocations for `keys` (its metrics lines go nowhere: the demo shows what it left)."""
    with redirect_stdout(io.StringIO()):
        failed = [answer for answer in record(BUCKET, keys, recorder) if answer["batchItemFailures"]]
    if failed:
        raise RuntimeError(f"the recorder failed messages: {failed}")


def _trail(moto_url: str) -> TrailWriter:
    """The trail's bucket in moto, and the recorder configured for it as the stack would."""
    s3 = boto3.client("s3", endpoint_url=moto_url)
    s3.create_bucket(Bucket=BUCKET)
    os.environ["AWS_ENDPOINT_URL_S3"] = moto_url
    os.environ["DISPOSER_USAGE_BUCKET"] = BUCKET
    os.environ["DISPOSER_USAGE_IGNORE_PRINCIPALS"] = SCANNER
    return TrailWriter(s3, BUCKET)


def _plan(demo: "Demo", when: datetime) -> RunReportBody:
    return RunReportBody.model_validate(demo.run_policy({**USAGE_POLICY, "mode": "plan"}, when))


def _show(plan: RunReportBody) -> None:
    for item in sorted(plan.items, key=lambda item: item.version):
        if item.status in ("Published", "Unlisted", "Archived"):
            print(f"     {item.version:<6} {item.status:<9} {item.action:<7} {item.reason}")


def _options() -> list[str]:
    return [f"--{name}={value}" for name, value in ACME_CLI.items()]
