"""What each format's module provides: a version's rank and line, and its requirements, read by a library of that
ecosystem (never by a parser of ours)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

# A version's place in its format's order, as its library compares it; None: the version does not parse.
Rank = Callable[[str], Any]


class Requirement(Protocol):
    """A dependency's version requirement, read in its format's rules."""

    @property
    def text(self) -> str:
        """The requirement as the package's metadata states it."""
        ...

    def satisfies(self, version: str) -> bool | None:
        """Whether `version` lies inside the requirement by the format's rules (None: it does not parse).

        Pre-releases are left out here only where the format's own range semantics leave them out (npm); the
        pip and NuGet rules that admit one only when nothing else will do belong to `resolve`."""
        ...

    def resolve(self, versions: Iterable[str], *, latest: str | None = None) -> str | None:
        """The one of `versions` the ecosystem's resolver would install for this requirement, None if it would
        find none; `latest` is the package's `latest` dist-tag, which npm prefers when it satisfies."""
        ...


@dataclass(frozen=True, slots=True)
class Scheme:
    """A format's version rules: `rank` (a comparable, or None if the version does not parse), `line` (the major
    or major.minor line a version belongs to at depth 1 or 2), and `requirement` (None: not understood)."""

    rank: Rank
    line: Callable[[str, int], str | None]
    requirement: Callable[[str], Requirement | None] | None = None


def numbered_line(numbers: Iterable[int], depth: int, prefix: str = "") -> str:
    """`depth` leading release numbers joined by dots, missing ones as 0 (a "1" version is on the "1.0" line)."""
    taken = list(numbers)[:depth]
    return prefix + ".".join(str(n) for n in [*taken, *([0] * (depth - len(taken)))])
