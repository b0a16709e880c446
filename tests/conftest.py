"""Fixtures shared by every tier: a safe local AWS environment, raw events and a Lambda context."""

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from disposer.observability import metrics

EVENTS = Path(__file__).parent / "events"

# Set before any boto3 client exists: tests must never reach a real AWS account by accident.
LOCAL_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_DEV": "false",
}


@pytest.fixture(autouse=True)
def local_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in LOCAL_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CODEARTIFACT"):
        monkeypatch.delenv(name, raising=False)


def load_event(name: str) -> dict[str, Any]:
    """A raw event from tests/events/, as the AWS service delivers it (a fresh copy each call)."""
    return copy.deepcopy(json.loads((EVENTS / name).read_text()))


@dataclass
class LambdaContext:
    function_name: str = "codeartifact-disposer"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:111122223333:function:codeartifact-disposer"
    aws_request_id: str = "52fdfc07-2182-454f-963f-5f0f9a621d72"


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture(autouse=True)
def reset_metrics() -> Iterator[None]:
    """Powertools Metrics keeps state per process; start every test from none."""
    yield
    metrics.clear_metrics()
    metrics.clear_default_dimensions()
