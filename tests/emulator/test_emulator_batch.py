"""The batch mutators (codeartifact-api.md section 7) through boto3: per-version codes, all-or-nothing."""

import hashlib
import threading
from typing import Any

import pytest

from tests.emulator.seeds import versions_seed


def _revision(client: Any, coordinates: dict[str, str], version: str) -> str:
    described = client.describe_package_version(**coordinates, packageVersion=version)["packageVersion"]
    return str(described["revision"])


def _failed(result: dict[str, Any]) -> dict[str, str]:
    return {version: info["errorCode"] for version, info in result["failedVersions"].items()}


@pytest.mark.parametrize("operation", ["dispose", "update"])
def test_batch_missing_version_not_found_and_others_skipped(client, ui_kit, emulator, operation):
    # GIVEN a published version and a version that does not exist
    before = emulator.store.get_version("acme", "releases", "npm", "ui-kit", "1.0.0", namespace="acme")
    extra = {"targetStatus": "Archived"} if operation == "update" else {}
    call = client.dispose_package_versions if operation == "dispose" else client.update_package_versions_status

    # WHEN both are sent in one call
    result = call(**ui_kit, versions=["1.0.0", "9.9.9"], **extra)

    # THEN the missing one is NOT_FOUND, the other SKIPPED, and nothing changed
    assert result["successfulVersions"] == {}
    assert result["failedVersions"] == {
        "1.0.0": {"errorCode": "SKIPPED", "errorMessage": "version 1.0.0 is skipped"},
        "9.9.9": {"errorCode": "NOT_FOUND", "errorMessage": "Could not find version 9.9.9"},
    }
    assert emulator.store.get_version("acme", "releases", "npm", "ui-kit", "1.0.0", namespace="acme") == before


@pytest.mark.parametrize("operation", ["dispose", "update"])
def test_batch_wrong_revision_mismatched_revision_message(client, ui_kit, operation):
    # GIVEN the current revision of 1.0.0 and a stale one
    current = _revision(client, ui_kit, "1.0.0")
    extra = {"targetStatus": "Archived"} if operation == "update" else {}
    call = client.dispose_package_versions if operation == "dispose" else client.update_package_versions_status

    # WHEN the call pins the stale revision
    result = call(**ui_kit, versions=["1.0.0", "1.1.0"], versionRevisions={"1.0.0": "stale"}, **extra)

    # THEN 1.0.0 fails with AWS's message and 1.1.0 is skipped
    assert result["failedVersions"]["1.0.0"] == {
        "errorCode": "MISMATCHED_REVISION",
        "errorMessage": f"current revision: {current}, expected revision: stale",
    }
    assert result["failedVersions"]["1.1.0"]["errorCode"] == "SKIPPED"
    assert client.describe_package_version(**ui_kit, packageVersion="1.1.0")["packageVersion"]["status"] == "Published"


@pytest.mark.parametrize("operation", ["dispose", "update"])
def test_batch_wrong_expected_status_mismatched_status_message(client, ui_kit, operation):
    # GIVEN 1.0.0 Published
    extra = {"targetStatus": "Archived"} if operation == "update" else {}
    call = client.dispose_package_versions if operation == "dispose" else client.update_package_versions_status

    # WHEN the call expects Unlisted
    result = call(**ui_kit, versions=["1.0.0"], expectedStatus="Unlisted", **extra)

    # THEN it fails with the documented message
    assert result["failedVersions"] == {
        "1.0.0": {
            "errorCode": "MISMATCHED_STATUS",
            "errorMessage": "current status: Published, expected status: Unlisted",
        }
    }


def test_batch_revision_and_status_both_wrong_reports_revision_first(client, ui_kit):
    # GIVEN a stale revision and a wrong expected status for the same version
    # WHEN disposed
    result = client.dispose_package_versions(
        **ui_kit, versions=["1.0.0"], versionRevisions={"1.0.0": "stale"}, expectedStatus="Archived"
    )

    # THEN the revision check wins (section 7, C: order 2 before 3)
    assert _failed(result) == {"1.0.0": "MISMATCHED_REVISION"}


def test_update_disposed_version_not_allowed(client, ui_kit):
    # GIVEN the seeded Disposed 0.1.0
    # WHEN it is updated to Published alongside a Published version
    result = client.update_package_versions_status(**ui_kit, versions=["0.1.0", "1.0.0"], targetStatus="Published")

    # THEN the Disposed one is NOT_ALLOWED and the other SKIPPED
    assert _failed(result) == {"0.1.0": "NOT_ALLOWED", "1.0.0": "SKIPPED"}


