"""Seed files: the documented format (docs/emulator.md), its defaults, origin forms, errors, and load speed."""

import copy
import json
import time
from typing import Any

import pytest

from local.emulator.seed import SeedError, load_seed
from local.emulator.store import Store
from tests.emulator.seeds import T0, versions_seed

MINIMAL: dict[str, Any] = {
    "domains": [
        {
            "name": "acme",
            "repositories": [
                {
                    "name": "releases",
                    "packages": [{"format": "npm", "name": "ui-kit", "versions": [{"version": "1.0.0"}]}],
                }
            ],
        }
    ]
}
UI_KIT = {"domain": "acme", "repository": "releases", "format": "npm", "package": "ui-kit"}


def _seed_with_version(**version: Any) -> dict[str, Any]:
    seed = copy.deepcopy(MINIMAL)
    seed["domains"][0]["repositories"][0]["packages"][0]["versions"] = [{"version": "1.0.0", **version}]
    return seed


def test_seed_file_minimal_version_gets_documented_defaults(tmp_path, start, make_client):
    # GIVEN a seed file whose version has only a version string
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(MINIMAL))

    # WHEN the emulator starts from it
    client = make_client(start(seed_file).url)
    before = time.time()
    described = client.describe_package_version(**UI_KIT, packageVersion="1.0.0")["packageVersion"]
    assets = client.list_package_version_assets(**UI_KIT, packageVersion="1.0.0")["assets"]

    # THEN status Published, a generated 44-char revision, INTERNAL origin, one small asset, owner 111122223333
    assert described["status"] == "Published"
    assert len(described["revision"]) == 44
    assert described["origin"] == {"originType": "INTERNAL", "domainEntryPoint": {"repositoryName": "releases"}}
    assert described["publishedTime"].timestamp() <= before
    assert [(asset["name"], asset["size"]) for asset in assets] == [("ui-kit-1.0.0.tgz", 1024)]
    assert client.describe_domain(domain="acme")["domain"]["owner"] == "111122223333"


def test_seed_explicit_fields_are_kept(start, make_client):
    # GIVEN a version with every optional field set
    revision = "E3lhBp0RObRTut4pkjV5c1AQGkgSA7Oxtil6hMMzelc="
    seed = _seed_with_version(
        status="Unlisted",
        publishedTime="2025-01-31T12:00:00Z",
        revision=revision,
        assets=[{"name": "a.tgz", "size": 10}, {"name": "b.tgz", "size": 20}],
    )

    # WHEN loaded
    client = make_client(start(seed).url)
    described = client.describe_package_version(**UI_KIT, packageVersion="1.0.0")["packageVersion"]
    assets = client.list_package_version_assets(**UI_KIT, packageVersion="1.0.0")["assets"]

    # THEN the API returns them
    assert (described["status"], described["revision"]) == ("Unlisted", revision)
    assert described["publishedTime"].timestamp() == T0
    assert [(a["name"], a["size"]) for a in assets] == [("a.tgz", 10), ("b.tgz", 20)]


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        ("EXTERNAL", {"originType": "EXTERNAL", "domainEntryPoint": {"externalConnectionName": "public:npmjs"}}),
        ("UNKNOWN", {"originType": "UNKNOWN"}),
        (
            {"originType": "EXTERNAL", "domainEntryPoint": {"externalConnectionName": "public:other"}},
            {"originType": "EXTERNAL", "domainEntryPoint": {"externalConnectionName": "public:other"}},
        ),
    ],
)
def test_seed_origin_string_or_object_becomes_api_origin(start, make_client, origin, expected):
    # GIVEN a version whose origin is a string or an object
    client = make_client(start(_seed_with_version(origin=origin)).url)

    # WHEN described
    described = client.describe_package_version(**UI_KIT, packageVersion="1.0.0")["packageVersion"]

    # THEN the origin is in API form
    assert described["origin"] == expected


def test_seed_external_first_version_sets_package_origin_restrictions(start, make_client):
    # GIVEN a package whose first version was ingested from upstream
    client = make_client(start(_seed_with_version(origin="EXTERNAL")).url)

    # WHEN the package is described
    package = client.describe_package(**UI_KIT)["package"]

    # THEN it blocks publishing and allows upstream (section 4 defaults)
    assert package["originConfiguration"]["restrictions"] == {"publish": "BLOCK", "upstream": "ALLOW"}


