"""Fixtures shared by every tier: a safe local AWS environment, a Lambda context, clean metrics."""

import json
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from disposer.observability import logger, metrics
from local.emulator import RunningEmulator, start_emulator
from tests.iam import RECORDER
from tests.support import LambdaContext

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


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture
def emulator(seed: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningEmulator]:
    """The emulator on a random loopback port, seeded with `seed` (each tier or module says which), and the
    function pointed at it."""
    with start_emulator(seed=seed) as running:
        monkeypatch.setenv("AWS_ENDPOINT_URL_CODEARTIFACT", running.url)
        # Two attempts keep retried-fault tests fast; the deployed default is 5.
        monkeypatch.setenv("DISPOSER_MAX_ATTEMPTS", "2")
        yield running


@pytest.fixture
def client(emulator: RunningEmulator) -> Any:
    """A plain boto3 client on the emulator, one attempt per call, to set up and check its state
    independently of the code under test."""
    return boto3.client(
        "codeartifact",
        endpoint_url=emulator.url,
        region_name="us-east-1",
        config=Config(retries={"total_max_attempts": 1}),
    )


@pytest.fixture(autouse=True)
def reset_powertools() -> Iterator[None]:
    """Powertools Metrics and Logger keep state per process (metrics, appended keys); every test starts
    from none, as every invocation does (the handlers clear the logger's state when they start)."""
    yield
    metrics.clear_metrics()
    metrics.clear_default_dimensions()
    logger.clear_state()


class _CurrentStdout:
    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@pytest.fixture
def printed(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The JSON lines the function printed (log records and EMF metrics), parsed, as CloudWatch gets them."""
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    # The module-level Logger bound its stream at import; make it write to whatever stdout is now.
    previous, handler.stream = handler.stream, _CurrentStdout()
    yield lambda: [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    handler.stream = previous


# Every AWS call a function makes in any test is recorded (tests/integration checks each against IAM).
RECORDER.install()
