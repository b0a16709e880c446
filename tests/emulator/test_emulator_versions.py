"""Package version reads through boto3: listing, pagination, sorting, filters, describe, assets."""

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.emulator.seeds import T0, versions_seed

MANY = {"domain": "bulk", "repository": "repo", "format": "generic", "namespace": "bulk", "package": "many"}


def _names(result: dict[str, Any]) -> list[str]:
    return [version["version"] for version in result["versions"]]


def test_list_package_versions_paginator_2500_versions_three_pages(start, make_client):
    # GIVEN a package with 2,500 versions
    client = make_client(start(versions_seed(2500)).url)

    # WHEN paginated 1,000 per page, newest first
    pages = list(
        client.get_paginator("list_package_versions").paginate(
            **MANY, sortBy="PUBLISHED_TIME", PaginationConfig={"PageSize": 1000}
        )
    )

    # THEN 3 pages of 1000/1000/500, no token on the last, defaultDisplayVersion on each, every version once
    assert [len(page["versions"]) for page in pages] == [1000, 1000, 500]
    assert ["nextToken" in page for page in pages] == [True, True, False]
    assert all(page["defaultDisplayVersion"] == "1.0.2499" for page in pages)
    names = [v["version"] for page in pages for v in page["versions"]]
    assert names == [f"1.0.{i}" for i in reversed(range(2500))]


def test_list_package_versions_default_page_size_is_50(start, make_client):
    # GIVEN a package with 120 versions
    client = make_client(start(versions_seed(120)).url)

    # WHEN listed without max-results
    page = client.list_package_versions(**MANY)

    # THEN 50 come back with a token
    assert len(page["versions"]) == 50
    assert "nextToken" in page


def test_list_package_versions_exact_page_has_no_token(start, make_client):
    # GIVEN a package with exactly 1,000 versions
    client = make_client(start(versions_seed(1000)).url)

    # WHEN one page of 1,000 is listed
    page = client.list_package_versions(**MANY, maxResults=1000)

    # THEN there is no token for an empty next page
    assert len(page["versions"]) == 1000
    assert "nextToken" not in page


def test_list_package_versions_50000_versions_token_continues_newest_first(start, make_client):
    # GIVEN a package with 50,000 versions
    client = make_client(start(versions_seed(50_000)).url)

    # WHEN the newest and then the next page are listed
    first = client.list_package_versions(**MANY, sortBy="PUBLISHED_TIME", maxResults=1000)
    second = client.list_package_versions(
        **MANY, sortBy="PUBLISHED_TIME", maxResults=1000, nextToken=first["nextToken"]
    )

    # THEN they continue each other, newest first
    assert _names(first)[0] == "1.0.49999"
    assert _names(second)[0] == "1.0.48999"


def test_list_package_versions_sort_by_published_time_newest_first(client, ui_kit):
    # GIVEN seeded versions published at different times
    # WHEN listed by publish time
    result = client.list_package_versions(**ui_kit, sortBy="PUBLISHED_TIME")

    # THEN newest comes first, every status included
    assert _names(result) == ["3.0.0", "2.0.0-beta.1", "1.1.0", "1.0.0", "0.9.0", "0.1.0"]
    assert result["format"] == "npm"
    assert result["namespace"] == "acme"
    assert result["package"] == "ui-kit"


def test_list_package_versions_status_filter_returns_only_that_status(client, ui_kit):
    # GIVEN versions in several statuses
    # WHEN filtered by each status
    by_status = {
        status: _names(client.list_package_versions(**ui_kit, status=status, sortBy="PUBLISHED_TIME"))
        for status in ("Published", "Archived", "Unlisted", "Disposed", "Unfinished", "Deleted")
    }

    # THEN each filter returns exactly its versions
    assert by_status == {
        "Published": ["3.0.0", "1.1.0", "1.0.0"],
        "Archived": ["0.9.0"],
        "Unlisted": ["2.0.0-beta.1"],
        "Disposed": ["0.1.0"],
        "Unfinished": [],
        "Deleted": [],
    }


def test_list_package_versions_origin_filter_returns_only_that_origin(client, ui_kit):
    # GIVEN one EXTERNAL version among INTERNAL ones
    # WHEN filtered by origin type
    external = client.list_package_versions(**ui_kit, originType="EXTERNAL")
    internal_published = client.list_package_versions(**ui_kit, originType="INTERNAL", status="Published")

    # THEN each filter applies (and combines with status)
    assert _names(external) == ["3.0.0"]
    assert external["versions"][0]["origin"] == {
        "originType": "EXTERNAL",
        "domainEntryPoint": {"externalConnectionName": "public:npmjs"},
    }
    assert sorted(_names(internal_published)) == ["1.0.0", "1.1.0"]