def test_seed_single_other_owner_becomes_the_callers_account(start, make_client):
    # GIVEN a seed whose only domain is owned by another account ("unless the seed says otherwise")
    seed = copy.deepcopy(MINIMAL)
    seed["domains"][0]["owner"] = "444455556666"
    client = make_client(start(seed).url)

    # WHEN described with and without domainOwner
    # THEN both resolve to that owner, the caller's account now
    assert client.describe_domain(domain="acme")["domain"]["owner"] == "444455556666"
    assert client.describe_domain(domain="acme", domainOwner="444455556666")["domain"]["owner"] == "444455556666"


def test_seed_two_owners_domain_of_the_other_needs_domain_owner(start, make_client):
    # GIVEN domains of two accounts: the caller's (the default) and another's
    seed = copy.deepcopy(MINIMAL)
    other = copy.deepcopy(seed["domains"][0])
    other.update(name="partner", owner="444455556666")
    seed["domains"].append(other)
    client = make_client(start(seed).url)

    # WHEN the other account's domain is described without domainOwner
    # THEN it is not found, as in AWS (no owner means the caller's account); with it, it is
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_domain(domain="partner")
    assert client.describe_domain(domain="partner", domainOwner="444455556666")["domain"]["owner"] == "444455556666"


def test_seed_pypi_name_stored_normalized(start, make_client):
    # GIVEN a PyPI package seeded as "Pigeon_CLI"
    seed = {
        "domains": [
            {
                "name": "acme",
                "repositories": [
                    {
                        "name": "releases",
                        "packages": [{"format": "pypi", "name": "Pigeon_CLI", "versions": [{"version": "1.0"}]}],
                    }
                ],
            }
        ]
    }
    client = make_client(start(seed).url)

    # WHEN packages are listed
    packages = client.list_packages(domain="acme", repository="releases")["packages"]

    # THEN the name is PEP 503 normalized
    assert [p["package"] for p in packages] == ["pigeon-cli"]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"status": "Gone"}, "versions[0].status"),
        ({"status": "Deleted"}, "Deleted versions do not exist"),
        ({"publishedTime": "yesterday"}, "not an ISO-8601 timestamp"),
        ({"publishTime": "2025-01-01T00:00:00Z"}, "unknown field(s) ['publishTime']"),
        ({"version": "bad/version"}, "regular expression pattern"),
        ({"origin": "SIDEWAYS"}, "enum value set"),
    ],
)
def test_seed_invalid_version_raises_seed_error_naming_path(change, fragment):
    # GIVEN a seed with one bad version field
    seed = _seed_with_version(**change)

    # WHEN loaded
    with pytest.raises(SeedError) as caught:
        load_seed(Store(), seed)

    # THEN the error names the problem
    assert fragment in str(caught.value)


def test_seed_duplicate_version_raises_seed_error():
    # GIVEN a package listing a version twice
    seed = _seed_with_version()
    seed["domains"][0]["repositories"][0]["packages"][0]["versions"].append({"version": "1.0.0"})

    # WHEN loaded
    # THEN it is refused
    with pytest.raises(SeedError, match="duplicate version"):
        load_seed(Store(), seed)


def test_seed_missing_file_raises_seed_error(tmp_path):
    # GIVEN a path with no file
    # WHEN loaded
    # THEN a SeedError explains it
    with pytest.raises(SeedError, match="cannot read seed file"):
        load_seed(Store(), tmp_path / "missing.json")


def test_seed_100k_versions_loads_well_under_five_seconds():
    # GIVEN 1,000 packages of 100 versions
    packages = [
        {
            "format": "npm",
            "name": f"pkg-{i}",
            "versions": [{"version": f"1.0.{j}", "publishedTime": T0 + j} for j in range(100)],
        }
        for i in range(1000)
    ]
    seed = {"domains": [{"name": "acme", "repositories": [{"name": "releases", "packages": packages}]}]}
    store = Store()

    # WHEN loaded
    started = time.perf_counter()
    summary = load_seed(store, seed)
    elapsed = time.perf_counter() - started

    # THEN all are there, quickly
    assert (summary.packages, summary.versions) == (1000, 100_000)
    assert elapsed < 5.0
    assert store.get_version("acme", "releases", "npm", "pkg-999", "1.0.99") is not None


def test_seed_loaded_state_visible_through_store_snapshots(start):
    # GIVEN an emulator seeded with 3 versions
    emulator = start(versions_seed(3))

    # WHEN the store is inspected
    states = emulator.store.get_versions("bulk", "repo", "generic", "many", namespace="bulk")

    # THEN snapshots come oldest first with their fields
    assert [state.version for state in states] == ["1.0.0", "1.0.1", "1.0.2"]
    assert states[0].status == "Published"
    assert states[0].published_time == T0
    assert states[0].asset_names == ("many-1.0.0.bin",)
