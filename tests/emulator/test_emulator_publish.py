"""PublishPackageVersion (generic) through boto3: raw body, sha256 header, unfinished flow, conflicts."""

import hashlib
from typing import Any

import pytest

GENERIC = {"domain": "acme", "repository": "releases", "format": "generic", "namespace": "tools", "package": "tool"}


def _publish(
    client: Any,
    content: bytes = b"payload",
    *,
    version: str = "1.0.0",
    asset: str = "tool.bin",
    sha: str | None = None,
    **extra: Any,
) -> Any:
    return client.publish_package_version(
        **GENERIC,
        packageVersion=version,
        assetName=asset,
        assetContent=content,
        assetSHA256=sha or hashlib.sha256(content).hexdigest(),
        **extra,
    )


def test_publish_new_version_creates_published_version_and_package(client):
    # GIVEN no package "tool"
    # WHEN a version is published
    result = _publish(client, b"hello")

    # THEN it is Published with the asset's size and hashes, origin INTERNAL, package origin ALLOW/BLOCK
    assert result["status"] == "Published"
    assert result["asset"] == {
        "name": "tool.bin",
        "size": 5,
        "hashes": {
            "MD5": hashlib.md5(b"hello").hexdigest(),
            "SHA-1": hashlib.sha1(b"hello").hexdigest(),
            "SHA-256": hashlib.sha256(b"hello").hexdigest(),
            "SHA-512": hashlib.sha512(b"hello").hexdigest(),
        },
    }
    assert len(result["versionRevision"]) == 44
    described = client.describe_package_version(**GENERIC, packageVersion="1.0.0")["packageVersion"]
    assert described["origin"] == {"originType": "INTERNAL", "domainEntryPoint": {"repositoryName": "releases"}}
    package = client.describe_package(**GENERIC)["package"]
    assert package["originConfiguration"]["restrictions"] == {"publish": "ALLOW", "upstream": "BLOCK"}


def test_publish_sha_mismatch_raises_validation(client):
    # GIVEN a body whose hash differs from the header
    # WHEN published
    with pytest.raises(client.exceptions.ValidationException):
        _publish(client, b"hello", sha="0" * 64)

    # THEN nothing was created
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_package_version(**GENERIC, packageVersion="1.0.0")


def test_publish_unfinished_assets_then_final_publishes_with_new_revisions(client):
    # GIVEN a first asset published unfinished
    first = _publish(client, b"one", asset="a.bin", unfinished=True)

    # WHEN a second asset is added unfinished and a third finishes the version
    second = _publish(client, b"two", asset="b.bin", unfinished=True)
    third = _publish(client, b"three", asset="c.bin")

    # THEN statuses go Unfinished, Unfinished, Published; every new asset mints a new revision
    assert [first["status"], second["status"], third["status"]] == ["Unfinished", "Unfinished", "Published"]
    assert len({first["versionRevision"], second["versionRevision"], third["versionRevision"]}) == 3
    assets = client.list_package_version_assets(**GENERIC, packageVersion="1.0.0")["assets"]
    assert [asset["name"] for asset in assets] == ["a.bin", "b.bin", "c.bin"]


def test_publish_unfinished_then_update_status_publishes(client):
    # GIVEN an Unfinished version
    _publish(client, unfinished=True)

    # WHEN UpdatePackageVersionsStatus sets it Published
    result = client.update_package_versions_status(
        **GENERIC, versions=["1.0.0"], targetStatus="Published", expectedStatus="Unfinished"
    )

    # THEN it is Published
    assert result["successfulVersions"]["1.0.0"]["status"] == "Published"


def test_publish_new_asset_to_published_version_raises_conflict(client):
    # GIVEN a Published version
    _publish(client, b"one", asset="a.bin")

    # WHEN another asset is added
    with pytest.raises(client.exceptions.ConflictException) as caught:
        _publish(client, b"two", asset="b.bin")

    # THEN the version is the conflicting resource
    assert caught.value.response["resourceType"] == "package-version"


def test_publish_same_asset_same_content_is_idempotent(client):
    # GIVEN a Published version
    first = _publish(client, b"one")

    # WHEN the same asset and content is published again
    again = _publish(client, b"one")

    # THEN it succeeds with the same revision
    assert again["versionRevision"] == first["versionRevision"]


def test_publish_same_asset_different_content_raises_conflict(client):
    # GIVEN an Unfinished version with asset a.bin
    _publish(client, b"one", asset="a.bin", unfinished=True)

    # WHEN a.bin is published with other content
    with pytest.raises(client.exceptions.ConflictException) as caught:
        _publish(client, b"two", asset="a.bin", unfinished=True)

    # THEN the asset is the conflicting resource
    assert caught.value.response["resourceType"] == "asset"


def test_publish_to_disposed_version_raises_conflict(client):
    # GIVEN a disposed version
    _publish(client, b"one")
    client.dispose_package_versions(**GENERIC, versions=["1.0.0"])

    # WHEN published to again
    # THEN it conflicts
    with pytest.raises(client.exceptions.ConflictException):
        _publish(client, b"one")


def test_publish_non_generic_format_raises_validation(client):
    # GIVEN an npm coordinate
    # WHEN published through the generic API
    # THEN it fails validation
    with pytest.raises(client.exceptions.ValidationException):
        client.publish_package_version(
            **{**GENERIC, "format": "npm"},
            packageVersion="1.0.0",
            assetName="x.tgz",
            assetContent=b"x",
            assetSHA256=hashlib.sha256(b"x").hexdigest(),
        )


def test_publish_generic_without_namespace_raises_validation(client):
    # GIVEN a generic coordinate without namespace
    coordinates = {key: value for key, value in GENERIC.items() if key != "namespace"}

    # WHEN published
    # THEN it fails validation
    with pytest.raises(client.exceptions.ValidationException):
        client.publish_package_version(
            **coordinates,
            packageVersion="1.0.0",
            assetName="x.bin",
            assetContent=b"x",
            assetSHA256=hashlib.sha256(b"x").hexdigest(),
        )


@pytest.mark.parametrize("asset", ["..", " lead.bin", "a  b.bin", "bad#name", "ctrl\u0007.bin"])
def test_publish_bad_asset_name_raises_validation(client, asset):
    # GIVEN an asset name the service does not allow
    # WHEN published
    # THEN it fails validation
    with pytest.raises(client.exceptions.ValidationException):
        _publish(client, asset=asset)


def test_publish_missing_repository_raises_not_found(client):
    # GIVEN no repository "nope"
    # WHEN published to it
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        client.publish_package_version(
            **{**GENERIC, "repository": "nope"},
            packageVersion="1.0.0",
            assetName="x.bin",
            assetContent=b"x",
            assetSHA256=hashlib.sha256(b"x").hexdigest(),
        )

    # THEN the repository is reported missing
    assert caught.value.response["resourceType"] == "repository"