def test_dispose_disposed_version_default_is_noop_success(client, ui_kit):
    # GIVEN the seeded Disposed 0.1.0
    revision = _revision(client, ui_kit, "0.1.0")

    # WHEN it is disposed again
    result = client.dispose_package_versions(**ui_kit, versions=["0.1.0"])

    # THEN it succeeds without change
    assert result["successfulVersions"] == {"0.1.0": {"revision": revision, "status": "Disposed"}}
    assert result["failedVersions"] == {}


def test_dispose_disposed_version_not_allowed_switch_fails(start, make_client, seed, ui_kit):
    # GIVEN an emulator told to refuse re-disposal
    client = make_client(start(seed, redispose_not_allowed=True).url)

    # WHEN a Disposed version is disposed again
    result = client.dispose_package_versions(**ui_kit, versions=["0.1.0", "1.0.0"])

    # THEN it is NOT_ALLOWED and the other SKIPPED
    assert _failed(result) == {"0.1.0": "NOT_ALLOWED", "1.0.0": "SKIPPED"}


def test_dispose_published_version_becomes_disposed_keeping_record(client, ui_kit):
    # GIVEN Published 1.0.0 with an asset
    revision = _revision(client, ui_kit, "1.0.0")

    # WHEN disposed, pinned to its revision and status
    result = client.dispose_package_versions(
        **ui_kit, versions=["1.0.0"], versionRevisions={"1.0.0": revision}, expectedStatus="Published"
    )

    # THEN it succeeds with the unchanged revision; it is still described, listed as Disposed, asset-less
    assert result == {
        **result,
        "successfulVersions": {"1.0.0": {"revision": revision, "status": "Disposed"}},
        "failedVersions": {},
    }
    described = client.describe_package_version(**ui_kit, packageVersion="1.0.0")["packageVersion"]
    assert (described["status"], described["revision"]) == ("Disposed", revision)
    assert client.list_package_version_assets(**ui_kit, packageVersion="1.0.0")["assets"] == []
    disposed = client.list_package_versions(**ui_kit, status="Disposed")["versions"]
    assert sorted(v["version"] for v in disposed) == ["0.1.0", "1.0.0"]


@pytest.mark.parametrize("status", ["Archived", "Unlisted"])
def test_dispose_archived_or_unlisted_version_succeeds(client, ui_kit, status):
    # GIVEN a version in a non-Published status
    version = {"Archived": "0.9.0", "Unlisted": "2.0.0-beta.1"}[status]

    # WHEN disposed with that expected status
    result = client.dispose_package_versions(**ui_kit, versions=[version], expectedStatus=status)

    # THEN it is Disposed
    assert result["successfulVersions"][version]["status"] == "Disposed"


def test_dispose_many_versions_all_succeed_atomically(client, ui_kit):
    # GIVEN three versions in different statuses
    versions = ["0.9.0", "1.0.0", "2.0.0-beta.1"]

    # WHEN disposed together
    result = client.dispose_package_versions(**ui_kit, versions=versions)

    # THEN all succeed
    assert sorted(result["successfulVersions"]) == versions
    assert {v["status"] for v in result["successfulVersions"].values()} == {"Disposed"}


def test_update_status_changes_status_keeping_revision(client, ui_kit):
    # GIVEN Published 1.0.0
    revision = _revision(client, ui_kit, "1.0.0")

    # WHEN archived, then restored to Published
    archived = client.update_package_versions_status(**ui_kit, versions=["1.0.0"], targetStatus="Archived")
    restored = client.update_package_versions_status(
        **ui_kit, versions=["1.0.0"], targetStatus="Published", expectedStatus="Archived"
    )

    # THEN both succeed and the revision never changes
    assert archived["successfulVersions"] == {"1.0.0": {"revision": revision, "status": "Archived"}}
    assert restored["successfulVersions"] == {"1.0.0": {"revision": revision, "status": "Published"}}
    assert _revision(client, ui_kit, "1.0.0") == revision


def test_update_same_status_is_noop_success(client, ui_kit):
    # GIVEN Published 1.0.0
    # WHEN updated to Published
    result = client.update_package_versions_status(**ui_kit, versions=["1.0.0"], targetStatus="Published")

    # THEN it succeeds
    assert result["successfulVersions"]["1.0.0"]["status"] == "Published"


