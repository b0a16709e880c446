"""A run's dependency memory against the emulator over HTTP and a ledger in moto's server: the first run calls
ListPackageVersionDependencies once per Published or Unlisted version and remembers what it read; the next
makes no such call and reads the ledger one BatchGetItem per 100 packages; a version published again is read
again; a call that fails is UnreadDependencies, and asked again by the next run."""

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from disposer.codeartifact.client import CodeArtifactClient, create_client
from disposer.ledger.table import LedgerTable
from disposer.model.dependencies import Dependency, KnownDependencies, UnreadDependencies
from disposer.model.packages import PackageFormat, PackageRef
from disposer.runs.dependencies import DependencyMemory
from local.emulator.seed import load_seed
from tests.support import dynamodb_requests as requests_sent

LIST_DEPENDENCIES = "ListPackageVersionDependencies"
PACKAGES = [f"lib-{i:03d}" for i in range(150)]
UI_KIT = {"namespace": "acme", "package": "ui-kit", "dependencyType": "regular", "versionRequirement": "^1.2.0"}
LEFT_PAD = {"package": "left-pad", "versionRequirement": "1.3.0"}
PEER = {"package": "react", "dependencyType": "peer", "versionRequirement": ">=18 <20"}
# Of each package's five versions, three remain to depend on anything: two Published, one Unlisted.
REMAINING = 3
VERSIONS = [
    {"version": "2.0.0", "dependencies": [UI_KIT, LEFT_PAD, PEER]},
    {"version": "1.1.0", "status": "Unlisted", "dependencies": [UI_KIT, LEFT_PAD]},
    {"version": "1.0.0", "dependencies": [LEFT_PAD]},
    {"version": "0.9.0", "status": "Archived", "dependencies": [LEFT_PAD]},
    {"version": "0.8.0", "status": "Disposed", "dependencies": [LEFT_PAD]},
]


def _seed(names: list[str], versions: list[dict[str, Any]]) -> dict[str, Any]:
    packages = [{"format": "npm", "name": name, "versions": versions} for name in names]
    return {"domains": [{"name": "acme", "repositories": [{"name": "releases", "packages": packages}]}]}


@pytest.fixture
def seed() -> dict[str, Any]:
    return _seed(PACKAGES, VERSIONS)


def _ref(name: str) -> PackageRef:
    return PackageRef("acme", None, "releases", PackageFormat.NPM, None, name)


REFS = [_ref(name) for name in PACKAGES]


@pytest.fixture
def ledger(moto_url: str, ledger_name: str) -> LedgerTable:
    return LedgerTable(ledger_name, boto3.client("dynamodb", endpoint_url=moto_url))


@pytest.fixture
def dynamodb_requests(ledger: LedgerTable) -> Counter[str]:
    """The DynamoDB requests the ledger sends (retries included), by operation."""
    return requests_sent(ledger._client)  # noqa: SLF001 - the table's own client


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=2) as executor:
        yield executor


def _adapter(emulator: Any) -> CodeArtifactClient:
    """A run's CodeArtifact adapter, counting its calls: one attempt each, so a failed call is one call."""
    return CodeArtifactClient(create_client(endpoint_url=emulator.url, max_attempts=1))


def _run(
    emulator: Any, ledger: LedgerTable, pool: ThreadPoolExecutor, refs: list[PackageRef] = REFS
) -> tuple[dict[PackageRef, dict[str, KnownDependencies]], int]:
    """One run's reads of every package's dependencies over its own listings, then its writes; what it found,
    and how many ListPackageVersionDependencies calls it made."""
    adapter = _adapter(emulator)
    listings = {ref: adapter.list_versions(ref) for ref in refs}
    memory = DependencyMemory(adapter, ledger, refs, pool)
    found = {ref: memory.of(ref, listings[ref]) for ref in refs}
    memory.flush()
    return found, adapter.counter.calls[LIST_DEPENDENCIES]


