"""Fixtures of the tiers that talk to (emulated) AWS: the emulator on a loopback port and a plain client of it.
Their conftest files import these; the unit tests never start an emulator."""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from local.emulator import RunningEmulator, start_emulator


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
