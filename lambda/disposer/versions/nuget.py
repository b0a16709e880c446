"""NuGet versions and version ranges, and the version NuGet's resolver picks: univers' port of NuGet.Versioning.

Order: major, minor, patch and revision (a fourth number), then a release above its pre-releases, whose labels
compare case-insensitively as SemVer 2.0's do; leading zeros and build metadata do not count ("1.01" is 1.1.0).
A requirement is NuGet's interval notation, "1.0" meaning >= 1.0, "[1.0]" exactly 1.0, "(1.0,2.0]" and so on
(read with univers' Maven range reader, whose notation NuGet's follows; the bounds are NuGet versions), no
version at all meaning any. A range admits a version by order alone, a pre-release too (NuGet.Versioning's
Satisfies). The resolver then takes the LOWEST version present that the range admits ("lowest applicable
version"), and a pre-release only if a bound of the range is one (VersionRange.IsBetter). A floating range
("1.*") cannot be told (None): NuGet would float to the highest match the feed has at restore time.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from univers import maven, nuget

from disposer.versions.scheme import Scheme, numbered_line

Rank = tuple[int, int, int, int, bool, Any]


def _parse(text: str) -> Any:
    try:
        return nuget.Version.from_string(text)
    except (ValueError, nuget.InvalidNuGetVersion):
        return None


def _rank(text: str) -> Rank | None:
    # The numbers first, compared as ints; univers' own comparison (the pre-release labels) only between versions
    # equal in all of them (it is slow: it rebuilds SemVer objects on every comparison).
    parsed = _parse(text)
    if parsed is None:
        return None
    return (parsed.major, parsed.minor, parsed.patch, parsed.revision, not parsed.prerelease, parsed)


def _line(text: str, depth: int) -> str | None:
    parsed = _parse(text)
    return None if parsed is None else numbered_line((parsed.major, parsed.minor, parsed.patch), depth)


@dataclass(frozen=True, slots=True)
class NugetRange:
    """One interval of NuGet versions; a bound of None is open."""

    text: str
    lower: Rank | None
    lower_inclusive: bool
    upper: Rank | None
    upper_inclusive: bool

    def _admits(self, rank: Rank) -> bool:
        if self.lower is not None and (rank < self.lower or (rank == self.lower and not self.lower_inclusive)):
            return False
        return self.upper is None or rank < self.upper or (rank == self.upper and self.upper_inclusive)

    def satisfies(self, version: str) -> bool | None:
        rank = _rank(version)
        return None if rank is None else self._admits(rank)

    def resolve(self, versions: Iterable[str], *, latest: str | None = None) -> str | None:
        prereleases = any(bound is not None and not bound[4] for bound in (self.lower, self.upper))
        ranked = ((rank, version) for version in versions if (rank := _rank(version)) is not None)
        admitted = [(rank, version) for rank, version in ranked if self._admits(rank) and (rank[4] or prereleases)]
        return min(admitted, default=(None, None))[1]


def nuget_requirement(text: str) -> NugetRange | None:
    """A NuGet dependency's range; None for a floating or malformed one."""
    spec = "".join(text.split())
    if "*" in spec:
        return None
    if not spec:
        return NugetRange(text, None, False, None, False)
    try:
        parsed = maven.VersionRange(spec if spec[0] in "[(" else f"[{spec},)")
    except ValueError:
        return None
    if parsed.version is not None or len(parsed.restrictions) != 1:
        return None
    (restriction,) = parsed.restrictions
    lower, upper = restriction.lower_bound, restriction.upper_bound
    lower_rank = None if lower is None else _rank(str(lower))
    upper_rank = None if upper is None else _rank(str(upper))
    if (lower is not None and lower_rank is None) or (upper is not None and upper_rank is None):
        return None
    return NugetRange(
        text, lower_rank, restriction.lower_bound_inclusive, upper_rank, restriction.upper_bound_inclusive
    )


NUGET = Scheme(rank=_rank, line=_line, requirement=nuget_requirement)
