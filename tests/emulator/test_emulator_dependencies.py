"""ListPackageVersionDependencies through boto3: seeded dependencies as the API shapes them, pages, errors, faults."""

from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.emulator import FaultSettings
from local.emulator.seed import SeedError, load_seed
from local.emulator.store import DEPENDENCIES_PAGE_SIZE, Store

APP = {"domain": "acme", "repository": "releases", "format": "npm", "namespace": "acme", "package": "app"}
UI_KIT = {"namespace": "acme", "package": "ui-kit", "dependencyType": "regular", "versionRequirement": "^1.2.0"}
LEFT_PAD = {"package": "left-pad", "versionRequirement": "1.3.0"}


def _seed(*packages: dict[str, Any]) -> dict[str, Any]:
    return {"domains": [{"name": "acme", "repositories": [{"name": "releases", "packages": list(packages)}]}]}


def _app(*versions: dict[str, Any]) -> dict[str, Any]:
    return {"format": "npm", "namespace": "acme", "name": "app", "versions": list(versions)}


def _all_pages(client: Any, **coordinates: Any) -> list[dict[str, Any]]:
    """Every page, following nextToken by hand: botocore has no paginator for this operation."""
    pages = [client.list_package_version_dependencies(**coordinates)]
    while "nextToken" in pages[-1]:
        pages.append(client.list_package_version_dependencies(**coordinates, nextToken=pages[-1]["nextToken"]))
    return pages


def test_dependencies_seeded_come_back_as_the_api_shapes_them(start, make_client):
    # GIVEN an npm version depending on a scoped package with a type and an unscoped one without
    client = make_client(start(_seed(_app({"version": "2.0.0", "dependencies": [UI_KIT, LEFT_PAD]}))).url)

    # WHEN its dependencies are listed
    answer = client.list_package_version_dependencies(**APP, packageVersion="2.0.0")

    # THEN the coordinates and the version's revision are echoed, and each dependency carries only what it has
    revision = client.describe_package_version(**APP, packageVersion="2.0.0")["packageVersion"]["revision"]
    assert {key: answer[key] for key in ("format", "namespace", "package", "version", "versionRevision")} == {
        "format": "npm",
        "namespace": "acme",
        "package": "app",
        "version": "2.0.0",
        "versionRevision": revision,
    }
    assert answer["dependencies"] == [UI_KIT, LEFT_PAD]
    assert "nextToken" not in answer


def test_dependencies_many_come_in_pages_of_50_in_declared_order(start, make_client):
    # GIVEN a version declaring 120 dependencies
    declared = [{"package": f"dep-{i:03}", "versionRequirement": f"^{i}.0.0"} for i in range(120)]
    client = make_client(start(_seed(_app({"version": "1.0.0", "dependencies": declared}))).url)

    # WHEN every page is read, following nextToken
    pages = _all_pages(client, **APP, packageVersion="1.0.0")

    # THEN 50/50/20, a token on all but the last, every dependency once in the declared order
    assert DEPENDENCIES_PAGE_SIZE == 50
    assert [len(page["dependencies"]) for page in pages] == [50, 50, 20]
    assert ["nextToken" in page for page in pages] == [True, True, False]
    assert [item for page in pages for item in page["dependencies"]] == declared


@pytest.mark.parametrize("status", ["Published", "Unlisted", "Archived", "Disposed"])
def test_dependencies_listed_whatever_the_version_status(start, make_client, status):
    # GIVEN a version with dependencies, in `status` (a Disposed one has lost its assets, not its record)
    client = make_client(start(_seed(_app({"version": "1.0.0", "status": status, "dependencies": [LEFT_PAD]}))).url)

    # WHEN its dependencies are listed
    answer = client.list_package_version_dependencies(**APP, packageVersion="1.0.0")

    # THEN they are there
    assert answer["dependencies"] == [LEFT_PAD]


def test_dependencies_none_declared_and_generic_list_empty(start, make_client):
    # GIVEN an npm version that declares none, and a generic package (which cannot declare any)
    generic = {"format": "generic", "namespace": "tools", "name": "cli", "versions": [{"version": "1.0.0"}]}
    client = make_client(start(_seed(_app({"version": "1.0.0"}), generic)).url)

    # WHEN their dependencies are listed
    npm = client.list_package_version_dependencies(**APP, packageVersion="1.0.0")
    coordinates = {**APP, "format": "generic", "namespace": "tools", "package": "cli"}
    tools = client.list_package_version_dependencies(**coordinates, packageVersion="1.0.0")

    # THEN both answer an empty list, with no token
    assert (npm["dependencies"], tools["dependencies"]) == ([], [])
    assert "nextToken" not in npm and "nextToken" not in tools


@pytest.mark.parametrize(
    ("change", "code", "members"),
    [
        ({"packageVersion": "9.9.9"}, "ResourceNotFoundException", {"resourceType": "package-version"}),
        ({"package": "nope"}, "ResourceNotFoundException", {"resourceType": "package"}),
        ({"repository": "nope"}, "ResourceNotFoundException", {"resourceType": "repository"}),
        ({"format": "bogus"}, "ValidationException", {"reason": "FIELD_VALIDATION_FAILED"}),
        ({"packageVersion": "1.0 0"}, "ValidationException", {"reason": "FIELD_VALIDATION_FAILED"}),
        ({"nextToken": "garbled"}, "ValidationException", {"reason": "OTHER"}),
    ],
)
def test_dependencies_bad_request_answers_modelled_error(start, make_client, change, code, members):
    # GIVEN a seeded version
    client = make_client(start(_seed(_app({"version": "1.0.0", "dependencies": [LEFT_PAD]}))).url)

    # WHEN its dependencies are asked for with one coordinate wrong
    with pytest.raises(ClientError) as caught:
        client.list_package_version_dependencies(**{**APP, "packageVersion": "1.0.0", **change})

    # THEN the error is the one the model lists, with its members
    response: dict[str, Any] = dict(caught.value.response)
    assert response["Error"]["Code"] == code
    assert {name: response[name] for name in members} == members


