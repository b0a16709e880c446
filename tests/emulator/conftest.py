"""Fixtures for the emulator tests: the standard seed (the shared `emulator` and `client` fixtures start
and read it), emulators started on demand, and clients for any of them."""

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from local.emulator import RunningEmulator, start_emulator
from tests.emulator.seeds import BASE_SEED, UI_KIT, boto3_client, versions_seed


@pytest.fixture
def seed() -> dict[str, Any]:
    """A fresh copy of the standard seed (tests may edit it before the emulator starts)."""
    return copy.deepcopy(BASE_SEED)


@pytest.fixture
def start() -> Iterator[Callable[..., RunningEmulator]]:
    """Start emulators with any start_emulator() arguments; all are stopped after the test."""
    running: list[RunningEmulator] = []

    def _start(*args: Any, **kwargs: Any) -> RunningEmulator:
        emulator = start_emulator(*args, **kwargs)
        running.append(emulator)
        return emulator

    yield _start
    for emulator in running:
        emulator.stop()


@pytest.fixture
def make_client() -> Callable[..., Any]:
    """Build a boto3 codeartifact client for a URL, with extra botocore Config options."""
    return boto3_client


@pytest.fixture
def ui_kit() -> dict[str, str]:
    """Coordinates of the seeded npm package @acme/ui-kit."""
    return dict(UI_KIT)


@pytest.fixture
def seed_with_versions() -> Callable[..., dict[str, Any]]:
    """versions_seed() as a fixture."""
    return versions_seed
