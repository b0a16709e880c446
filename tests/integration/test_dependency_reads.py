"""The CodeArtifact adapter reads a version's dependencies from the emulator over HTTP: every page, the revision they
were read at, counted, paced as a read, within the budget, and refused whole when an answer cannot be trusted."""

import json
import urllib.request
from typing import Any

import pytest

from disposer.budget import Budget
from disposer.codeartifact.client import CodeArtifactClient, create_client
from disposer.codeartifact.pacing import ACCOUNT_READ_TPS, PacingPlan, QuotaPacer
from disposer.errors import DeadlineExceededError, NotFoundError, ThrottledError, UpstreamError
from disposer.model.dependencies import Dependency
from disposer.model.packages import PackageFormat, PackageRef

APP = PackageRef("acme", None, "releases", PackageFormat.NPM, "acme", "app")
DECLARED = [
    {"namespace": "acme", "package": "ui-kit", "dependencyType": "regular", "versionRequirement": "^1.2.0"},
    {"package": "left-pad", "versionRequirement": "1.3.0"},
    *({"package": f"dep-{i:03}", "dependencyType": "dev", "versionRequirement": f"~{i}.0.0"} for i in range(118)),
]
APP_VERSIONS = [{"version": "2.0.0", "dependencies": DECLARED}, {"version": "1.0.0", "dependencies": DECLARED[:1]}]


class FakeClock:
    """Time that only moves when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def seed() -> dict[str, Any]:
    package = {"format": "npm", "namespace": "acme", "name": "app", "versions": APP_VERSIONS}
    return {"domains": [{"name": "acme", "repositories": [{"name": "releases", "packages": [package]}]}]}


def _adapter(url: str, **options: Any) -> CodeArtifactClient:
    pacer = options.pop("pacer", None)
    return CodeArtifactClient(create_client(endpoint_url=url, max_attempts=1, pacer=pacer), **options)


def _reseed(url: str, revision: str) -> None:
    """Publish app 2.0.0 again under `revision`, through the emulator's control plane (a seed merges in)."""
    package: dict[str, Any] = {"format": "npm", "namespace": "acme", "name": "app"}
    package["versions"] = [{"version": "2.0.0", "revision": revision, "dependencies": DECLARED}]
    document = {"domains": [{"name": "acme", "repositories": [{"name": "releases", "packages": [package]}]}]}
    request = urllib.request.Request(f"{url}/_emulator/seed", data=json.dumps(document).encode(), method="POST")
    urllib.request.urlopen(request, timeout=5).close()


def test_dependencies_every_page_read_with_revision_and_counted(emulator, client):
    # GIVEN a version declaring 120 dependencies (three pages)
    adapter = _adapter(emulator.url)

    # WHEN the adapter reads them
    read = adapter.dependencies(APP, "2.0.0")

    # THEN all of them, in order, as value types, at the version's revision, in three counted calls
    revision = client.describe_package_version(
        domain="acme", repository="releases", format="npm", namespace="acme", package="app", packageVersion="2.0.0"
    )["packageVersion"]["revision"]
    assert (read.version, read.revision) == ("2.0.0", revision)
    assert read.dependencies[:2] == (
        Dependency(namespace="acme", package="ui-kit", dependency_type="regular", requirement="^1.2.0"),
        Dependency(namespace=None, package="left-pad", dependency_type=None, requirement="1.3.0"),
    )
    assert [d.package for d in read.dependencies[2:]] == [f"dep-{i:03}" for i in range(118)]
    assert adapter.counter.calls["ListPackageVersionDependencies"] == 3


def test_dependencies_paced_from_the_read_quota(emulator):
    # GIVEN a pacer allowing 10 reads a second (a share of the account's 800), on a fake clock
    clock = FakeClock()
    pacer = QuotaPacer(PacingPlan(share=10 / ACCOUNT_READ_TPS), clock=clock, sleep=clock.sleep)
    adapter = _adapter(emulator.url, pacer=pacer)

    # WHEN a version with three pages of dependencies is read
    adapter.dependencies(APP, "2.0.0")

    # THEN the second and third pages each waited for a read token: 0.1 s apiece
    assert clock.now == pytest.approx(0.2)


def test_dependencies_not_sent_once_the_budget_is_spent(emulator):
    # GIVEN an adapter whose time budget is already spent
    clock = FakeClock()
    adapter = _adapter(emulator.url, budget=Budget.starting_now(0.0, clock=clock))

    # WHEN it is asked for dependencies
    with pytest.raises(DeadlineExceededError):
        adapter.dependencies(APP, "1.0.0")

    # THEN nothing reached CodeArtifact
    assert "ListPackageVersionDependencies" not in emulator.faults.stats()["calls"]


def test_dependencies_service_errors_become_ours(emulator):
    # GIVEN an adapter, and one throttle scripted for the operation
    adapter = _adapter(emulator.url)
    emulator.faults.inject("ListPackageVersionDependencies", "ThrottlingException", 1, retryAfterSeconds=3)

    # WHEN it is throttled, then asked for a version that does not exist
    with pytest.raises(ThrottledError) as throttled:
        adapter.dependencies(APP, "1.0.0")
    with pytest.raises(NotFoundError):
        adapter.dependencies(APP, "9.9.9")

    # THEN both are the service's own errors, the throttle counted
    assert throttled.value.retry_after_seconds == 3
    assert adapter.counter.throttles == 1


def test_dependencies_version_republished_between_pages_is_refused(emulator):
    # GIVEN app 2.0.0 published again, under another revision, right after its first page is answered
    adapter = _adapter(emulator.url)
    pages: list[int] = []

    def republish_after_first_page(**_: Any) -> None:
        pages.append(1)
        if len(pages) == 1:
            _reseed(emulator.url, "Q2hhbmdlZCByZXZpc2lvbiBvZiB0aGUgdmVyc2lvbiE=")

    events = adapter._client.meta.events
    events.register("after-call.codeartifact.ListPackageVersionDependencies", republish_after_first_page)

    # WHEN its dependencies are read
    with pytest.raises(UpstreamError) as caught:
        adapter.dependencies(APP, "2.0.0")

    # THEN the read is refused (the pages are of two revisions), not returned in part
    assert caught.value.code == "VersionChanged"


@pytest.mark.parametrize(
    ("corrupt", "code"),
    [
        (lambda parsed: parsed["dependencies"][0].pop("package"), "UnreadableDependency"),
        (lambda parsed: parsed.__setitem__("nextToken", "WyJkZXBlbmRlbmNpZXMiLDUwXQ"), "RepeatedPageToken"),
    ],
)
def test_dependencies_answer_that_cannot_be_trusted_is_refused(emulator, corrupt, code):
    # GIVEN every answer altered on its way in: a dependency without a name, or the same next page over and over
    adapter = _adapter(emulator.url)

    def alter(parsed: dict[str, Any], **_: Any) -> None:
        corrupt(parsed)

    adapter._client.meta.events.register("after-call.codeartifact.ListPackageVersionDependencies", alter)

    # WHEN the dependencies are read
    with pytest.raises(UpstreamError) as caught:
        adapter.dependencies(APP, "2.0.0")

    # THEN the adapter refuses to answer rather than answer in part (or loop)
    assert caught.value.code == code