@pytest.mark.parametrize("target", ["Disposed", "Unfinished", "Deleted"])
def test_update_forbidden_target_status_raises_validation(client, ui_kit, target):
    # GIVEN a target status Update does not allow
    # WHEN requested
    # THEN the whole call fails validation
    with pytest.raises(client.exceptions.ValidationException):
        client.update_package_versions_status(**ui_kit, versions=["1.0.0"], targetStatus=target)


def test_batch_empty_versions_returns_two_empty_maps(client, ui_kit):
    # GIVEN an empty versions list (the model sets no minimum)
    # WHEN disposed
    result = client.dispose_package_versions(**ui_kit, versions=[])

    # THEN both maps are empty
    assert (result["successfulVersions"], result["failedVersions"]) == ({}, {})


def test_batch_duplicate_versions_collapse(client, ui_kit):
    # GIVEN the same version twice
    # WHEN disposed
    result = client.dispose_package_versions(**ui_kit, versions=["1.0.0", "1.0.0"])

    # THEN it is reported once
    assert list(result["successfulVersions"]) == ["1.0.0"]


def test_batch_missing_package_raises_not_found(client, ui_kit):
    # GIVEN no package "ghost"
    # WHEN its versions are disposed
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        client.dispose_package_versions(**{**ui_kit, "package": "ghost"}, versions=["1.0.0"])

    # THEN the package is reported missing
    assert caught.value.response["resourceType"] == "package"


def test_delete_disposed_version_removes_it(client, ui_kit):
    # GIVEN the Disposed 0.1.0
    revision = _revision(client, ui_kit, "0.1.0")

    # WHEN deleted
    result = client.delete_package_versions(**ui_kit, versions=["0.1.0"], expectedStatus="Disposed")

    # THEN it reports Deleted and is gone
    assert result["successfulVersions"] == {"0.1.0": {"revision": revision, "status": "Deleted"}}
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_package_version(**ui_kit, packageVersion="0.1.0")
    assert "0.1.0" not in [v["version"] for v in client.list_package_versions(**ui_kit)["versions"]]


def test_delete_missing_version_not_found_and_others_skipped(client, ui_kit):
    # GIVEN one existing and one missing version
    # WHEN deleted together
    result = client.delete_package_versions(**ui_kit, versions=["1.0.0", "9.9.9"])

    # THEN nothing is deleted
    assert _failed(result) == {"1.0.0": "SKIPPED", "9.9.9": "NOT_FOUND"}
    assert client.describe_package_version(**ui_kit, packageVersion="1.0.0")["packageVersion"]["status"] == "Published"


def test_delete_all_versions_package_remains_and_republish_works(client):
    # GIVEN a published generic version
    coordinates = {
        "domain": "acme",
        "repository": "releases",
        "format": "generic",
        "namespace": "tools",
        "package": "cli",
    }
    content = b"v1"
    sha = hashlib.sha256(content).hexdigest()
    first = client.publish_package_version(
        **coordinates, packageVersion="1.0.0", assetName="cli.bin", assetContent=content, assetSHA256=sha
    )

    # WHEN it is deleted and published again
    client.delete_package_versions(**coordinates, versions=["1.0.0"])
    empty = client.list_package_versions(**coordinates)
    second = client.publish_package_version(
        **coordinates, packageVersion="1.0.0", assetName="cli.bin", assetContent=content, assetSHA256=sha
    )

    # THEN the package survived with no versions, and the republish is a new Published revision
    assert empty["versions"] == []
    assert second["status"] == "Published"
    assert second["versionRevision"] != first["versionRevision"]


def test_dispose_concurrent_disjoint_batches_all_disposed(start, make_client):
    # GIVEN 400 versions and 4 clients
    emulator = start(versions_seed(400))
    coordinates = {"domain": "bulk", "repository": "repo", "format": "generic", "namespace": "bulk", "package": "many"}
    results = []

    def dispose(worker):
        client = make_client(emulator.url)
        for batch in range(worker, 4, 4):
            names = [f"1.0.{i}" for i in range(batch * 100, batch * 100 + 100)]
            results.append(client.dispose_package_versions(**coordinates, versions=names))

    # WHEN they dispose disjoint batches at once
    threads = [threading.Thread(target=dispose, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # THEN every version is Disposed exactly once
    assert sum(len(r["successfulVersions"]) for r in results) == 400
    states = emulator.store.get_versions("bulk", "repo", "generic", "many", namespace="bulk")
    assert {state.status for state in states} == {"Disposed"}
