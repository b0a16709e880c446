"""The reports bucket through moto's S3: documents, JSON Lines, a run claimed once, and failures named."""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from disposer.errors import ReportsError
from disposer.reports.store import RunStore


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="reports")
        yield client


def test_a_document_reads_back_and_a_missing_one_is_none(s3: Any):
    store = RunStore("reports", s3)
    store.put_json("runs/r1/run.json", {"runId": "r1", "n": [1, 2]})
    assert store.get_json("runs/r1/run.json") == {"runId": "r1", "n": [1, 2]}
    assert store.get_json("runs/r1/nothing.json") is None


def test_only_the_first_writer_claims_a_key(s3: Any):
    # GIVEN a run id claimed by a first execution
    store = RunStore("reports", s3)
    assert store.put_json("runs/r1/run.json", {"by": "first"}, only_if_new=True)
    # WHEN a second execution of the same event tries to claim it
    claimed = store.put_json("runs/r1/run.json", {"by": "second"}, only_if_new=True)
    # THEN it is told so, and the first claim stands
    assert claimed is False
    assert store.get_json("runs/r1/run.json") == {"by": "first"}


def test_json_lines_stream_back_in_order(s3: Any):
    store = RunStore("reports", s3)
    written = store.put_lines("runs/r1/plan/00000.jsonl", ({"n": n, "text": "é\n"} for n in range(2500)))
    assert written == 2500
    assert list(store.lines("runs/r1/plan/00000.jsonl")) == [{"n": n, "text": "é\n"} for n in range(2500)]
    assert list(store.lines("runs/r1/plan/missing.jsonl")) == []


def test_a_bucket_that_cannot_be_read_is_a_transient_error_naming_the_key(s3: Any):
    store = RunStore("no-such-bucket", s3)
    with pytest.raises(ReportsError, match="runs/r1/run.json") as raised:
        store.get_json("runs/r1/run.json")
    assert raised.value.transient
