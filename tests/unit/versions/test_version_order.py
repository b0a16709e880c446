"""Version order and lines per format, on orders each ecosystem documents (SemVer 2.0 section 11, PEP 440's
summary of suffixes, Maven's ComparableVersionTest, NuGet.Versioning's comparer tests, RubyGems' Gem::Version tests)."""

import random

import pytest

from disposer.model.packages import PackageFormat
from disposer.versions import VersionKey, VersionOrder, line, version_key

F = PackageFormat

# Each list is ascending, as its ecosystem's own documentation or test suite orders it.
ASCENDING = {
    F.NPM: [
        "0.9.0",
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.2.0",
        "1.10.0",
        "2.0.0",
    ],
    F.CARGO: ["0.1.0", "0.9.0", "1.0.0-alpha", "1.0.0", "1.0.1", "1.10.0"],
    F.SWIFT: ["1.0.0-rc.1", "1.0.0", "2.0.0-beta.1", "2.0.0", "10.0.0"],
    F.PYPI: [
        "1.dev0",
        "1.0.dev456",
        "1.0a1",
        "1.0a2.dev456",
        "1.0a12.dev456",
        "1.0a12",
        "1.0b1.dev456",
        "1.0b2",
        "1.0b2.post345.dev456",
        "1.0b2.post345",
        "1.0rc1.dev456",
        "1.0rc1",
        "1.0",
        "1.0+abc.5",
        "1.0+abc.7",
        "1.0+5",
        "1.0.post456.dev34",
        "1.0.post456",
        "1.0.15",
        "1.1.dev1",
        "1!0.5",
    ],
    F.MAVEN: [
        "1-alpha2snapshot",
        "1-alpha2",
        "1-alpha-123",
        "1-beta-2",
        "1-beta123",
        "1-m2",
        "1-m11",
        "1-rc",
        "1-cr2",
        "1-rc123",
        "1-SNAPSHOT",
        "1",
        "1-sp",
        "1-sp2",
        "1-sp123",
        "1-abc",
        "1-def",
        "1-pom-1",
        "1-1-snapshot",
        "1-1",
        "1-2",
        "1-123",
        "2.0",
        "2-1",
        "2.0.a",
        "2.0.0.a",
        "2.0.2",
        "2.0.123",
        "2.1.0",
        "2.1-a",
        "2.1b",
        "2.1-c",
        "2.1-1",
        "2.1.0.1",
        "2.2",
        "2.123",
        "11.a2",
        "11.a11",
        "11.b2",
        "11.b11",
        "11.m2",
        "11.m11",
        "11",
        "11.a",
        "11b",
        "11c",
        "11m",
    ],
    F.NUGET: [
        "0.0.0",
        "1.0.0-BETA",
        "1.0.0-beta.1",
        "1.0.0-beta2",
        "1.0.0",
        "1.0.0.1-beta",
        "1.0.0.1",
        "1.0.1",
        "1.1.0",
        "1.999.9999",
        "2.1.1",
    ],
    F.RUBY: [
        "0.0.0",
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.8.2.a9",
    ],
}
# Spellings each format takes as the same version: ordered by their text, never apart from each other.
EQUAL = {
    F.NPM: [("1.2.3", "1.2.3+build.7")],
    F.PYPI: [("1.0", "1.0.0"), ("1.0a1", "1.0.0-alpha1")],
    F.MAVEN: [
        ("1", "1.0.0"),
        ("1ga", "1"),
        ("1final", "1.0"),
        ("1cr", "1rc"),
        ("1a1", "1alpha1"),
        ("1m3", "1MILESTONE3"),
    ],
    F.NUGET: [("1.0", "1.0.0.0"), ("1.01.1", "1.1.1"), ("1.0.7+r3456", "1.0.7"), ("1.0.0-BETA", "1.0.0-beta")],
    F.RUBY: [("1.0", "1.0.0"), ("1.2.b1", "1.2.b.1")],
}


def _key(fmt: PackageFormat, version: str) -> VersionKey:
    key = version_key(fmt, version)
    assert key is not None, f"{version!r} should be a {fmt} version"
    return key


@pytest.mark.parametrize("fmt", list(ASCENDING))
def test_version_key_sorts_each_documented_order(fmt):
    # GIVEN a format's documented ascending versions, shuffled
    versions = ASCENDING[fmt]
    shuffled = random.Random(str(fmt)).sample(versions, k=len(versions))

    # WHEN they are sorted by their keys
    ordered = sorted(shuffled, key=lambda v: _key(fmt, v))

    # THEN the documented order comes back
    assert ordered == versions


