"""PyPI versions and specifiers as pip reads them: `packaging` (pip resolves with the same library, vendored).

A specifier set keeps a version that its clauses admit (`==`, `!=`, `<`, `>=`, `~=`, `===`, `.*` wildcards,
local versions). pip then leaves pre-releases out unless a clause names one, or none but pre-releases match:
`resolve` does the same (packaging's `filter`). A requirement may come with its metadata's parentheses and an
environment marker (`(>=2.0); python_version < "3.8"`): the marker cannot be evaluated here, so the dependency
counts as if it applied. A direct URL (`@ https://...`) names no version: it cannot be told (None).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from disposer.versions.scheme import Scheme, numbered_line


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _line(text: str, depth: int) -> str | None:
    version = _version(text)
    if version is None:
        return None
    # Versions of different epochs are different lines: 1!1.0 sorts above every 2.x of epoch 0.
    return numbered_line(version.release, depth, prefix=f"{version.epoch}!" if version.epoch else "")


@dataclass(frozen=True, slots=True)
class Specifiers:
    """A PyPI dependency's version specifiers."""

    text: str
    specifiers: SpecifierSet

    def satisfies(self, version: str) -> bool | None:
        parsed = _version(version)
        return None if parsed is None else self.specifiers.contains(parsed, prereleases=True)

    def resolve(self, versions: Iterable[str], *, latest: str | None = None) -> str | None:
        # Versions that do not parse are not candidates: pip ignores them (legacy versions, since pip 24.1).
        parsed = {version: found for version in versions if (found := _version(version)) is not None}
        allowed = set(self.specifiers.filter(parsed.values()))
        return max((v for v, found in parsed.items() if found in allowed), key=lambda v: (parsed[v], v), default=None)


def pypi_requirement(text: str) -> Specifiers | None:
    """The specifiers a PyPI dependency states ("" takes any version); None if they cannot be read."""
    try:
        return Specifiers(text=text, specifiers=SpecifierSet(text.strip()))
    except InvalidSpecifier:
        pass
    # Metadata's own form: "(>=2.0)", with an environment marker, or a direct URL. packaging's requirement parser
    # reads it behind a stand-in name (imported only here: it loads the marker machinery).
    from packaging.requirements import InvalidRequirement, Requirement

    spaced = text.strip()
    try:
        parsed = Requirement(f"x{'' if spaced[:1] in '(<>=!~' else ' '}{spaced}")
    except InvalidRequirement:
        return None
    return None if parsed.url else Specifiers(text=text, specifiers=parsed.specifier)


PYPI = Scheme(rank=_version, line=_line, requirement=pypi_requirement)
