"""The order of a format's versions, and the major or major.minor line each belongs to.

npm: npm's semver, loose as npm reads versions; Cargo and Swift: strict SemVer 2.0; Ruby: Gem::Version; PyPI:
PEP 440; Maven: ComparableVersion; NuGet: NuGet.Versioning's order; generic: strict SemVer when every version of
the package is one, else no order (VersionOrder decides, over the whole package). Versions equal in their
format's order ("1.0" and "1.0.0" in Maven, two builds of one SemVer version) are ordered by their text, so the
order is total and the same on every run. A pre-release is on the line of its major.minor, below its release.
"""

import functools
import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from disposer.model.packages import PackageFormat
from disposer.versions.scheme import Scheme

# Each format's rules, imported on first use: a run over npm packages never loads the Maven or NuGet library.
_SCHEMES: Mapping[PackageFormat, tuple[str, str]] = {
    PackageFormat.NPM: ("semver", "NPM"),
    PackageFormat.CARGO: ("semver", "STRICT"),
    PackageFormat.SWIFT: ("semver", "STRICT"),
    PackageFormat.GENERIC: ("semver", "STRICT"),
    PackageFormat.RUBY: ("gem", "RUBY"),
    PackageFormat.PYPI: ("pep440", "PYPI"),
    PackageFormat.MAVEN: ("maven", "MAVEN"),
    PackageFormat.NUGET: ("nuget", "NUGET"),
}


@functools.cache
def scheme(fmt: PackageFormat) -> Scheme:
    """The version rules of `fmt`."""
    module, name = _SCHEMES[PackageFormat(fmt)]
    found: Scheme = getattr(importlib.import_module(f"disposer.versions.{module}"), name)
    return found


@functools.total_ordering
@dataclass(frozen=True, slots=True, eq=False)
class VersionKey:
    """A version's place in its format's order; keys of different formats do not compare."""

    format: PackageFormat
    rank: Any = field(repr=False)
    text: str

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VersionKey):
            return NotImplemented
        return (self.format, self.text) == (other.format, other.text)

    def __hash__(self) -> int:
        return hash((self.format, self.text))

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, VersionKey):
            return NotImplemented
        if other.format != self.format:
            raise TypeError(f"{self.format} and {other.format} versions have no common order")
        lower: bool = (self.rank, self.text) < (other.rank, other.text)
        return lower


def version_key(fmt: PackageFormat, version: str) -> VersionKey | None:
    """`version`'s key in `fmt`'s order; None if it does not parse there (for generic: if it is not SemVer)."""
    try:
        rank = scheme(fmt).rank(version)
    except (ValueError, RecursionError, OverflowError, TypeError):
        # A version a library cannot read has no place in the order (the line rules keep it).
        rank = None
    return None if rank is None else VersionKey(PackageFormat(fmt), rank, version)


def line(fmt: PackageFormat, version: str, depth: int) -> str | None:
    """The major (depth 1: "3") or major.minor (depth 2: "3.4") line of `version`; None if it has none."""
    if depth not in (1, 2):
        raise ValueError(f"a line is a major (depth 1) or a major.minor (depth 2), not depth {depth}")
    return scheme(fmt).line(version, depth)


@dataclass(frozen=True, slots=True)
class VersionOrder:
    """The order of one package's versions: the keys of those that have a place in it, and their lines."""

    format: PackageFormat
    keys: Mapping[str, VersionKey]

    @classmethod
    def of(cls, fmt: PackageFormat, versions: Iterable[str]) -> "VersionOrder":
        """The order of `versions`; a generic package has one only if every version is SemVer."""
        listed = set(versions)
        keys = {version: key for version in listed if (key := version_key(fmt, version)) is not None}
        if PackageFormat(fmt) is PackageFormat.GENERIC and len(keys) < len(listed):
            # Generic versions are free text: SemVer orders a package only if all of its versions are SemVer.
            keys = {}
        return cls(PackageFormat(fmt), keys)

    def key(self, version: str) -> VersionKey | None:
        return self.keys.get(version)

    def line(self, version: str, depth: int) -> str | None:
        """`version`'s line, or None if it has no place in this order (then no line rule can rank it)."""
        return line(self.format, version, depth) if version in self.keys else None

    def highest_first(self, versions: Iterable[str]) -> list[str]:
        """Those of `versions` that have a place in this order, highest first."""
        return sorted((v for v in versions if v in self.keys), key=self.keys.__getitem__, reverse=True)
