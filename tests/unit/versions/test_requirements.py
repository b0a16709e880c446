"""Dependency requirements per format, on cases from each ecosystem's documentation: npm's semver README and
npm-pick-manifest, PEP 440 and pip's pre-release rule, Maven's version range specification (and the parent POM
case), NuGet's version ranges and its dependency resolution rules (lowest applicable version)."""

import pytest

from disposer.model.packages import PackageFormat
from disposer.versions import requirement, satisfies

F = PackageFormat


def _resolve(fmt: PackageFormat, text: str, versions: list[str], latest: str | None = None) -> str | None:
    read = requirement(fmt, text)
    assert read is not None, f"{text!r} should read as a {fmt} requirement"
    return read.resolve(versions, latest=latest)


NPM_PUBLISHED = ["1.1.0", "1.2.0", "1.2.7", "1.2.9", "1.3.0-beta.1", "1.9.0", "2.0.0-rc.1", "2.0.0", "2.1.0"]


@pytest.mark.parametrize(
    ("text", "picked"),
    [
        ("1.2.7", "1.2.7"),  # an exact pin: that version only
        ("=1.2.7", "1.2.7"),
        ("^1.2.0", "1.9.0"),  # caret: same major; 1.3.0-beta.1 is a pre-release of another patch
        ("~1.2.0", "1.2.9"),  # tilde: same minor
        ("1.2.x", "1.2.9"),
        ("1.x || >=2.1.0", "2.1.0"),
        ("1.2.7 || >=1.2.9 <2.0.0", "1.9.0"),
        ("1.2.0 - 1.3.0", "1.2.9"),  # hyphen range, inclusive
        (">=1.2.7 <1.3.0", "1.2.9"),
        ("*", "2.1.0"),
        ("", "2.1.0"),
        ("^2.0.0-rc.1", "2.1.0"),
        (">=2.0.0-rc.0 <2.0.0", "2.0.0-rc.1"),  # a comparator naming a 2.0.0 pre-release lets 2.0.0-rc.1 in
        ("^3.0.0", None),  # read, but nothing present meets it
    ],
)
def test_npm_resolve_takes_the_highest_satisfying_as_npm_does(text, picked):
    assert _resolve(F.NPM, text, NPM_PUBLISHED) == picked


def test_npm_resolve_prefers_the_latest_dist_tag_when_it_satisfies():
    # GIVEN ^1.2.0 and a `latest` tag on 1.2.9, with 1.9.0 published as well (npm-pick-manifest's rule)
    # WHEN / THEN the tagged version is picked; a tag outside the range is not
    assert _resolve(F.NPM, "^1.2.0", NPM_PUBLISHED, latest="1.2.9") == "1.2.9"
    assert _resolve(F.NPM, "^1.2.0", NPM_PUBLISHED, latest="2.1.0") == "1.9.0"


def test_npm_resolve_backport_published_last_still_ranks_by_version():
    # GIVEN 1.9.1, a fix to the 1.x line published after 2.0.0 (listed first: newest published first)
    versions = ["1.9.1", "2.0.0", "1.9.0"]
    # WHEN / THEN ^1 takes the backport, ^2 the 2.x release: the order is the versions', not the publish times'
    assert (_resolve(F.NPM, "^1.0.0", versions), _resolve(F.NPM, "^2.0.0", versions)) == ("1.9.1", "2.0.0")


@pytest.mark.parametrize(
    ("text", "version", "expected"),
    [
        ("^1.2.3-beta.2", "1.2.3-beta.4", True),  # same [major, minor, patch] as the comparator's pre-release
        ("^1.2.3-beta.2", "1.2.4-beta.2", False),  # another patch's pre-release stays out
        ("^1.2.3", "1.2.4-beta.1", False),
        ("~1.2", "1.2.0-rc.1", False),
        ("*", "1.0.0-rc.1", False),
        ("1.2.3", "v1.2.3", True),  # npm reads loosely
        ("^1.2.3", "1.2", None),  # not a version
    ],
)
def test_npm_satisfies_follows_the_prerelease_rule(text, version, expected):
    assert satisfies(F.NPM, text, version) is expected


