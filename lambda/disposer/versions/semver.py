"""Semantic versions as npm reads them (node-semver, the Python port of npm's own `semver`): npm's loose versions
and ranges, and strict SemVer 2.0 for the formats whose registries take nothing else (Cargo, Swift, generic).

npm reads a dependency the way npm-pick-manifest does: `semver.satisfies(version, range, {loose: true})`, the
`latest` dist-tag first if it satisfies, else the highest version that does. A range leaves pre-releases out
unless one of its comparators names a pre-release of the same major.minor.patch (npm's rule). A dist-tag, a URL,
a git or file spec or an `npm:` alias is not a range: such a requirement cannot be told (None).
"""

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import nodesemver

from disposer.versions.scheme import Scheme, numbered_line


@functools.lru_cache(maxsize=65536)
def _semver(version: str, loose: bool) -> Any:
    # `valid`, not `make_semver`: the latter coerces what npm refuses ("1.2" would become 1.2.0). Remembered: a
    # dependency pass tests each version against many ranges, and parsing is most of a test's cost (the parsed
    # object is only read, never changed).
    try:
        return nodesemver.valid(version, loose)
    except (ValueError, TypeError):
        return None


def _rank(version: str, loose: bool) -> tuple[Any, ...] | None:
    # node-semver's own sort key: major, minor, patch, then pre-release identifiers (none sorts above any);
    # build metadata has no precedence, as in SemVer.
    parsed = _semver(version, loose)
    if parsed is None:
        return None
    key: tuple[Any, ...] = (nodesemver.loose_key_function if loose else nodesemver.full_key_function)(parsed)
    return key


def _line(version: str, depth: int, loose: bool) -> str | None:
    parsed = _semver(version, loose)
    return None if parsed is None else numbered_line((parsed.major, parsed.minor, parsed.patch), depth)


@dataclass(frozen=True, slots=True)
class NpmRange:
    """An npm dependency's range: exact versions, comparators, `^`, `~`, x-ranges, hyphen ranges and `||`."""

    text: str
    parsed: Any

    def satisfies(self, version: str) -> bool | None:
        candidate = _semver(version, True)
        return None if candidate is None else bool(self.parsed.test(candidate))

    def resolve(self, versions: Iterable[str], *, latest: str | None = None) -> str | None:
        matching = [version for version in versions if self.satisfies(version)]
        if latest is not None and latest in matching:
            return latest
        return max(matching, key=lambda version: (_rank(version, True), version), default=None)


def npm_requirement(text: str) -> NpmRange | None:
    """The range an npm dependency states; "" and "*" take any version. None: not a range (a tag, a URL, ...)."""
    try:
        return NpmRange(text=text, parsed=nodesemver.make_range(text.strip(), True))
    except (ValueError, TypeError):
        return None


NPM = Scheme(
    rank=lambda version: _rank(version, True),
    line=lambda version, depth: _line(version, depth, True),
    requirement=npm_requirement,
)
STRICT = Scheme(rank=lambda version: _rank(version, False), line=lambda version, depth: _line(version, depth, False))
