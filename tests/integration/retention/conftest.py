"""Retention-run tests: a domain seeded relative to the run's clock, and the scheduled event that runs it."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.emulator import RunningEmulator, start_emulator
from tests.integration.conftest import statuses
from tests.support import load_event

RUN_TIME = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
UI_KIT = {"domain": "acme", "repository": "releases", "format": "npm", "namespace": "acme", "package": "ui-kit"}
UI_ICONS = {**UI_KIT, "package": "ui-icons"}
SERVICE = {"domain": "acme", "repository": "snapshots", "format": "maven", "namespace": "com.acme", "package": "svc"}

# ui-kit: 1.0.0 .. 1.11.0, one every 20 days, the newest 10 days before the run; 2.0.0-rc.1 unfinished.
UI_KIT_AGES = {f"1.{i}.0": 10 + 20 * (11 - i) for i in range(12)}


def seed_at(reference: datetime) -> dict[str, Any]:
    """The test domain with every publish time counted back from `reference` (the run's clock)."""

    def _at(days_before: int) -> str:
        return (reference - timedelta(days=days_before)).strftime("%Y-%m-%dT%H:%M:%SZ")

    return {
        "domains": [
            {
                "name": "acme",
                "owner": "111122223333",
                "repositories": [
                    {
                        "name": "releases",
                        "packages": [
                            _package(
                                UI_KIT,
                                [{"version": v, "publishedTime": _at(age)} for v, age in UI_KIT_AGES.items()]
                                + [{"version": "2.0.0-rc.1", "status": "Unfinished", "publishedTime": _at(1)}],
                            ),
                            _package(
                                UI_ICONS, [{"version": f"0.{i}.0", "publishedTime": _at(300 - i)} for i in range(5)]
                            ),
                        ],
                    },
                    {
                        "name": "snapshots",
                        "packages": [
                            _package(
                                SERVICE, [{"version": f"1.0.{i}", "publishedTime": _at(500 - i)} for i in range(4)]
                            )
                        ],
                    },
                ],
            }
        ]
    }


def _package(coordinates: dict[str, str], versions: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": coordinates["format"],
        "namespace": coordinates["namespace"],
        "name": coordinates["package"],
        "versions": versions,
    }


POLICY: dict[str, Any] = {
    "name": "prune-ui",
    "mode": "apply",
    "domain": "acme",
    "repository": "releases",
    "format": "npm",
    "namespace": "acme",
    "package": "ui-*",
    "select": {"olderThanDays": 90},
    "keep": {"latest": 3, "newerThanDays": 30, "versionPatterns": ["^1\\.0\\.0$"]},
}


@pytest.fixture
def emulator(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningEmulator]:
    # Scheduled runs use the event's clock; API runs use the wall clock, an hour ahead of which the
    # seed is placed so that no version drifts across an age boundary while the test runs.
    api_test = request.node.name.startswith(("test_plan_api", "test_apply_api"))
    reference = datetime.now(UTC) + timedelta(hours=1) if api_test else RUN_TIME
    with start_emulator(seed=seed_at(reference)) as running:
        monkeypatch.setenv("AWS_ENDPOINT_URL_CODEARTIFACT", running.url)
        monkeypatch.setenv("DISPOSER_MAX_ATTEMPTS", "2")
        yield running


def scheduled_event(drop: tuple[str, ...] = (), **changes: Any) -> dict[str, Any]:
    event = load_event("scheduled_run.json")
    event["detail"] = {key: value for key, value in {**POLICY, **changes}.items() if key not in drop}
    return event


def run_scheduled(context, drop: tuple[str, ...] = (), **changes: Any) -> dict[str, Any]:
    from disposer.handler import lambda_handler

    result: dict[str, Any] = lambda_handler(scheduled_event(drop, **changes), context)
    return result


def disposed(client, coordinates) -> set[str]:
    return {v for v, s in statuses(client, coordinates).items() if s == "Disposed"}
