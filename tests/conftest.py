"""Fixtures shared by every tier: a safe local AWS environment, a Lambda context, clean metrics. The emulator's
fixtures (tests/emulated.py) start it only for the tests that ask; the IAM recorder, which wraps botocore,
is installed by the integration tier alone: unit tests run with neither."""

import json
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from disposer.observability import logger, metrics
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


# The emulator and a plain client of it, for the tiers whose tests ask for them.
pytest_plugins = ("tests.emulated",)


@pytest.fixture(autouse=True)
def local_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in LOCAL_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CODEARTIFACT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


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