def test_dependencies_read_once_then_remembered_one_request_per_100_packages(emulator, ledger, dynamodb_requests, pool):
    # GIVEN 150 packages, each with two Published versions, an Unlisted, an Archived and a Disposed one
    # WHEN a first run reads their dependencies
    first, calls = _run(emulator, ledger, pool)
    # THEN one call per Published or Unlisted version, every dependency as seeded, None where none is given
    assert calls == REMAINING * len(PACKAGES) == emulator.faults.stats()["calls"][LIST_DEPENDENCIES]
    assert first[REFS[0]] == {
        "2.0.0": (
            Dependency("acme", "ui-kit", "regular", "^1.2.0"),
            Dependency(None, "left-pad", None, "1.3.0"),
            Dependency(None, "react", "peer", ">=18 <20"),
        ),
        "1.1.0": (Dependency("acme", "ui-kit", "regular", "^1.2.0"), Dependency(None, "left-pad", None, "1.3.0")),
        "1.0.0": (Dependency(None, "left-pad", None, "1.3.0"),),
    }
    # AND the ledger read in 2 requests, written in 6 (25 packages a request)
    assert dynamodb_requests == Counter({"BatchGetItem": 2, "BatchWriteItem": 6})
    # WHEN the next run reads them
    dynamodb_requests.clear()
    again, calls = _run(emulator, ledger, pool)
    # THEN no call at all: the same lists from one BatchGetItem per 100 packages, nothing written
    assert calls == 0 and again == first
    assert dynamodb_requests == Counter({"BatchGetItem": 2})


def _republish(emulator: Any, name: str, version: str, revision: str) -> None:
    """Publish `version` of `name` again under `revision` (a seed merges into the running emulator)."""
    entry = {"version": version, "revision": revision, "dependencies": [UI_KIT]}
    load_seed(emulator.store, _seed([name], [entry]))


def test_dependencies_of_a_version_published_again_read_again(emulator, ledger, dynamodb_requests, pool):
    # GIVEN a run that remembered every package's dependencies, then lib-007 1.0.0 published again
    _run(emulator, ledger, pool)
    _republish(emulator, "lib-007", "1.0.0", "UmV2aXNpb24gb2YgMS4wLjAgcHVibGlzaGVkIGFnYWlu")
    dynamodb_requests.clear()
    # WHEN the next run reads them
    again, calls = _run(emulator, ledger, pool)
    # THEN that version alone is read again (its new dependencies), and its package written back alone
    assert calls == 1 and again[_ref("lib-007")]["1.0.0"] == (Dependency("acme", "ui-kit", "regular", "^1.2.0"),)
    assert dynamodb_requests == Counter({"BatchGetItem": 2, "BatchWriteItem": 1})
    assert _run(emulator, ledger, pool)[1] == 0


def test_dependencies_answered_at_a_newer_revision_than_listed_are_used_and_remembered_at_it(emulator, ledger, pool):
    # GIVEN lib-001 listed, then its 2.0.0 published again before its dependencies are read
    refs = [_ref("lib-001")]
    adapter = _adapter(emulator)
    listing = adapter.list_versions(refs[0])
    _republish(emulator, "lib-001", "2.0.0", "TmV3ZXIgdGhhbiB0aGUgbGlzdGluZw==")
    # WHEN read over the older listing
    memory = DependencyMemory(adapter, ledger, refs, pool)
    found = memory.of(refs[0], listing)
    memory.flush()
    # THEN the answer is used, and remembered at its revision: a run that lists the new one calls nothing
    assert found["2.0.0"] == (Dependency("acme", "ui-kit", "regular", "^1.2.0"),)
    assert ("2.0.0", "TmV3ZXIgdGhhbiB0aGUgbGlzdGluZw==") in ledger.remembered_dependencies(refs)[refs[0]]
    assert _run(emulator, ledger, pool, refs)[1] == 0


def test_dependencies_call_that_fails_is_unread_and_asked_again_next_run(emulator, ledger, pool):
    # GIVEN CodeArtifact refusing the first dependency call
    emulator.faults.inject(LIST_DEPENDENCIES, "AccessDeniedException", 1)
    # WHEN a run reads lib-000's dependencies
    found, calls = _run(emulator, ledger, pool, REFS[:1])
    # THEN that version's are unread, saying why, and the others read
    unread = [version for version, known in found[REFS[0]].items() if isinstance(known, UnreadDependencies)]
    assert calls == REMAINING and len(unread) == 1
    assert "AccessDeniedException" in str(found[REFS[0]][unread[0]])
    # AND the next run asks for that version alone
    again, calls = _run(emulator, ledger, pool, REFS[:1])
    assert calls == 1 and not any(isinstance(known, UnreadDependencies) for known in again[REFS[0]].values())
