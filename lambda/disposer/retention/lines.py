"""keep.latestPerMajor and keep.latestPerMinor: the N highest versions of each major (or major.minor) line, in the
format's own version order (versions/), among the versions keep.latest counts. A version with no place in that
order (it does not parse in its format; for generic, unless every version of the package is SemVer) is kept by
these rules, as the reason says: a rule about lines cannot say which line it is on."""

from collections.abc import Sequence

from disposer.model.packages import PackageFormat
from disposer.model.plans import Rule
from disposer.retention.policy import RetentionPolicy
from disposer.versions import VersionOrder

RankedKeep = tuple[Rule, str]


def line_keeps(
    policy: RetentionPolicy, package_format: PackageFormat, ranked: Sequence[str], every: Sequence[str]
) -> dict[str, RankedKeep]:
    """Why each of `ranked` (the versions keep.latest counts) is kept by a line rule; `every` is all of the
    package's versions (a generic package is ordered only if all of them are SemVer)."""
    rules = [
        (1, "keep.latestPerMajor", policy.keep.latest_per_major),
        (2, "keep.latestPerMinor", policy.keep.latest_per_minor),
    ]
    wanted = [(depth, name, count) for depth, name, count in rules if count]
    if not wanted:
        return {}
    order = VersionOrder.of(package_format, every)
    keeps: dict[str, RankedKeep] = {}
    for depth, name, count in wanted:
        lines: dict[str, list[str]] = {}
        for version in ranked:
            line = order.line(version, depth)
            if line is None:
                reason = f"kept: {version} has no place in the {package_format} version order ({name})"
                keeps.setdefault(version, (Rule.KEEP_NO_VERSION_ORDER, reason))
            else:
                lines.setdefault(line, []).append(version)
        for line, versions in lines.items():
            for version in order.highest_first(versions)[:count]:
                keeps.setdefault(version, (Rule.KEEP_LATEST_PER_LINE, f"kept: newest {count} of {line}.x"))
    return keeps