@pytest.mark.parametrize(
    "text",
    ["latest", "next", "git+https://github.com/acme/x.git", "acme/x", "file:../x", "npm:other@^1.0.0", "workspace:*"],
)
def test_npm_tags_urls_and_aliases_cannot_be_told(text):
    assert requirement(F.NPM, text) is None
    assert satisfies(F.NPM, text, "1.0.0") is None


PYPI_PUBLISHED = ["1.0", "1.4.5", "1.4.9", "1.5.0", "2.0", "2.2", "2.2.post3", "2.3.1", "2.4rc1", "3.0.dev1"]


@pytest.mark.parametrize(
    ("text", "picked"),
    [
        ("==1.4.5", "1.4.5"),
        ("~=1.4.5", "1.4.9"),  # compatible release: >=1.4.5, ==1.4.*
        ("~=2.2", "2.3.1"),  # >=2.2, ==2.*: pre-releases left out while a final release matches
        ("==1.*", "1.5.0"),
        (">=1.0,!=2.3.*", "2.2.post3"),
        ("<2", "1.5.0"),
        ("===2.2", "2.2"),
        (">=2.4rc1,<3", "2.4rc1"),  # a clause naming a pre-release lets pre-releases in
        (">2.3.1", "3.0.dev1"),  # only pre-releases match: pip takes them rather than nothing
        ("", "2.3.1"),
        ("(>=2.0,<2.3)", "2.2.post3"),  # the parenthesised form of Requires-Dist
        ('>=1.0; python_version < "3.8"', "2.3.1"),  # the marker cannot be weighed here: the dependency counts
        (">=4", None),
    ],
)
def test_pypi_resolve_as_pip_does(text, picked):
    assert _resolve(F.PYPI, text, PYPI_PUBLISHED) == picked


@pytest.mark.parametrize(
    ("text", "version", "expected"),
    [
        (">1.7", "1.7.1", True),
        (">1.7", "1.7.0.post1", False),  # PEP 440: > excludes post-releases of the given version
        (">1.7.post2", "1.7.0.post3", True),
        ("<1.7", "1.7.0.dev1", False),  # ... and < its pre-releases
        ("==1.1", "1.1.post1", False),
        ("==1.1.*", "1.1.post1", True),
        ("~=2.2.0", "2.2.9", True),
        ("~=2.2.0", "2.3", False),
        (">=1.0", "1.1a1", True),  # inside the range; whether pip would take it is resolve's question
        (">=1.0", "not-a-version", None),
    ],
)
def test_pypi_satisfies_by_pep_440(text, version, expected):
    assert satisfies(F.PYPI, text, version) is expected


@pytest.mark.parametrize("text", ["@ https://example.com/x-1.0.whl", ">=1.0 <2", "latest"])
def test_pypi_urls_and_malformed_specifiers_cannot_be_told(text):
    assert requirement(F.PYPI, text) is None


MAVEN_PUBLISHED = ["1.0", "1.0.1", "1.1-SNAPSHOT", "1.1", "1.2", "2.0-alpha-1", "2.0", "3.0.0"]


@pytest.mark.parametrize(
    ("text", "picked"),
    [
        ("1.0", "1.0"),  # a soft version (a parent POM's): exactly the version of that name
        ("1.1", "1.1"),
        ("1.5", None),  # soft, and not present: nothing else is fetched in its place
        ("[1.0]", "1.0"),
        ("[1.0,2.0)", "2.0-alpha-1"),  # Maven orders 2.0's pre-releases below 2.0: a range ending at 2.0 takes them
        ("[1.0,1.2]", "1.2"),
        ("(,1.1)", "1.1-SNAPSHOT"),
        ("[1.5,)", "3.0.0"),
        ("(,1.0],[1.2,2.0)", "2.0-alpha-1"),
        ("(,1.1),(1.1,2.0-alpha-1)", "1.2"),  # excluding one version
        ("[4.0,)", None),
    ],
)
def test_maven_resolve_soft_version_exactly_and_ranges_highest(text, picked):
    assert _resolve(F.MAVEN, text, MAVEN_PUBLISHED) == picked