def test_list_package_versions_filtered_paginator_returns_every_match(start, make_client):
    # GIVEN 300 versions of which every third is Archived
    seed = versions_seed(300)
    for index, version in enumerate(seed["domains"][0]["repositories"][0]["packages"][0]["versions"]):
        if index % 3 == 0:
            version["status"] = "Archived"
    client = make_client(start(seed).url)

    # WHEN Archived versions are paginated 30 per page
    pages = list(
        client.get_paginator("list_package_versions").paginate(
            **MANY, status="Archived", sortBy="PUBLISHED_TIME", PaginationConfig={"PageSize": 30}
        )
    )

    # THEN 100 come back over 4 pages, and defaultDisplayVersion still names the newest Published
    names = [v["version"] for page in pages for v in page["versions"]]
    assert names == [f"1.0.{i}" for i in reversed(range(0, 300, 3))]
    assert len(pages) == 4
    assert {page["defaultDisplayVersion"] for page in pages} == {"1.0.299"}


def test_list_package_versions_default_display_version_absent_without_published(client, ui_kit):
    # GIVEN every Published version archived
    client.update_package_versions_status(**ui_kit, versions=["1.0.0", "1.1.0", "3.0.0"], targetStatus="Archived")

    # WHEN versions are listed
    result = client.list_package_versions(**ui_kit)

    # THEN there is no default display version
    assert "defaultDisplayVersion" not in result


def test_list_package_versions_missing_package_raises_not_found(client, ui_kit):
    # GIVEN no package "ghost"
    # WHEN its versions are listed
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        client.list_package_versions(**{**ui_kit, "package": "ghost"})

    # THEN the message and members follow AWS
    assert caught.value.response["resourceType"] == "package"
    assert caught.value.response["Error"]["Message"] == (
        "The npm package 'ghost' does not exist in repository 'releases'."
    )


def test_list_package_versions_empty_package_returns_empty_list(client):
    # GIVEN a seeded package with no versions
    # WHEN its versions are listed
    result = client.list_package_versions(
        domain="acme", repository="releases", format="generic", namespace="tools", package="cli"
    )

    # THEN the list is empty and there is no token
    assert result["versions"] == []
    assert "nextToken" not in result


def test_list_package_versions_garbled_token_raises_validation(client, ui_kit):
    # GIVEN a token the emulator never issued
    # WHEN used
    # THEN the call fails validation
    with pytest.raises(client.exceptions.ValidationException):
        client.list_package_versions(**ui_kit, nextToken="not-a-token")


def test_describe_package_version_seeded_returns_description(client, ui_kit):
    # GIVEN the seeded 1.0.0 published at 2025-01-31T12:00:00Z
    # WHEN described
    version = client.describe_package_version(**ui_kit, packageVersion="1.0.0")["packageVersion"]

    # THEN the fields follow the API (packageName, npm displayName, epoch publishedTime)
    assert version["packageName"] == "ui-kit"
    assert version["displayName"] == "@acme/ui-kit"
    assert version["version"] == "1.0.0"
    assert version["status"] == "Published"
    assert version["publishedTime"] == datetime.fromtimestamp(T0, UTC)
    assert len(version["revision"]) == 44
    assert version["origin"] == {"originType": "INTERNAL", "domainEntryPoint": {"repositoryName": "releases"}}


def test_describe_package_version_missing_raises_not_found(client, ui_kit):
    # GIVEN no version 9.9.9
    # WHEN described
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        client.describe_package_version(**ui_kit, packageVersion="9.9.9")

    # THEN the version is reported missing
    assert caught.value.response["resourceType"] == "package-version"
    assert caught.value.response["resourceId"] == "9.9.9"


def test_list_package_version_assets_seeded_returns_size_and_hashes(client, ui_kit):
    # GIVEN 1.0.0 seeded with a 1 MiB asset
    # WHEN its assets are listed
    result = client.list_package_version_assets(**ui_kit, packageVersion="1.0.0")

    # THEN the asset has its size and the four hashes, and the revision is echoed
    assert result["version"] == "1.0.0"
    assert len(result["versionRevision"]) == 44
    [asset] = result["assets"]
    assert asset["name"] == "ui-kit-1.0.0.tgz"
    assert asset["size"] == 1048576
    assert set(asset["hashes"]) == {"MD5", "SHA-1", "SHA-256", "SHA-512"}
    assert len(asset["hashes"]["SHA-256"]) == 64


def test_list_package_version_dependencies_any_version_returns_empty(client, ui_kit):
    # GIVEN a seeded version
    # WHEN its dependencies are listed
    result = client.list_package_version_dependencies(**ui_kit, packageVersion="1.0.0")

    # THEN there are none
    assert result["dependencies"] == []
    assert result["version"] == "1.0.0"
