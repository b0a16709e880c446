"""Fixtures of the local Step Functions' tests: a fake clock, moto's S3 with a bucket, an EventBridge recorder."""

import itertools
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.asl.clock import FakeClock

BUCKET = "reports"


class EventRecorder:
    """Stands in for PutEvents: keeps the entries, answers as EventBridge does."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def __call__(self, entries: list[dict[str, Any]]) -> dict[str, Any]:
        with self._lock:
            self.entries.extend(entries)
            return {"Entries": [{"EventId": f"event-{next(self._ids)}"} for _ in entries], "FailedEntryCount": 0}

    def detail_types(self) -> list[str]:
        return [entry["DetailType"] for entry in self.entries]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def events() -> EventRecorder:
    return EventRecorder()


@pytest.fixture
def s3() -> Iterator[Any]:
    """moto's S3 in-process, with the bucket BUCKET."""
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client
