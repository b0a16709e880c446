"""Domain, repository and authorization-token operations through boto3."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.emulator.seeds import ACCOUNT


def test_create_domain_new_name_returns_description(client):
    # GIVEN an emulator without a domain "beta"
    # WHEN it is created
    domain = client.create_domain(domain="beta")["domain"]

    # THEN the description has the caller's account, ARN and zero counts
    assert domain["name"] == "beta"
    assert domain["owner"] == ACCOUNT
    assert domain["arn"] == f"arn:aws:codeartifact:us-east-1:{ACCOUNT}:domain/beta"
    assert domain["status"] == "Active"
    assert domain["repositoryCount"] == 0
    assert domain["assetSizeBytes"] == 0
    assert isinstance(domain["createdTime"], datetime)
    assert client.describe_domain(domain="beta")["domain"]["arn"] == domain["arn"]


def test_create_domain_existing_name_raises_conflict(client):
    # GIVEN the seeded domain "acme"
    # WHEN it is created again
    with pytest.raises(client.exceptions.ConflictException) as caught:
        client.create_domain(domain="acme")

    # THEN the conflict names the domain
    assert caught.value.response["resourceType"] == "domain"
    assert caught.value.response["resourceId"] == "acme"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_describe_domain_seeded_counts_repositories_and_asset_bytes(client):
    # GIVEN the seeded domain with two repositories and sized assets
    # WHEN it is described
    domain = client.describe_domain(domain="acme", domainOwner=ACCOUNT)["domain"]

    # THEN the counts reflect the seed (Disposed versions hold no assets)
    assert domain["repositoryCount"] == 2
    assert domain["assetSizeBytes"] == 1048576 + 6 * 1024


def test_describe_domain_missing_raises_not_found_with_resource(client):
    # GIVEN no domain "nope"
    # WHEN it is described
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        client.describe_domain(domain="nope")

    # THEN the error names the missing domain as AWS does
    error = caught.value.response
    assert error["resourceType"] == "domain"
    assert error["resourceId"] == "nope"
    assert error["Error"]["Message"].startswith("Domain not found. Domain 'nope' owned by account")


def test_describe_domain_other_owner_raises_not_found(client):
    # GIVEN the seeded domain owned by the default account
    # WHEN it is described under another owner
    # THEN it is not found
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_domain(domain="acme", domainOwner="999999999999")


def test_list_domains_two_domains_sorted_by_name(client):
    # GIVEN a second domain
    client.create_domain(domain="zeta")

    # WHEN domains are listed
    domains = client.list_domains()["domains"]

    # THEN both appear, by name
    assert [d["name"] for d in domains] == ["acme", "zeta"]


def test_create_repository_with_upstream_returns_description(client):
    # GIVEN the seeded domain and repository "releases"
    # WHEN a repository with "releases" upstream is created
    repository = client.create_repository(
        domain="acme",
        repository="proxy",
        description="pulls from releases",
        upstreams=[{"repositoryName": "releases"}],
        tags=[{"key": "team", "value": "web"}],
    )["repository"]

    # THEN the description carries the domain, upstream and ARN
    assert repository["name"] == "proxy"
    assert repository["domainName"] == "acme"
    assert repository["domainOwner"] == ACCOUNT
    assert repository["administratorAccount"] == ACCOUNT
    assert repository["arn"] == f"arn:aws:codeartifact:us-east-1:{ACCOUNT}:repository/acme/proxy"
    assert repository["upstreams"] == [{"repositoryName": "releases"}]
    assert repository["description"] == "pulls from releases"
    assert client.describe_repository(domain="acme", repository="proxy")["repository"]["name"] == "proxy"


def test_create_repository_existing_name_raises_conflict(client):
    # GIVEN the seeded repository "releases"
    # WHEN it is created again
    with pytest.raises(client.exceptions.ConflictException) as caught:
        client.create_repository(domain="acme", repository="releases")

    # THEN the conflict names the repository
    assert caught.value.response["resourceType"] == "repository"


def test_create_repository_missing_domain_raises_not_found(client):
    # GIVEN no domain "nope"
    # WHEN a repository is created in it
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        client.create_repository(domain="nope", repository="r1")

    # THEN the domain is reported missing
    assert caught.value.response["resourceType"] == "domain"


def test_create_repository_unknown_upstream_raises_not_found(client):
    # GIVEN no repository "ghost"
    # WHEN it is named as an upstream
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        client.create_repository(domain="acme", repository="proxy", upstreams=[{"repositoryName": "ghost"}])

    # THEN the upstream is reported missing
    assert caught.value.response["resourceId"] == "ghost"


def test_describe_repository_missing_raises_not_found(client):
    # GIVEN no repository "nope"
    # WHEN it is described
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        client.describe_repository(domain="acme", repository="nope")

    # THEN the repository is reported missing
    assert caught.value.response["resourceType"] == "repository"
    assert caught.value.response["resourceId"] == "nope"


def test_list_repositories_prefix_and_paginator_pages_all(client):
    # GIVEN 5 more repositories named build-*
    for index in range(5):
        client.create_repository(domain="acme", repository=f"build-{index}")

    # WHEN listed by prefix, two per page
    paginator = client.get_paginator("list_repositories")
    pages = list(paginator.paginate(repositoryPrefix="build", PaginationConfig={"PageSize": 2}))

    # THEN 3 pages hold the 5 repositories in name order, and the last page has no token
    names = [repo["name"] for page in pages for repo in page["repositories"]]
    assert names == [f"build-{i}" for i in range(5)]
    assert len(pages) == 3
    assert "nextToken" not in pages[-1]


def test_list_repositories_in_domain_all_returns_summaries(client):
    # GIVEN the seeded domain
    # WHEN its repositories are listed
    repositories = client.list_repositories_in_domain(domain="acme")["repositories"]

    # THEN both repositories are summarised, by name
    assert [repo["name"] for repo in repositories] == ["releases", "staging"]
    assert {"upstreams", "externalConnections"}.isdisjoint(repositories[0])


def test_list_repositories_in_domain_other_administrator_returns_empty(client):
    # GIVEN repositories administered by the default account
    # WHEN filtered by another administrator account
    result = client.list_repositories_in_domain(domain="acme", administratorAccount="999999999999")

    # THEN nothing matches
    assert result["repositories"] == []


def test_get_authorization_token_duration_sets_expiration(client):
    # GIVEN the seeded domain
    before = datetime.now(UTC)

    # WHEN a 15-minute token is requested
    result = client.get_authorization_token(domain="acme", durationSeconds=900)

    # THEN a token expiring in about 15 minutes is returned
    assert result["authorizationToken"]
    assert before + timedelta(seconds=890) <= result["expiration"] <= before + timedelta(seconds=910)


def test_get_authorization_token_short_duration_raises_validation(client):
    # GIVEN a duration between 1 and 899 seconds, which the service rejects
    # WHEN a token is requested
    # THEN the call fails validation
    with pytest.raises(client.exceptions.ValidationException):
        client.get_authorization_token(domain="acme", durationSeconds=60)