@pytest.mark.parametrize(("fmt", "first", "second"), [(f, a, b) for f, pairs in EQUAL.items() for a, b in pairs])
def test_version_key_equal_spellings_sit_together_ordered_by_text(fmt, first, second):
    # GIVEN two spellings of one version and the versions around them
    keys = [version_key(fmt, v) for v in (first, second)]

    # WHEN compared / THEN neither is above the other in rank, and the text decides between them
    assert keys[0] is not None and keys[1] is not None
    assert keys[0].rank == keys[1].rank
    assert (keys[0] < keys[1]) == (first < second)


@pytest.mark.parametrize(
    ("fmt", "version"),
    [
        (F.NPM, "1.2"),
        (F.NPM, "latest"),
        (F.CARGO, "=1.2.3"),
        (F.SWIFT, "v1.2.3-01"),
        (F.PYPI, "1.0-final-final"),
        (F.NUGET, "abc"),
        (F.NUGET, "1.2.3.4.5"),
        (F.RUBY, "1.0\n2.0"),
        (F.GENERIC, "build-2024-11-02"),
    ],
)
def test_version_key_unparseable_version_has_none(fmt, version):
    assert version_key(fmt, version) is None
    assert line(fmt, version, 1) is None


def test_version_key_npm_reads_loose_as_npm_does():
    # GIVEN versions npm's loose reading accepts ("=1.2.3", "v1.2.3") and strict SemVer formats do not all take
    # WHEN / THEN npm places them; Cargo does not take "=1.2.3"
    assert version_key(F.NPM, "=1.2.3") == version_key(F.NPM, "=1.2.3")
    assert version_key(F.NPM, "=1.2.3") is not None and version_key(F.NPM, "v1.2.4") is not None
    assert version_key(F.NPM, "=1.2.3") < version_key(F.NPM, "v1.2.4")  # type: ignore[operator]
    assert version_key(F.CARGO, "=1.2.3") is None


def test_version_key_formats_do_not_compare():
    with pytest.raises(TypeError):
        assert version_key(F.NPM, "1.0.0") < version_key(F.CARGO, "1.0.0")  # type: ignore[operator]


@pytest.mark.parametrize(
    ("fmt", "version", "major", "minor"),
    [
        (F.NPM, "3.4.5", "3", "3.4"),
        (F.NPM, "2.0.0-rc.1", "2", "2.0"),
        (F.NPM, "=1.2.3", "1", "1.2"),
        (F.CARGO, "0.10.2", "0", "0.10"),
        (F.PYPI, "3", "3", "3.0"),
        (F.PYPI, "2.1.post1", "2", "2.1"),
        (F.PYPI, "1!2.0", "1!2", "1!2.0"),
        (F.MAVEN, "1.0-SNAPSHOT", "1", "1.0"),
        (F.MAVEN, "31.1-jre", "31", "31.1"),
        (F.MAVEN, "5.3.30.RELEASE", "5", "5.3"),
        (F.MAVEN, "latest", None, None),
        (F.NUGET, "6.0.0.1-preview", "6", "6.0"),
        (F.RUBY, "7.1.a", "7", "7.1"),
        (F.RUBY, "7", "7", "7.0"),
    ],
)
def test_line_major_and_minor_of_each_format(fmt, version, major, minor):
    assert (line(fmt, version, 1), line(fmt, version, 2)) == (major, minor)


def test_line_depth_other_than_major_or_minor_is_refused():
    with pytest.raises(ValueError, match="depth 3"):
        line(F.NPM, "1.2.3", 3)


def test_version_order_generic_semver_only_when_every_version_is():
    # GIVEN a generic package all SemVer, and one with a build-numbered version among SemVer ones
    semver = VersionOrder.of(F.GENERIC, ["1.0.0", "1.10.0", "1.2.0"])
    mixed = VersionOrder.of(F.GENERIC, ["1.0.0", "1.10.0", "build-77"])

    # WHEN / THEN the first is ordered by SemVer, the second has no order: no version of it has a key or a line
    assert semver.highest_first(["1.0.0", "1.10.0", "1.2.0"]) == ["1.10.0", "1.2.0", "1.0.0"]
    assert semver.line("1.10.0", 2) == "1.10"
    assert mixed.keys == {}
    assert (mixed.key("1.0.0"), mixed.line("1.0.0", 1)) == (None, None)


def test_version_order_leaves_out_what_does_not_parse():
    # GIVEN npm versions among which one is not SemVer at all
    order = VersionOrder.of(F.NPM, ["1.0.0", "2.0.0-rc.1", "2.0.0", "nightly"])

    # WHEN ranked / THEN the pre-release sits below its release on the same line, the other has no place
    assert order.highest_first(["1.0.0", "2.0.0-rc.1", "2.0.0", "nightly"]) == ["2.0.0", "2.0.0-rc.1", "1.0.0"]
    assert (order.line("2.0.0-rc.1", 1), order.line("nightly", 1)) == ("2", None)