def test_maven_soft_version_is_the_named_one_not_an_equal_spelling():
    # GIVEN "1.0" asked for, and only "1.0.0" present (equal in ComparableVersion, another path in the repository)
    # WHEN / THEN nothing is found, while the hard requirement [1.0] takes 1.0.0
    assert satisfies(F.MAVEN, "1.0", "1.0.0") is False
    assert _resolve(F.MAVEN, "1.0", ["1.0.0"]) is None
    assert _resolve(F.MAVEN, "[1.0]", ["1.0.0"]) == "1.0.0"


@pytest.mark.parametrize("text", ["${project.version}", "", "[1.0", "(1.0)", "[2.0,1.0]", "[1.0,2.0),[1.5,3.0)"])
def test_maven_properties_empty_and_malformed_ranges_cannot_be_told(text):
    assert requirement(F.MAVEN, text) is None


NUGET_PUBLISHED = ["0.9.0", "1.0.0-beta", "1.0.0", "1.0.1", "1.5.0-preview.1", "1.5.0", "2.0.0-alpha", "2.0.0"]


@pytest.mark.parametrize(
    ("text", "picked"),
    [
        ("1.0.0", "1.0.0"),  # >= 1.0.0, and NuGet takes the lowest applicable version
        ("1.0.1", "1.0.1"),
        ("[1.0.0]", "1.0.0"),
        ("(1.0.0,)", "1.0.1"),
        ("[1.0.1,2.0.0)", "1.0.1"),
        ("(,1.0.0]", "0.9.0"),
        ("[1.0.0-beta,2.0.0)", "1.0.0-beta"),  # a pre-release bound lets pre-releases be picked
        ("[1.5.0-preview.0,)", "1.5.0-preview.1"),
        ("[1.2.0,2.0.0)", "1.5.0"),  # no pre-release bound: 1.5.0-preview.1 is admitted but never picked
        ("", "0.9.0"),  # no version: the lowest
        ("[3.0.0,)", None),
    ],
)
def test_nuget_resolve_takes_the_lowest_applicable_version(text, picked):
    assert _resolve(F.NUGET, text, NUGET_PUBLISHED) == picked


@pytest.mark.parametrize(
    ("text", "version", "expected"),
    [
        ("[1.0.0, 2.0.0]", "1.5.0-beta", True),  # NuGet's Satisfies admits by order, pre-releases too
        ("[1.0.0, 2.0.0)", "2.0.0-alpha", True),
        ("(1.0.0-beta+meta, 2.0.0-beta+meta)", "2.0.0-beta+meta", False),
        ("[1,3)", "2.9", True),
        ("[1.3.2,1.5)", "1.3.2.1", True),
        ("[1.3.2,1.5)", "1.5", False),
        ("1.0", "1.00", True),
        ("1.0", "0.9", False),
        ("1.0", "abc", None),
    ],
)
def test_nuget_satisfies_by_order_as_nuget_versioning_does(text, version, expected):
    assert satisfies(F.NUGET, text, version) is expected


@pytest.mark.parametrize("text", ["1.*", "[1.0.*, 2.0.0)", "(1.0)", "[1.0", "[x,y]"])
def test_nuget_floating_and_malformed_ranges_cannot_be_told(text):
    assert requirement(F.NUGET, text) is None


@pytest.mark.parametrize(
    ("fmt", "text"), [(F.RUBY, "~> 1.2"), (F.CARGO, "^1.2"), (F.SWIFT, "1.0.0..<2.0.0"), (F.GENERIC, "1.0.0")]
)
def test_formats_without_requirement_rules_cannot_be_told(fmt, text):
    assert requirement(fmt, text) is None
    assert satisfies(fmt, text, "1.2.0") is None


def test_requirement_without_text_cannot_be_told():
    # A Maven dependency whose version is managed elsewhere comes with no versionRequirement at all.
    assert requirement(F.MAVEN, None) is None
