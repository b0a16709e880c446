"""Maven versions and version ranges: univers' port of Maven's ComparableVersion and VersionRange.

Every string is a Maven version (ComparableVersion orders anything); a version whose first item is not a number
("latest") is on no line. A requirement is either soft, "1.0": Maven asks the repository for exactly that
version (its path is built from the string, as a parent POM's is), or a range of restrictions, "[1.0,2.0)",
"(,1.0],[1.2,)", "[1.5]", of which Maven takes the highest version present (pre-releases and snapshots included:
ranges order them as ComparableVersion does). A property ("${project.version}") or an empty requirement (a
version managed elsewhere) cannot be told (None).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from univers import maven

from disposer.versions.scheme import Scheme, numbered_line


def _line(text: str, depth: int) -> str | None:
    # ComparableVersion's items: leading numbers, then qualifiers ("1.0-SNAPSHOT" is [1, ["snapshot"]], trailing
    # zeros normalised away: a missing minor is 0, as "1" equals "1.0").
    items = maven.Version(text)._parsed
    if items and not isinstance(items[0], int):
        return None
    numbers: list[int] = []
    for item in items:
        if not isinstance(item, int):
            break
        numbers.append(item)
    return numbered_line(numbers, depth)


@dataclass(frozen=True, slots=True)
class MavenRequirement:
    """A Maven dependency's version: soft (`restrictions` empty: exactly `text`) or a range."""

    text: str
    restrictions: tuple[maven.Restriction, ...]

    def satisfies(self, version: str) -> bool | None:
        if not self.restrictions:
            return version == self.text.strip()
        parsed = maven.Version(version)
        return any(parsed in restriction for restriction in self.restrictions)

    def resolve(self, versions: Iterable[str], *, latest: str | None = None) -> str | None:
        matching = [version for version in versions if self.satisfies(version)]
        return max(matching, key=lambda version: (maven.Version(version), version), default=None)


def maven_requirement(text: str) -> MavenRequirement | None:
    """A Maven dependency's version or range; None for a property, an empty version, or a malformed range."""
    spec = "".join(text.split())
    if not spec or "${" in spec:
        return None
    try:
        parsed = maven.VersionRange(spec)
    except ValueError:
        return None
    return MavenRequirement(text=text, restrictions=() if parsed.version is not None else parsed.restrictions)


MAVEN = Scheme(rank=maven.Version, line=_line, requirement=maven_requirement)
