"""Package listing, description and deletion through boto3."""

from typing import Any

import pytest

from tests.emulator.seeds import versions_seed


def _packages(client: Any, **filters: str) -> list[tuple[str, str | None, str]]:
    paginator = client.get_paginator("list_packages")
    pages = paginator.paginate(domain="acme", repository="releases", **filters)
    return [(p["format"], p.get("namespace"), p["package"]) for page in pages for p in page["packages"]]


def test_list_packages_no_filter_returns_all_sorted_by_name(client):
    # GIVEN the seeded repository
    # WHEN packages are listed
    packages = _packages(client)

    # THEN every package appears, by name
    assert packages == [
        ("generic", "tools", "cli"),
        ("npm", None, "left-pad"),
        ("pypi", None, "requests"),
        ("npm", "acme", "ui-kit"),
    ]


def test_list_packages_format_filter_returns_only_that_format(client):
    # GIVEN packages of three formats
    # WHEN filtered by npm
    # THEN only npm packages appear
    assert {fmt for fmt, _, _ in _packages(client, format="npm")} == {"npm"}


def test_list_packages_namespace_prefix_matches_start(client):
    # GIVEN an npm package in namespace "acme"
    # WHEN filtered by namespace prefix "ac"
    # THEN it matches
    assert _packages(client, format="npm", namespace="ac") == [("npm", "acme", "ui-kit")]


def test_list_packages_package_prefix_matches_start(client):
    # GIVEN packages "left-pad" and others
    # WHEN filtered by package prefix "le"
    # THEN only left-pad matches
    assert _packages(client, packagePrefix="le") == [("npm", None, "left-pad")]


def test_list_packages_namespace_without_format_raises_validation(client):
    # GIVEN a namespace filter without a format, which the service rejects
    # WHEN packages are listed
    # THEN the call fails validation
    with pytest.raises(client.exceptions.ValidationException):
        client.list_packages(domain="acme", repository="releases", namespace="acme")


def test_list_packages_origin_filter_matches_restrictions(client):
    # GIVEN ui-kit whose first version was published internally (publish=ALLOW, upstream=BLOCK)
    # WHEN filtered by upstream=ALLOW
    # THEN nothing matches, and publish=ALLOW matches all
    assert _packages(client, upstream="ALLOW") == []
    assert len(_packages(client, publish="ALLOW")) == 4


def test_list_packages_paginator_small_pages_returns_every_package(start, make_client):
    # GIVEN a repository with 25 packages
    packages = [{"format": "npm", "name": f"pkg-{i:02d}", "versions": [{"version": "1.0.0"}]} for i in range(25)]
    seed = {"domains": [{"name": "acme", "repositories": [{"name": "releases", "packages": packages}]}]}
    client = make_client(start(seed).url)

    # WHEN listed ten per page
    pages = list(
        client.get_paginator("list_packages").paginate(
            domain="acme", repository="releases", PaginationConfig={"PageSize": 10}
        )
    )

    # THEN three pages carry all 25 and the last has no token
    assert [len(page["packages"]) for page in pages] == [10, 10, 5]
    assert "nextToken" not in pages[-1]
    assert [p["package"] for page in pages for p in page["packages"]] == [f"pkg-{i:02d}" for i in range(25)]


def test_list_packages_missing_repository_raises_not_found(client):
    # GIVEN no repository "nope"
    # WHEN its packages are listed
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        client.list_packages(domain="acme", repository="nope")

    # THEN the repository is reported missing
    assert caught.value.response["resourceType"] == "repository"


def test_describe_package_seeded_returns_origin_configuration(client, ui_kit):
    # GIVEN the seeded ui-kit package
    # WHEN described
    package = client.describe_package(**ui_kit)["package"]

    # THEN its name and origin restrictions are returned
    assert package["name"] == "ui-kit"
    assert package["namespace"] == "acme"
    assert package["originConfiguration"]["restrictions"] == {"publish": "ALLOW", "upstream": "BLOCK"}


def test_delete_package_seeded_removes_package_and_versions(client, ui_kit):
    # GIVEN the seeded ui-kit package
    # WHEN deleted
    deleted = client.delete_package(**ui_kit)["deletedPackage"]

    # THEN it is reported and then gone
    assert deleted["package"] == "ui-kit"
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        client.list_package_versions(**ui_kit)
    assert caught.value.response["resourceType"] == "package"
    assert ("npm", "acme", "ui-kit") not in _packages(client)


def test_delete_package_missing_raises_not_found(client, ui_kit):
    # GIVEN no package "ghost"
    # WHEN deleted
    # THEN it is not found
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.delete_package(**{**ui_kit, "package": "ghost"})


def test_list_packages_thousand_and_one_packages_first_page_full_with_token(start, make_client):
    # GIVEN 1,001 packages
    seed = versions_seed(1)
    packages = seed["domains"][0]["repositories"][0]["packages"]
    packages += [{"format": "npm", "name": f"p{i}", "versions": [{"version": "1.0.0"}]} for i in range(1000)]
    client = make_client(start(seed).url)

    # WHEN the first package page is listed
    page = client.list_packages(domain="bulk", repository="repo", maxResults=1000)

    # THEN it is full and points to the next page
    assert len(page["packages"]) == 1000
    assert "nextToken" in page
