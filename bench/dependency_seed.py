"""Benchmark seeds whose versions depend on other packages of their repository, as a release history makes them.

The packages are bench.retention_bench's (a shape's counts, publish times and statuses), every one npm
(`@acme/pkg-NNNN`), so that each requirement is an npm range the run reads in npm's rules. Each package numbers its
releases its own way: it starts at a random major (0 to 4), minor and patch, and each release bumps the patch
(71 %), the minor (25 %) or the major (4 %). retention_bench numbers every package of a size alike (0.0.0 up);
here no two packages share their list of versions, as in a real repository, so that what a run works out for one
package's versions (a resolve among them) cannot serve another's and flatter the figures.

Each version depends on 1 to 3 other packages of its repository, chosen at random, and names what those packages
had published by then:

- mostly (80 %) a caret range on a recent minor: `^M.m.0`, where M.m is the line of the dependency's newest
  version published up to 60 days before the dependent (a lockfile refreshed now and then);
- some (15 %) an exact pin to an older version: `M.m.p`, the dependency's newest version 30 to 240 days before
  the dependent (a pin someone never moved);
- a few (5 %) a tilde range: `~M.m.p`, as the caret's.

A dependency on a package that had published nothing by then names its first version. Deterministic: the same
shape always gives the same seed.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bench.retention_bench import SeedPackage, SeedShape, SeedVersion, VersionKey, build_packages, seed_document

NAMESPACE = "acme"
DEPENDENCIES_PER_VERSION = (1, 3)
# The odds that a release bumps the major, else the minor (else the patch).
MAJOR_BUMP, MINOR_BUMP = 0.04, 0.25
# (kind, weight, how many days before the dependent the named version was the newest: low, high)
REQUIREMENTS = (("caret", 80, 0, 60), ("exact", 15, 30, 240), ("tilde", 5, 0, 60))
# Apart from the shape's own: the packages' histories stay those of the benchmarks without dependencies.
RANDOM_SEED = 20260602
DAY = 86_400
# The versions that remain after a run (if kept) and whose dependencies a run reads.
DEPENDING_STATUSES = frozenset({"Published", "Unlisted"})

Requirement = dict[str, str]


@dataclass(frozen=True)
class DependencySeed:
    """The packages, and each version's dependencies as ListPackageVersionDependencies lists them."""

    packages: tuple[SeedPackage, ...]
    dependencies: Mapping[VersionKey, tuple[Requirement, ...]]

    def document(self) -> dict[str, Any]:
        """The emulator seed (docs/emulator.md): retention_bench's, each version with its `dependencies`."""
        document = seed_document(list(self.packages))
        for domain in document["domains"]:
            for repository in domain["repositories"]:
                for package in repository["packages"]:
                    coordinates = (repository["name"], package["format"], package.get("namespace"), package["name"])
                    for version in package["versions"]:
                        version["dependencies"] = list(self.dependencies[(*coordinates, version["version"])])
        return document

    def depending_versions(self, repositories: Sequence[str]) -> int:
        """The versions of these repositories whose dependencies a first run reads: Published or Unlisted."""
        return sum(
            1
            for package in self.packages
            if package.repository in repositories
            for version in package.versions
            if version.status in DEPENDING_STATUSES
        )

    @property
    def requirements(self) -> int:
        return sum(len(found) for found in self.dependencies.values())


class _History:
    """One package's versions in publish order, to name what it had published at a given time."""

    def __init__(self, package: SeedPackage) -> None:
        self.name = package.name
        self.oldest_first = tuple(reversed(package.versions))
        self.times = [version.published for version in self.oldest_first]

    def newest_at(self, moment: float) -> str:
        index = bisect.bisect_right(self.times, moment) - 1
        return self.oldest_first[max(0, index)].version


def build_seed(shape: SeedShape) -> DependencySeed:
    """The shape's packages, all npm, each version depending on 1 to 3 others of its repository."""
    rng = random.Random(RANDOM_SEED)
    packages = tuple(
        replace(p, format="npm", namespace=NAMESPACE, versions=_renumbered(rng, p.versions))
        for p in build_packages(shape)
    )
    by_repository: dict[str, list[_History]] = {}
    for package in packages:
        by_repository.setdefault(package.repository, []).append(_History(package))
    dependencies: dict[VersionKey, tuple[Requirement, ...]] = {}
    for package in packages:
        others = [history for history in by_repository[package.repository] if history.name != package.name]
        for version in package.versions:
            count = min(len(others), rng.randint(*DEPENDENCIES_PER_VERSION))
            chosen = rng.sample(others, count)
            dependencies[package.key(version.version)] = tuple(_requirement(rng, h, version.published) for h in chosen)
    return DependencySeed(packages, dependencies)


def _renumbered(rng: random.Random, versions: tuple[SeedVersion, ...]) -> tuple[SeedVersion, ...]:
    """The versions (newest first), numbered from a random start by random bumps, growing with publish time."""
    major, minor, patch = rng.randint(0, 4), rng.randint(0, 9), rng.randint(0, 9)
    numbers = []
    for _ in versions:
        numbers.append(f"{major}.{minor}.{patch}")
        bump = rng.random()
        if bump < MAJOR_BUMP:
            major, minor, patch = major + 1, 0, 0
        elif bump < MAJOR_BUMP + MINOR_BUMP:
            minor, patch = minor + 1, 0
        else:
            patch += 1
    return tuple(replace(v, version=n) for v, n in zip(versions, reversed(numbers), strict=True))


def _requirement(rng: random.Random, dependency: _History, published: int) -> Requirement:
    kind, _, low, high = rng.choices(REQUIREMENTS, weights=[weight for _, weight, *_ in REQUIREMENTS])[0]
    named = dependency.newest_at(published - rng.uniform(low, high) * DAY)
    major, minor, _patch = named.split(".")
    text = {"caret": f"^{major}.{minor}.0", "exact": named, "tilde": f"~{named}"}[kind]
    return {"namespace": NAMESPACE, "package": dependency.name, "dependencyType": "regular", "versionRequirement": text}
