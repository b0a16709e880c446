"""Holds: an attributed, expiring "do not dispose" on one version or a glob of versions of one package.

Every policy keeps a held version (the first keep rule), `POST /dispose` answers it HELD without
sending it, and every executor screens its items against the holds read just before it writes, so a
hold placed after the plan still wins. Holds live in the ledger table (ledger/table.py).
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from disposer.codeartifact.disposal import OutcomeCode, OutcomeSink, VersionOutcome
from disposer.codeartifact.types import PackageFormat, PackageRef
from disposer.retention.patterns import glob_matches, is_glob
from disposer.retention.plan import PlanItem


@dataclass(frozen=True, slots=True)
class Hold:
    hold_id: str
    ref: PackageRef
    # A literal version or a glob (`*`, `?`) of versions.
    version: str
    until: datetime
    reason: str
    created_by: str
    created_at: datetime

    def on_package(self, ref: PackageRef) -> bool:
        """True if the hold is on `ref` (an owner the hold leaves out matches any), comparing names the way
        CodeArtifact stores them (a hold on `Newtonsoft.Json` is on the package listed as `newtonsoft.json`)."""
        mine = self.ref
        return (
            (mine.domain, mine.repository, mine.format) == (ref.domain, ref.repository, ref.format)
            and canonical_namespace(mine.format, mine.namespace) == canonical_namespace(ref.format, ref.namespace)
            and canonical_package(mine.format, mine.package) == canonical_package(ref.format, ref.package)
            and (mine.domain_owner is None or ref.domain_owner is None or mine.domain_owner == ref.domain_owner)
        )

    def covers(self, version: str) -> bool:
        fmt = self.ref.format
        mine, theirs = canonical_version(fmt, self.version), canonical_version(fmt, version)
        return glob_matches(mine, theirs) if is_glob(self.version) else mine == theirs

    def active(self, now: datetime) -> bool:
        return self.until > now

    @property
    def reason_text(self) -> str:
        """How a plan item and a HELD outcome name it."""
        return f"held by {self.created_by} until {self.until.isoformat()}: {self.reason}"


def canonical_package(package_format: PackageFormat, name: str) -> str:
    """A package name as CodeArtifact stores it: PyPI's normalized form, NuGet's and Swift's lower case."""
    if package_format is PackageFormat.PYPI:
        return re.sub(r"[-_.]+", "-", name).lower()
    if package_format in (PackageFormat.NUGET, PackageFormat.SWIFT):
        return name.lower()
    return name


def canonical_namespace(package_format: PackageFormat, namespace: str | None) -> str | None:
    """A namespace as CodeArtifact stores it: an npm scope without its `@`, a Swift scope in lower case."""
    if namespace is None:
        return None
    if package_format is PackageFormat.NPM:
        return namespace.removeprefix("@")
    if package_format is PackageFormat.SWIFT:
        return namespace.lower()
    return namespace


def canonical_version(package_format: PackageFormat, version: str) -> str:
    """A NuGet version normalized as NuGet and CodeArtifact do (1.0.03.0 is 1.0.3, +metadata dropped,
    case folded); other formats' versions are exact."""
    if package_format is not PackageFormat.NUGET:
        return version
    release, _, _metadata = version.lower().partition("+")
    core, dash, label = release.partition("-")
    parts = [part.lstrip("0") or "0" if part.isdigit() else part for part in core.split(".")]
    if len(parts) == 4 and parts[3] == "0":
        parts = parts[:3]
    return ".".join(parts) + dash + label


def on_package(holds: Iterable[Hold], ref: PackageRef, now: datetime) -> tuple[Hold, ...]:
    """The active holds on one package."""
    return tuple(hold for hold in holds if hold.active(now) and hold.on_package(ref))


def holding(holds: Iterable[Hold], version: str) -> Hold | None:
    """The first hold (of one package's) that covers `version`, or None."""
    return next((hold for hold in holds if hold.covers(version)), None)


def screen(items: Sequence[PlanItem], holds: Iterable[Hold], now: datetime, *, sink: OutcomeSink) -> list[PlanItem]:
    """The items no active hold covers; each held one gets its HELD outcome here and is never sent."""
    by_package: dict[PackageRef, tuple[Hold, ...]] = {}
    every = tuple(holds)
    allowed = []
    for item in items:
        if item.ref not in by_package:
            by_package[item.ref] = on_package(every, item.ref, now)
        hold = holding(by_package[item.ref], item.version)
        if hold is None:
            allowed.append(item)
        else:
            sink(VersionOutcome.failure(item, OutcomeCode.HELD, f"not sent: {hold.reason_text}"))
    return allowed
