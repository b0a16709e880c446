"""Properties of the version rules over generated versions: each format's order is total, a requirement's pick is
a version present that satisfies it (the highest, or for NuGet the lowest, of those its resolver would take), and
a simple lower bound agrees with the order."""

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from disposer.model.packages import PackageFormat
from disposer.versions import VersionKey, requirement, version_key

F = PackageFormat
small = st.integers(min_value=0, max_value=12)


def _semver(prerelease: bool = True) -> st.SearchStrategy[str]:
    labels = ["", "", "-alpha", "-alpha.1", "-beta.2", "-beta.11", "-rc.1", "-0"]
    label = st.sampled_from(labels if prerelease else [""])
    return st.builds(lambda a, b, c, pre: f"{a}.{b}.{c}{pre}", small, small, small, label)


def _pep440(prerelease: bool = True) -> st.SearchStrategy[str]:
    suffix = ["", "", ".post1", "a1", "b2", "rc1", ".dev3"] if prerelease else ["", "", ".post1", ".post2"]
    return st.builds(lambda a, b, s: f"{a}.{b}{s}", small, small, st.sampled_from(suffix))


def _maven() -> st.SearchStrategy[str]:
    qualifier = st.sampled_from(["", "", "-alpha-1", "-beta-2", "-SNAPSHOT", "-rc1", "-sp1", ".Final", "-jre", "-1"])
    numbers = st.lists(small, min_size=1, max_size=4).map(lambda ns: ".".join(map(str, ns)))
    return st.builds(lambda n, q: n + q, numbers, qualifier)


def _nuget(prerelease: bool = True) -> st.SearchStrategy[str]:
    label = st.sampled_from(["", "", "-alpha", "-beta.1", "-RC.2", "-rc.10"] if prerelease else [""])
    revision = st.sampled_from(["", "", ".0", ".3"])
    return st.builds(lambda a, b, c, r, pre: f"{a}.{b}.{c}{r}{pre}", small, small, small, revision, label)


def _ruby() -> st.SearchStrategy[str]:
    segment = st.one_of(small.map(str), st.sampled_from(["a", "b", "rc", "pre"]))
    return st.builds(lambda first, rest: ".".join([first, *rest]), small.map(str), st.lists(segment, max_size=3))


VERSIONS: dict[PackageFormat, st.SearchStrategy[str]] = {
    F.NPM: _semver(),
    F.CARGO: _semver(),
    F.PYPI: _pep440(),
    F.MAVEN: _maven(),
    F.NUGET: _nuget(),
    F.RUBY: _ruby(),
}


def _key(fmt: PackageFormat, version: str) -> VersionKey:
    key = version_key(fmt, version)
    assert key is not None, f"{version!r} should be a {fmt} version"
    return key


@settings(max_examples=150, deadline=None)
@given(data=st.data(), fmt=st.sampled_from(list(VERSIONS)))
def test_order_is_total_and_transitive(data, fmt):
    # GIVEN three versions of one format
    a, b, c = (_key(fmt, data.draw(VERSIONS[fmt])) for _ in range(3))

    # WHEN compared / THEN exactly one of <, ==, > holds, equal keys are equal texts, and < chains
    assert (a < b) + (b < a) + (a == b) == 1
    assert (a == b) == (a.text == b.text)
    if a < b and b < c:
        assert a < c


# A lower bound and the version form that spells it, per format whose requirements are read.
LOWER_BOUND: dict[PackageFormat, tuple[Callable[[str], str], st.SearchStrategy[str]]] = {
    F.NPM: (lambda v: f">={v}", _semver(prerelease=False)),
    F.PYPI: (lambda v: f">={v}", _pep440(prerelease=False)),
    F.MAVEN: (lambda v: f"[{v},)", _maven()),
    F.NUGET: (lambda v: v, _nuget(prerelease=False)),
}


@settings(max_examples=150, deadline=None)
@given(data=st.data(), fmt=st.sampled_from(list(LOWER_BOUND)))
def test_lower_bound_satisfied_exactly_by_versions_not_below_it(data, fmt):
    # GIVEN a lower bound and a release version of the same format
    spell, versions = LOWER_BOUND[fmt]
    bound, version = data.draw(versions), data.draw(versions)
    read = requirement(fmt, spell(bound))
    assert read is not None

    # WHEN / THEN the version satisfies the bound exactly when the order does not put it below
    assert read.satisfies(version) is (not _key(fmt, version).rank < _key(fmt, bound).rank)


# Requirements of each read format, built around generated versions.
def _requirements(fmt: PackageFormat) -> st.SearchStrategy[str]:
    spell, versions = LOWER_BOUND[fmt]
    if fmt is F.NPM:
        forms = [lambda v: f"^{v}", lambda v: f"~{v}", lambda v: v, lambda v: f"<{v}", lambda v: f"{v} - 12.0.0", spell]
    elif fmt is F.PYPI:
        forms = [lambda v: f"~={v}", lambda v: f"=={v}", lambda v: f"<{v}", lambda v: f"!={v}", spell]
    elif fmt is F.MAVEN:
        forms = [lambda v: v, lambda v: f"[{v}]", lambda v: f"(,{v})", lambda v: f"[{v},99)", spell]
    else:
        forms = [lambda v: f"[{v}]", lambda v: f"(,{v}]", lambda v: f"({v},)", lambda v: f"[{v},99.0.0)", spell]
    return st.builds(lambda form, version: form(version), st.sampled_from(forms), versions)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), fmt=st.sampled_from(list(LOWER_BOUND)))
def test_resolve_picks_a_present_version_that_satisfies_and_none_beyond_it(data, fmt):
    # GIVEN a requirement and the versions a package has
    text = data.draw(_requirements(fmt))
    present = data.draw(st.lists(VERSIONS[fmt], min_size=0, max_size=12, unique=True))
    read = requirement(fmt, text)
    assert read is not None, text

    # WHEN its resolver's pick is taken
    picked = read.resolve(present)

    # THEN it is one of them and satisfies the requirement; no satisfying release lies beyond it (above it, or
    # below it for NuGet's lowest applicable version); nothing picked means no release satisfies it
    releases = [v for v in present if read.satisfies(v) and not _prerelease(fmt, v)]
    if picked is None:
        assert releases == []
        return
    assert picked in present and read.satisfies(picked) is True
    # (these requirements name no pre-release: one is picked only when no release satisfies)
    assert not _prerelease(fmt, picked) or releases == []
    lowest = fmt is F.NUGET
    assert [v for v in releases if (_key(fmt, v) < _key(fmt, picked)) is lowest and v != picked] == []


def _prerelease(fmt: PackageFormat, version: str) -> bool:
    """Whether a resolver of `fmt` treats `version` as a pre-release (Maven has no such notion)."""
    key = _key(fmt, version)
    if fmt is F.NPM:
        return "-" in version
    if fmt is F.PYPI:
        return bool(key.rank.is_prerelease)
    if fmt is F.NUGET:
        return not key.rank[4]
    return False
