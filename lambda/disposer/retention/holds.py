"""Which holds cover which versions: names compared the way CodeArtifact stores them, versions by literal or glob.

Pure: the engine keeps a held version (its first keep rule), and the executors screen their writes
against the holds read just before (safety/holds.py).
"""

from collections.abc import Iterable
from datetime import datetime

from disposer.model.holds import Hold
from disposer.model.names import canonical_namespace, canonical_package, canonical_version
from disposer.model.packages import PackageFormat, PackageRef
from disposer.retention.patterns import CompiledPattern, any_glob_regex, glob_matches, is_glob


def is_on_package(hold: Hold, ref: PackageRef) -> bool:
    """True if the hold is on `ref` (an owner the hold leaves out matches any), comparing names the way
    CodeArtifact stores them (a hold on `Newtonsoft.Json` is on the package listed as `newtonsoft.json`)."""
    mine = hold.ref
    return (
        (mine.domain, mine.repository, mine.format) == (ref.domain, ref.repository, ref.format)
        and canonical_namespace(mine.format, mine.namespace) == canonical_namespace(ref.format, ref.namespace)
        and canonical_package(mine.format, mine.package) == canonical_package(ref.format, ref.package)
        and (mine.domain_owner is None or ref.domain_owner is None or mine.domain_owner == ref.domain_owner)
    )


def covers(hold: Hold, version: str) -> bool:
    """True if the hold covers `version` (a literal hold by equality, a glob by matching)."""
    fmt = hold.ref.format
    mine, theirs = canonical_version(fmt, hold.version), canonical_version(fmt, version)
    return glob_matches(mine, theirs) if is_glob(hold.version) else mine == theirs


def on_package(holds: Iterable[Hold], ref: PackageRef, now: datetime) -> tuple[Hold, ...]:
    """The active holds on one package."""
    return tuple(hold for hold in holds if hold.active(now) and is_on_package(hold, ref))


def holding(holds: Iterable[Hold], version: str) -> Hold | None:
    """The first hold (of one package's) that covers `version`, or None."""
    return next((hold for hold in holds if covers(hold, version)), None)


class HoldMatcher:
    """One package's holds, made ready once to be asked for every version: the literal holds in a dict by
    canonical version, the globs compiled into one RE2 alternation that rules out most versions in one
    linear-time match. The answer is `holding`'s: the first hold, in the given order, that covers the version."""

    def __init__(self, holds: Iterable[Hold]) -> None:
        self._literal: dict[tuple[PackageFormat, str], tuple[int, Hold]] = {}
        self._globs: dict[PackageFormat, list[tuple[int, Hold, str]]] = {}
        for position, hold in enumerate(holds):
            fmt = hold.ref.format
            mine = canonical_version(fmt, hold.version)
            if is_glob(hold.version):
                self._globs.setdefault(fmt, []).append((position, hold, mine))
            else:
                self._literal.setdefault((fmt, mine), (position, hold))
        self._formats = {fmt for fmt, _ in self._literal} | set(self._globs)
        self._any: dict[PackageFormat, CompiledPattern] = {
            fmt: any_glob_regex(tuple(glob for _, _, glob in globs)) for fmt, globs in self._globs.items()
        }

    def holding(self, version: str) -> Hold | None:
        """The first hold that covers `version`, or None."""
        found: tuple[int, Hold] | None = None
        for fmt in self._formats:
            theirs = canonical_version(fmt, version)
            candidates = [self._literal.get((fmt, theirs)), self._first_glob(fmt, theirs)]
            for candidate in candidates:
                if candidate is not None and (found is None or candidate[0] < found[0]):
                    found = candidate
        return None if found is None else found[1]

    def _first_glob(self, fmt: PackageFormat, version: str) -> tuple[int, Hold] | None:
        combined = self._any.get(fmt)
        if combined is None or combined.fullmatch(version) is None:
            return None
        return next(
            ((position, hold) for position, hold, glob in self._globs[fmt] if glob_matches(glob, version)), None
        )
