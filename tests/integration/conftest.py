"""Fixtures of the integration tier: the real handlers against the emulator over HTTP and moto in server
mode, with every AWS call a function makes held to its role in the synthesized stack."""

import copy
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.iam import RECORDER, missing_permissions, synthesized
from tests.integration.harness import FanOut
from tests.integration.seeds import API_SEED


@pytest.fixture(autouse=True)
def iam_allows_every_call() -> Iterator[None]:
    """Fail the test if a function made an AWS call that its role in the synthesized stack does not allow."""
    RECORDER.take()
    yield
    missing = missing_permissions(RECORDER.take(), synthesized)
    if missing:
        pytest.fail("IAM would refuse:\n" + "\n".join(missing), pytrace=False)


@pytest.fixture
def seed() -> dict[str, Any]:
    """The API tests' domain (tests/integration/seeds.py); retention tests override it."""
    return copy.deepcopy(API_SEED)


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """moto in server mode on a free loopback port, for SQS and DynamoDB."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("moto server did not start") from None
            time.sleep(0.1)
    yield url
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def fanout(moto_url: str, emulator: Any, monkeypatch: pytest.MonkeyPatch) -> FanOut:
    """A work queue and a run table of their own in moto, and the functions configured to use them."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", moto_url)
    sqs = boto3.client("sqs", endpoint_url=moto_url)
    dynamodb = boto3.client("dynamodb", endpoint_url=moto_url)
    name = f"work-{uuid.uuid4().hex[:8]}"
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    monkeypatch.setenv("DISPOSER_WORK_QUEUE_URL", queue_url)
    monkeypatch.setenv("DISPOSER_RUN_TABLE", name)
    return FanOut(sqs, queue_url, dynamodb, name)


@pytest.fixture
def ledger(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A ledger table of its own in moto, and the functions configured to use it; its name."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", moto_url)
    name = f"ledger-{uuid.uuid4().hex[:8]}"
    boto3.client("dynamodb", endpoint_url=moto_url).create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
    )
    monkeypatch.setenv("DISPOSER_LEDGER_TABLE", name)
    return name
