"""Selectors and pinning against the emulator: namespaces (scoped, unscoped, none), formats, revisions."""

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest

from disposer.codeartifact.client import CodeArtifactClient
from local.events import LambdaContext, process_clock, run_event
from tests.integration.harness import statuses

NOW = datetime(2026, 6, 1, tzinfo=UTC)
OLD = "2025-01-01T00:00:00Z"
PACKAGES = [
    {"format": "npm", "namespace": "acme", "name": "ui-kit"},
    {"format": "npm", "namespace": "acme-internal", "name": "ui-kit"},
    {"format": "npm", "name": "left-pad"},
    {"format": "pypi", "name": "acme-cli"},
    {"format": "generic", "namespace": "acme", "name": "builds"},
]


def coordinates(package: dict[str, str]) -> dict[str, str]:
    found = {"domain": "acme", "repository": "releases", "format": package["format"], "package": package["name"]}
    return found | ({"namespace": package["namespace"]} if "namespace" in package else {})


@pytest.fixture
def seed() -> dict[str, Any]:
    packages = [{**p, "versions": [{"version": f"1.{i}.0", "publishedTime": OLD} for i in range(3)]} for p in PACKAGES]
    return {"domains": [{"name": "acme", "repositories": [{"name": "releases", "packages": packages}]}]}


def apply(policy: dict[str, Any]) -> dict[str, Any]:
    """Run the policy through the real handler, as its schedule would, at NOW; its run report."""
    from disposer.handler import lambda_handler

    document = {"name": "t", "domain": "acme", "mode": "apply", "select": {"versionPattern": r"1\.[01]\.0"}, **policy}
    with process_clock(NOW):
        report: dict[str, Any] = lambda_handler(run_event(document, time=NOW), LambdaContext())
    return report


def disposed_packages(client) -> set[tuple[str, str | None, str]]:
    return {
        (p["format"], p.get("namespace"), p["name"])
        for p in PACKAGES
        if "Disposed" in statuses(client, coordinates(p)).values()
    }


@pytest.mark.parametrize(
    ("selectors", "expected"),
    [
        # a literal namespace is exact, though ListPackages' namespace filter is a prefix
        ({"format": "npm", "namespace": "acme"}, {("npm", "acme", "ui-kit")}),
        # no namespace given: scoped and unscoped npm packages alike
        ({"format": "npm"}, {("npm", "acme", "ui-kit"), ("npm", "acme-internal", "ui-kit"), ("npm", None, "left-pad")}),
        # a namespace without a format: every format that has one, never pypi
        ({"namespace": "acme"}, {("npm", "acme", "ui-kit"), ("generic", "acme", "builds")}),
        (
            {"namespace": "acme*"},
            {("npm", "acme", "ui-kit"), ("npm", "acme-internal", "ui-kit"), ("generic", "acme", "builds")},
        ),
        ({"format": "pypi", "package": "acme-*"}, {("pypi", None, "acme-cli")}),
    ],
)
def test_selectors_touch_exactly_the_packages_they_name(emulator, client, selectors, expected):
    report = apply(selectors)
    assert disposed_packages(client) == expected
    assert report["outcomes"] == {"disposed": 2 * len(expected)}


def test_republished_version_after_plan_is_not_disposed(emulator, client, monkeypatch):
    # GIVEN a generic version deleted and published again (a new revision) between plan and apply
    builds = coordinates(PACKAGES[4])
    original = CodeArtifactClient.dispose

    def republish_then_dispose(self, ref, versions, **kwargs):
        if "1.0.0" in versions and ref.package == "builds":
            client.delete_package_versions(**builds, versions=["1.0.0"])
            body = b"rebuilt"
            client.publish_package_version(
                **builds,
                packageVersion="1.0.0",
                assetContent=body,
                assetName="builds-1.0.0.zip",
                assetSHA256=hashlib.sha256(body).hexdigest(),
            )
        return original(self, ref, versions, **kwargs)

    monkeypatch.setattr(CodeArtifactClient, "dispose", republish_then_dispose)
    # WHEN the run applies its plan
    report = apply({"format": "generic", "namespace": "acme"})
    # THEN the republished version is reported MISMATCHED_REVISION and stays; the other is disposed
    assert statuses(client, builds) == {"1.0.0": "Published", "1.1.0": "Disposed", "1.2.0": "Published"}
    (failed,) = [item for item in report["items"] if item["outcome"] == "failed"]
    assert (failed["version"], failed["errorCode"]) == ("1.0.0", "MISMATCHED_REVISION")
