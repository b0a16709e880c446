"""The workflow benchmark's domain: tens of thousands of packages written to the emulator's seed file as a stream.

Every package has the same number of versions, published by a CI build every few days (most packages),
every week or two (some), or long ago (a few abandoned ones), with retention_bench's mix of statuses. The
policy (retention_bench's: older than 180 days, keep the latest 5 and anything newer than 30 days) then
disposes about a tenth of the versions, within its maxDisposalsPerRun. While a package is written, its
plan is worked out from the seed without the engine (retention_bench.expected_plan) and added to the
facts the benchmark checks the run against; the seed itself is never held in memory whole.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bench.retention_bench import (
    DOMAIN,
    FORMATS,
    LIST_PAGE,
    OWNER,
    STATUS_WEIGHTS,
    PackageKey,
    SeedPackage,
    VersionKey,
    _versions,
    expected_plan,
)
from disposer.retention.patterns import is_glob
from disposer.retention.policy import RetentionPolicy

DAY = 86_400


@dataclass(frozen=True)
class WorkflowShape:
    """How big the domain is: `packages` spread evenly over `repositories`, each of `versions` versions."""

    packages: int = 20_000
    versions: int = 50
    repositories: tuple[str, ...] = ("team-a", "team-b", "team-c", "team-d")
    # In a repository the policy's glob does not match: listed as a repository, never read or touched.
    outside_packages: int = 10
    random_seed: int = 20260601


@dataclass
class SeedFacts:
    """What the seed holds that the checks need, and the fewest calls that find and dispose its plan."""

    versions: int = 0
    packages_in_scope: int = 0
    versions_in_scope: int = 0
    floor: Counter[str] = field(default_factory=Counter)
    expected: set[VersionKey] = field(default_factory=set)
    seeded_disposed: set[VersionKey] = field(default_factory=set)
    packages: list[PackageKey] = field(default_factory=list)
    # Packages the plan disposes something of (each needs at least one DisposePackageVersions).
    packages_disposed: int = 0
    # Every version's status once the benchmark's runs are over (read back from the emulator).
    final: dict[VersionKey, str] = field(default_factory=dict)

    def add(self, package: SeedPackage, policy: RetentionPolicy, at: datetime) -> None:
        self.versions += len(package.versions)
        self.packages.append(package.coordinates)
        self.seeded_disposed.update(package.key(v.version) for v in package.versions if v.status == "Disposed")
        if not policy.matches_repository(package.repository):
            return
        plan = expected_plan(package, policy, at)
        self.packages_in_scope += 1
        self.versions_in_scope += len(package.versions)
        self.floor["ListPackageVersions"] += plan.list_floor
        self.floor["DescribePackageVersion"] += plan.describe_floor
        self.floor["DisposePackageVersions"] += plan.dispose_floor
        self.expected.update(package.key(v.version) for v in plan.disposals)
        self.packages_disposed += bool(plan.disposals)


def _times(rng: random.Random, count: int, at: datetime) -> list[int]:
    """Publish times, newest first: a build every `every` days (each gap 0.5x to 1.5x), the newest `newest` ago."""
    kind = rng.random()
    if kind < 0.85:  # active: a build every day or few
        every, newest = rng.uniform(1.0, 4.2), rng.uniform(0, 7)
    elif kind < 0.985:  # slower: every week or so
        every, newest = rng.uniform(4, 8), rng.uniform(0, 60)
    else:  # abandoned
        every, newest = rng.uniform(2, 10), rng.uniform(200, 500)
    moment = (at - timedelta(days=newest)).timestamp()
    times = []
    for _ in range(count):
        times.append(int(moment))
        moment -= rng.uniform(0.5, 1.5) * every * DAY
    return times


def packages(shape: WorkflowShape, at: datetime) -> Iterator[SeedPackage]:
    """Every package of the domain, repository by repository; the same ones for the same shape and `at`."""
    rng = random.Random(shape.random_seed)
    per_repository = -(-shape.packages // len(shape.repositories))
    sizes = {
        name: min(per_repository, shape.packages - i * per_repository) for i, name in enumerate(shape.repositories)
    }
    sizes["sandbox"] = shape.outside_packages
    for repository, count in sizes.items():
        for index in range(count):
            fmt, namespace = FORMATS[index % len(FORMATS)]
            times = _times(rng, shape.versions, at)
            statuses = rng.choices(tuple(STATUS_WEIGHTS), weights=tuple(STATUS_WEIGHTS.values()), k=shape.versions)
            versions = _versions(shape.versions, times, statuses)
            yield SeedPackage(repository, fmt, namespace, f"pkg-{index:05d}", versions)


def _entry(package: SeedPackage) -> dict[str, Any]:
    entry: dict[str, Any] = {"format": package.format, "name": package.name}
    if package.namespace is not None:
        entry["namespace"] = package.namespace
    entry["versions"] = [
        {"version": v.version, "status": v.status, "publishedTime": v.published} for v in package.versions
    ]
    return entry


def write_seed(path: Path, shape: WorkflowShape, policy: RetentionPolicy, at: datetime) -> SeedFacts:
    """Write the domain to `path` (the emulator's seed format, docs/emulator.md) a package at a time."""
    facts = SeedFacts()
    repositories: Counter[str] = Counter()
    with path.open("w", encoding="utf-8") as out:
        out.write(f'{{"domains": [{{"name": "{DOMAIN}", "owner": "{OWNER}", "repositories": [')
        current: str | None = None
        for package in packages(shape, at):
            if package.repository != current:
                _open_repository(out, package.repository, first=current is None)
                current = package.repository
            else:
                out.write(",")
            out.write(json.dumps(_entry(package), separators=(",", ":")))
            facts.add(package, policy, at)
            if policy.matches_repository(package.repository):
                repositories[package.repository] += 1
        out.write("]}]}]}\n")
    facts.floor["ListRepositoriesInDomain"] = 1 if policy.repository is None or is_glob(policy.repository) else 0
    # A list call is made even when there is nothing to list.
    facts.floor["ListPackages"] = sum(max(1, math.ceil(n / LIST_PAGE)) for n in repositories.values())
    return facts


def _open_repository(out: TextIO, name: str, *, first: bool) -> None:
    if not first:
        out.write("]},")
    out.write(f'{{"name": {json.dumps(name)}, "packages": [')
