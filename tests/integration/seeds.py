"""The data the integration tests seed the emulator with, and what policies over it must do."""

from datetime import UTC, datetime, timedelta
from typing import Any

RELEASES = {"domain": "acme", "repository": "releases"}
UI_KIT = {**RELEASES, "format": "npm", "namespace": "acme", "package": "ui-kit"}
UI_ICONS = {**UI_KIT, "package": "ui-icons"}
BUILDS = {**RELEASES, "format": "generic", "namespace": "ci", "package": "builds"}
SERVICE = {"domain": "acme", "repository": "snapshots", "format": "maven", "namespace": "com.acme", "package": "svc"}


def _versions(names: list[str], **extra: Any) -> list[dict[str, Any]]:
    return [
        {"version": name, "publishedTime": f"2026-01-{i % 28 + 1:02d}T12:00:00Z", **extra}
        for i, name in enumerate(names)
    ]


def _package(coordinates: dict[str, str], versions: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": coordinates["format"],
        "namespace": coordinates["namespace"],
        "name": coordinates["package"],
        "versions": versions,
    }


# The API tests' domain: ui-kit 1.0.0 .. 1.7.0 (January 2026), 0.9.0 Archived, 0.8.0 Unlisted; 250 builds.
API_SEED: dict[str, Any] = {
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
                            [
                                *_versions([f"1.{i}.0" for i in range(8)]),
                                {"version": "0.9.0", "status": "Archived", "publishedTime": "2025-06-01T00:00:00Z"},
                                {"version": "0.8.0", "status": "Unlisted", "publishedTime": "2025-05-01T00:00:00Z"},
                            ],
                        ),
                        _package(BUILDS, _versions([f"build-{i:04d}" for i in range(250)])),
                    ],
                },
            ],
        }
    ]
}

# Retention runs: scheduled at RUN_TIME, the event's clock.
RUN_TIME = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
# ui-kit: 1.0.0 .. 1.11.0, one every 20 days, the newest 10 days before the run; 2.0.0-rc.1 unfinished.
UI_KIT_AGES = {f"1.{i}.0": 10 + 20 * (11 - i) for i in range(12)}


def retention_seed(reference: datetime) -> dict[str, Any]:
    """The retention tests' domain, every publish time counted back from `reference` (the run's clock)."""

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


# The policy the retention tests run (its schedule's event is tests/events/scheduled_run.json).
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
# ui-kit versions older than 90 days: 1.0.0 .. 1.6.0 (1.7.0 is exactly 90 days old: not older). Kept
# among them: 1.0.0 by pattern. The latest 3 and the default display version are younger anyway.
EXPECTED_UI_KIT = {f"1.{i}.0" for i in range(1, 7)}
EXPECTED_UI_ICONS = {"0.0.0", "0.1.0"}  # 5 versions 296..300 days old, latest 3 kept
EXPECTED_DISPOSALS = len(EXPECTED_UI_KIT) + len(EXPECTED_UI_ICONS)
SCHEDULED_RUN_ID = "7bf73129-1428-4cd3-a780-95db273d1602"


def package_seed(coordinates: dict[str, Any], versions: list[dict[str, Any]]) -> dict[str, Any]:
    """A domain `acme` holding one package (its namespace left out when None), with `versions`."""
    package = {"format": coordinates["format"], "name": coordinates["package"], "versions": versions}
    if coordinates.get("namespace") is not None:
        package["namespace"] = coordinates["namespace"]
    repository = {"name": coordinates["repository"], "packages": [package]}
    return {"domains": [{"name": coordinates["domain"], "repositories": [repository]}]}


# The policy ci_builds_seed's packages are made for: their versions older than 90 days go.
CI_BUILDS_POLICY: dict[str, Any] = {
    "name": "prune-libs",
    "mode": "apply",
    "domain": "acme",
    "repository": "releases",
    "format": "generic",
    "namespace": "ci",
    "package": "lib-*",
    "select": {"olderThanDays": 90},
    "keep": {},
}


def ci_builds_seed(names: list[str], versions: int, days_apart: int) -> dict[str, Any]:
    """Generic packages `names` in acme/releases (namespace ci), each of versions 1.0.0 .. 1.0.<versions - 1>,
    `days_apart` days apart, the newest published at RUN_TIME."""

    def at(days: int) -> str:
        return (RUN_TIME - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")

    packages = [
        {
            "format": "generic",
            "namespace": "ci",
            "name": name,
            "versions": [
                {"version": f"1.0.{i}", "publishedTime": at(days_apart * (versions - 1 - i))} for i in range(versions)
            ],
        }
        for name in names
    ]
    return {
        "domains": [
            {"name": "acme", "owner": "111122223333", "repositories": [{"name": "releases", "packages": packages}]}
        ]
    }
