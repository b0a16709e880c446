"""Fixtures of the workflow tests: the synthesized state machine run by the local Step Functions, with the real
steps function in process, against the emulator and moto (S3, DynamoDB, SSM, EventBridge)."""

import json
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.workflow.runner import LocalWorkflow, local_workflow

RUN_TIME = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
BASE = {"domain": "acme", "maxDisposalsPerRun": 100000}
POLICIES: list[dict[str, Any]] = [
    {**BASE, "name": "prune", "mode": "apply", "repository": "releases", "keep": {"latest": 3}},
    {**BASE, "name": "preview", "mode": "plan", "repository": "releases", "keep": {"latest": 3}},
    {**BASE, "name": "aged", "mode": "apply", "select": {"olderThanDays": 60}, "keep": {"latest": 2}},
    {
        **BASE,
        "name": "gated",
        "mode": "apply",
        "repository": "releases",
        "keep": {"latest": 3},
        "approval": {"timeoutHours": 2},
    },
    {
        **BASE,
        "name": "capped",
        "mode": "apply",
        "repository": "releases",
        "keep": {"latest": 3},
        "maxDisposalsPerRun": 5,
    },
    {
        **BASE,
        "name": "needed",
        "mode": "plan",
        "repository": "releases",
        "keep": {"latest": 1, "dependencies": True},
    },
    {
        **BASE,
        "name": "quarantined",
        "mode": "apply",
        "repository": "releases",
        "keep": {"latest": 3},
        "quarantine": {"graceDays": 14},
    },
]


def domain_seed(packages: int = 23, versions: int = 12, *, seed: int = 7) -> dict[str, Any]:
    """`packages` npm packages of `versions` versions in releases (publish times spread over the past year, some
    shuffled so that publish order is not version order), and a few in snapshots."""
    rng = random.Random(seed)

    def package(name: str, count: int) -> dict[str, Any]:
        days = sorted(rng.sample(range(1, 365), count), reverse=True)
        rng.shuffle(days)
        return {
            "format": "npm",
            "namespace": "acme",
            "name": name,
            "versions": [
                {"version": f"1.{v}.0", "publishedTime": _iso(RUN_TIME - timedelta(days=days[v], hours=rng.random()))}
                for v in range(count)
            ],
        }

    releases = [package(f"pkg-{p:03d}", rng.randint(1, versions)) for p in range(packages)]
    snapshots = [package(f"snap-{p}", 4) for p in range(3)]
    return {
        "domains": [
            {
                "name": "acme",
                "owner": "111122223333",
                "repositories": [
                    {"name": "releases", "packages": releases},
                    {"name": "snapshots", "packages": snapshots},
                ],
            }
        ]
    }


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def seed() -> dict[str, Any]:
    return domain_seed()


@pytest.fixture
def policies_file(tmp_path: Path) -> Path:
    path = tmp_path / "policies.json"
    path.write_text(json.dumps({"policies": POLICIES}))
    return path


@pytest.fixture
def aws(moto_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """The steps function's AWS: moto for S3, DynamoDB, SSM and EventBridge; a reports bucket of its own."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    bucket = f"reports-{tmp_path.name.lower().replace('_', '-')[-40:]}"
    boto3.client("s3", endpoint_url=moto_url).create_bucket(Bucket=bucket)
    monkeypatch.setenv("DISPOSER_REPORTS_BUCKET", bucket)
    return moto_url


@pytest.fixture
def workflow(emulator: Any, aws: str, ledger_name: str, policies_file: Path) -> Iterator[LocalWorkflow]:
    with local_workflow(policies_file) as running:
        yield running


@pytest.fixture
def statuses(client: Any) -> Callable[[], dict[tuple[str, str, str], str]]:
    """Every version's status in the emulator now, by (repository, package, version)."""

    def read() -> dict[tuple[str, str, str], str]:
        found: dict[tuple[str, str, str], str] = {}
        for repository in ("releases", "snapshots"):
            packages = client.list_packages(domain="acme", repository=repository)["packages"]
            for package in packages:
                answer = client.list_package_versions(
                    domain="acme",
                    repository=repository,
                    format="npm",
                    namespace="acme",
                    package=package["package"],
                    maxResults=1000,
                )
                for version in answer["versions"]:
                    found[(repository, package["package"], version["version"])] = version["status"]
        return found

    return read
