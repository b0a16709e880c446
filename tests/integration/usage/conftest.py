"""The usage recorder's world: an organization trail's bucket (with a key prefix) and the ledger table in moto's
in-process mock (its writes serialized, as DynamoDB's are: tests/moto_locks.py), the recorder configured for the
`acme` domain with scanners ignored, and SQS events of the trail's S3 notices sent through the real handler; for a
backfill, the account's event history served by the local LookupEvents endpoint (local/trail/server.py) from the
log files in the trail's bucket."""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from disposer.ledger.table import LedgerTable, package_key
from disposer.ledger.usage import USAGE_PREFIX
from disposer.model.packages import PackageFormat, PackageRef
from disposer.model.usage import Download
from disposer.recorder import lambda_handler
from local.events import LambdaContext
from local.tables import create_ledger_table
from local.trail.events import s3_notification, sqs_event
from local.trail.files import TrailWriter
from local.trail.history import TrailHistory
from local.trail.records import ACCOUNT
from local.trail.server import RunningHistory
from tests.moto_locks import serialize_dynamodb_writes

BUCKET = "acme-cloudtrail"
PREFIX = "org-trail"
SCANNER = "arn:aws:iam::*:role/scanner"


@dataclass
class Trail:
    """The trail's bucket and writer, the ledger, and the recorder fed through its real handler."""

    s3: Any
    dynamodb: Any
    writer: TrailWriter
    ledger: LedgerTable

    def send(self, *bodies: dict[str, Any] | str) -> dict[str, Any]:
        """One SQS batch, a message per body, through the handler; its partial batch response."""
        answer: dict[str, Any] = lambda_handler(sqs_event(list(bodies)), LambdaContext())
        return answer

    def notify(self, *keys: str | None) -> dict[str, Any]:
        """One batch announcing each key (one S3 notification per message, as S3 sends them)."""
        return self.send(*(s3_notification(BUCKET, key) for key in keys if key is not None))

    def use_table(self, name: str) -> None:
        create_ledger_table(self.dynamodb, name)
        self.ledger = LedgerTable(name, self.dynamodb)

    def state(self) -> list[dict[str, Any]]:
        """Every item of the ledger, without expiry times (a file's is set when it is marked), sets sorted."""
        pages = self.dynamodb.get_paginator("scan").paginate(TableName=self.ledger.name)
        items = [
            {name: ({"SS": sorted(value["SS"])} if "SS" in value else value) for name, value in item.items()}
            for page in pages
            for item in page["Items"]
        ]
        for item in items:
            item.pop("expires_at", None)
        return sorted(items, key=lambda item: (item["pk"]["S"], item["sk"]["S"]))

    def downloads(self) -> dict[str, dict[str, Download]]:
        """Every package's recorded downloads, by package partition and version."""
        found: dict[str, dict[str, Download]] = {}
        for item in self.state():
            if item["pk"]["S"].startswith(USAGE_PREFIX):
                found.setdefault(item["pk"]["S"].removeprefix(USAGE_PREFIX), {})
        return {key: self.ledger.downloads(_ref_of(key)) for key in found}


def _ref_of(key: str) -> PackageRef:
    _, domain, _, repository, package_format, namespace, package = key.split("#")
    return PackageRef(domain, None, repository, PackageFormat(package_format), namespace or None, package)


def partition(package_format: str, package: str, namespace: str | None = None, repository: str = "releases") -> str:
    return package_key(PackageRef("acme", None, repository, PackageFormat(package_format), namespace, package))


@pytest.fixture
def trail(monkeypatch: pytest.MonkeyPatch) -> Iterator[Trail]:
    # The recorder writes a digest's item from several threads, as DynamoDB allows: moto must apply them one by one.
    serialize_dynamodb_writes(monkeypatch)
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        name = f"ledger-{uuid.uuid4().hex[:8]}"
        create_ledger_table(dynamodb, name)
        for variable, value in {
            "DISPOSER_LEDGER_TABLE": name,
            "DISPOSER_USAGE_BUCKET": BUCKET,
            "DISPOSER_USAGE_PREFIX": PREFIX,
            "DISPOSER_DOMAIN": "acme",
            "DISPOSER_USAGE_IGNORE_PRINCIPALS": f" {SCANNER} , arn:aws:iam::{ACCOUNT}:user/mirror-?",
        }.items():
            monkeypatch.setenv(variable, value)
        writer = TrailWriter(s3, BUCKET, prefix=PREFIX, org="o-exampleorgid")
        yield Trail(s3, dynamodb, writer, LedgerTable(name, dynamodb))


def at(hour: datetime, minute: int, second: int = 0) -> datetime:
    return hour.replace(minute=minute, second=second)


@pytest.fixture
def history(trail: Trail, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], RunningHistory]]:
    """Serve event history of what the trail's bucket holds when called (AWS_ENDPOINT_URL_CLOUDTRAIL points at it)."""
    started: list[RunningHistory] = []

    def serve() -> RunningHistory:
        running = RunningHistory(TrailHistory.from_bucket(trail.s3, BUCKET, prefix=PREFIX))
        started.append(running)
        monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDTRAIL", running.url)
        return running

    yield serve
    for running in started:
        running.stop()