def test_dependencies_injected_fault_and_read_quota_apply(start, make_client):
    # GIVEN one injected AccessDenied for the operation, and a read quota of 1 call a second
    emulator = start(_seed(_app({"version": "1.0.0", "dependencies": [LEFT_PAD]})))
    client = make_client(emulator.url)
    emulator.faults.inject("ListPackageVersionDependencies", "AccessDeniedException", 1)

    # WHEN it is called once (injected), then twice in a row under the quota
    with pytest.raises(client.exceptions.AccessDeniedException):
        client.list_package_version_dependencies(**APP, packageVersion="1.0.0")
    emulator.faults.configure(FaultSettings(read_tps=1))
    first = client.list_package_version_dependencies(**APP, packageVersion="1.0.0")
    with pytest.raises(client.exceptions.ThrottlingException):
        client.list_package_version_dependencies(**APP, packageVersion="1.0.0")

    # THEN the call counts as a read and every outcome is in the stats
    assert first["dependencies"] == [LEFT_PAD]
    stats = emulator.faults.stats()
    assert stats["calls"]["ListPackageVersionDependencies"] == 3
    assert stats["injected"]["ListPackageVersionDependencies"] == 1
    assert stats["throttles"]["ListPackageVersionDependencies"] == 1


MAVEN_PARENT = {"namespace": "com.acme", "package": "parent", "dependencyType": "parent", "versionRequirement": "1.0"}


@pytest.mark.parametrize(
    ("fmt", "namespace", "dependency", "message"),
    [
        ("generic", "tools", LEFT_PAD, "generic packages cannot declare dependencies"),
        ("npm", None, {**LEFT_PAD, "dependencyType": "runtime"}, "'runtime' is not a npm dependency type"),
        ("nuget", None, {**LEFT_PAD, "dependencyType": "regular"}, "NuGet never sets one"),
        ("maven", "com.acme", {"package": "parent", "versionRequirement": "1.0"}, "namespace: required"),
        ("pypi", None, {**LEFT_PAD, "namespace": "acme"}, "pypi packages have no namespace"),
        ("npm", None, {"package": "left-pad"}, "versionRequirement: required"),
        ("npm", None, {**LEFT_PAD, "version": "1.3.0"}, "unknown field(s) ['version']"),
        ("npm", None, {**LEFT_PAD, "package": "@acme/ui-kit"}, "failed to satisfy constraint"),
        ("npm", None, {**LEFT_PAD, "dependencyType": 3}, "dependencyType: expected a string"),
    ],
)
def test_seed_dependency_against_the_api_rules_fails_naming_the_field(fmt, namespace, dependency, message):
    # GIVEN a seed whose version declares a dependency the API could not return
    package: dict[str, Any] = {"format": fmt, "name": "app", "versions": [{"version": "1.0.0"}]}
    if namespace:
        package["namespace"] = namespace
    package["versions"][0]["dependencies"] = [dependency]

    # WHEN it is loaded
    with pytest.raises(SeedError) as caught:
        load_seed(Store(), _seed(package))

    # THEN the error names the dependency and says what is wrong
    assert "domains[0].repositories[0].packages[0].versions[0].dependencies" in str(caught.value)
    assert message in str(caught.value)


def test_seed_dependencies_of_every_documented_kind_load(start, make_client):
    # GIVEN a Maven parent POM dependency, a PyPI Requires-Dist and a NuGet dependency (no type: never set)
    requests = {"package": "requests", "dependencyType": "Requires-Dist", "versionRequirement": ">=2.31"}
    newtonsoft = {"package": "newtonsoft.json", "versionRequirement": "[13.0.1, )"}
    maven: dict[str, Any] = {"format": "maven", "namespace": "com.acme", "name": "svc"}
    maven["versions"] = [{"version": "1.1", "dependencies": [MAVEN_PARENT]}]
    pypi = {"format": "pypi", "name": "tool", "versions": [{"version": "1.0", "dependencies": [requests]}]}
    nuget = {"format": "nuget", "name": "lib", "versions": [{"version": "1.0.0", "dependencies": [newtonsoft]}]}
    client = make_client(start(_seed(maven, pypi, nuget)).url)

    # WHEN each is listed
    base = {"domain": "acme", "repository": "releases"}
    coordinates = [
        {**base, "format": "maven", "namespace": "com.acme", "package": "svc", "packageVersion": "1.1"},
        {**base, "format": "pypi", "package": "tool", "packageVersion": "1.0"},
        {**base, "format": "nuget", "package": "lib", "packageVersion": "1.0.0"},
    ]
    answers = [client.list_package_version_dependencies(**each)["dependencies"] for each in coordinates]

    # THEN each comes back as seeded
    assert answers == [[MAVEN_PARENT], [requests], [newtonsoft]]
