"""Fixtures for the emulator tests: a seeded emulator on a random loopback port and boto3 clients."""

import copy
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from local.emulator import RunningEmulator, start_emulator

ACCOUNT = "111122223333"
T0 = 1_738_324_800  # 2025-01-31T12:00:00Z

BASE_SEED: dict[str, Any] = {
    "domains": [
        {
            "name": "acme",
            "owner": ACCOUNT,
            "repositories": [
                {
                    "name": "releases",
                    "packages": [
                        {
                            "format": "npm",
                            "namespace": "acme",
                            "name": "ui-kit",
                            "versions": [
                                {"version": "0.1.0", "status": "Disposed", "publishedTime": T0 - 400},
                                {"version": "0.9.0", "status": "Archived", "publishedTime": T0 - 300},
                                {
                                    "version": "1.0.0",
                                    "publishedTime": "2025-01-31T12:00:00Z",
                                    "assets": [{"name": "ui-kit-1.0.0.tgz", "size": 1048576}],
                                },
                                {"version": "1.1.0", "publishedTime": T0 + 100},
                                {"version": "2.0.0-beta.1", "status": "Unlisted", "publishedTime": T0 + 200},
                                {
                                    "version": "3.0.0",
                                    "publishedTime": T0 + 300,
                                    "origin": {
                                        "originType": "EXTERNAL",
                                        "domainEntryPoint": {"externalConnectionName": "public:npmjs"},
                                    },
                                },
                            ],
                        },
                        {"format": "npm", "name": "left-pad", "versions": [{"version": "1.3.0"}]},
                        {"format": "pypi", "name": "requests", "versions": [{"version": "2.31.0"}]},
                        {"format": "generic", "namespace": "tools", "name": "cli", "versions": []},
                    ],
                },
                {"name": "staging"},
            ],
        }
    ]
}

UI_KIT = {"domain": "acme", "repository": "releases", "format": "npm", "namespace": "acme", "package": "ui-kit"}


def boto3_client(url: str, **config: Any) -> Any:
    """A codeartifact client for `url`; one attempt in total (retries.max_attempts counts retries, not attempts)."""
    options: dict[str, Any] = {"retries": {"total_max_attempts": 1}}
    options.update(config)
    return boto3.client(
        "codeartifact",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(**options),
    )


@pytest.fixture
def base_seed() -> dict[str, Any]:
    """A fresh copy of the standard seed (tests may edit it)."""
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
def emulator(start: Callable[..., RunningEmulator], base_seed: dict[str, Any]) -> RunningEmulator:
    """An emulator seeded with BASE_SEED."""
    return start(base_seed)


@pytest.fixture
def make_client() -> Callable[..., Any]:
    """Build a boto3 codeartifact client for a URL, with extra botocore Config options."""
    return boto3_client


@pytest.fixture
def client(emulator: RunningEmulator) -> Any:
    """A boto3 codeartifact client for the seeded emulator."""
    return boto3_client(emulator.url)


@pytest.fixture
def ui_kit() -> dict[str, str]:
    """Coordinates of the seeded npm package @acme/ui-kit."""
    return dict(UI_KIT)


def versions_seed(
    count: int, *, fmt: str = "generic", namespace: str | None = "bulk", name: str = "many"
) -> dict[str, Any]:
    """A seed with one package of `count` versions published one second apart (version i at T0 + i)."""
    package: dict[str, Any] = {
        "format": fmt,
        "name": name,
        "versions": [{"version": f"1.0.{i}", "publishedTime": T0 + i} for i in range(count)],
    }
    if namespace is not None:
        package["namespace"] = namespace
    return {"domains": [{"name": "bulk", "repositories": [{"name": "repo", "packages": [package]}]}]}


@pytest.fixture
def seed_with_versions() -> Callable[..., dict[str, Any]]:
    """versions_seed() as a fixture."""
    return versions_seed
