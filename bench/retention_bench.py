"""Retention-run benchmark: one policy applied end to end over HTTP, its calls compared with the minimum."""

from __future__ import annotations

import json
import logging
import math
import os
import random
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
from botocore.config import Config

from disposer.codeartifact.client import CodeArtifactClient, create_client
from disposer.model.packages import PackageRef
from disposer.model.plans import Action
from disposer.model.runs import RunContext
from disposer.observability import logger
from disposer.retention.patterns import is_glob
from disposer.retention.policy import RetentionPolicy
from disposer.runs.executors import InlineExecutor
from disposer.runs.pipeline import RunRequest, execute
from disposer.runs.planner import PolicyPlanner
from local.launcher import emulator_process

DOMAIN = "bench"
OWNER = "111122223333"
# The run's clock: fixed, so every run of the benchmark plans the same versions.
NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
HISTORY_DAYS = 730
LIST_PAGE = 1000
DISPOSE_BATCH = 100
LIST_OPERATIONS = ("ListRepositoriesInDomain", "ListPackages", "ListPackageVersions")
DESCRIBE = "DescribePackageVersion"
DISPOSE = "DisposePackageVersions"
OPERATIONS = (*LIST_OPERATIONS, DESCRIBE, DISPOSE)
# Mostly Published, as in a real repository; Disposed and Unfinished are listed but never candidates.
STATUS_WEIGHTS = {"Published": 88, "Unlisted": 4, "Archived": 3, "Disposed": 4, "Unfinished": 1}
# (format, namespace): namespaced formats and one (pypi) where a namespace is forbidden.
FORMATS: tuple[tuple[str, str | None], ...] = (
    ("npm", "acme"),
    ("maven", "com.acme"),
    ("pypi", None),
    ("generic", "ci"),
)
# Only boto3's signer sees these: the endpoint is always the local emulator, never an AWS account.
LOCAL_AWS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}

POLICY = RetentionPolicy.model_validate(
    {
        "name": "bench-retention",
        "mode": "apply",
        "domain": DOMAIN,
        "domainOwner": OWNER,
        "repository": "team-*",
        "select": {"olderThanDays": 180},
        "keep": {"latest": 5, "newerThanDays": 30},
        "maxDisposalsPerRun": 100_000,
    }
)

PackageKey = tuple[str, str, str | None, str]
VersionKey = tuple[str, str, str | None, str, str]


@dataclass(frozen=True)
class SeedShape:
    """How big the seeded domain is; the test runs the same benchmark on a small one."""

    repositories: tuple[str, ...] = ("team-a", "team-b")
    packages_per_repository: int = 250
    versions_per_package: int = 100
    # Spread over the repositories in turn; above 1000 versions the listing takes several pages.
    big_packages: tuple[int, ...] = (2_000, 3_500, 5_000)
    # In a repository the policy's glob does not match: listed as a repository, never read or touched.
    outside_packages: int = 10
    random_seed: int = 20260601
    # None: ages and statuses spread as in a long-lived domain (active, quiet and abandoned packages).
    # A number: a CI repository, every version Published, one build about every `build_every_days`.
    build_every_days: float | None = None


FULL = SeedShape()


@dataclass(frozen=True)
class SeedVersion:
    version: str
    status: str
    published: int  # epoch seconds, distinct within a package so the listing order is unambiguous


@dataclass(frozen=True)
class SeedPackage:
    repository: str
    format: str
    namespace: str | None
    name: str
    versions: tuple[SeedVersion, ...]  # newest first, as ListPackageVersions sortBy=PUBLISHED_TIME

    @property
    def coordinates(self) -> PackageKey:
        return (self.repository, self.format, self.namespace, self.name)

    def key(self, version: str) -> VersionKey:
        return (*self.coordinates, version)


@dataclass(frozen=True)
class Expected:
    """One package's plan worked out from the seed, independently of the engine, and its call floor."""

    disposals: tuple[SeedVersion, ...]
    describe_floor: int
    list_floor: int
    dispose_floor: int


def _package(rng: random.Random, repository: str, index: int, count: int, shape: SeedShape) -> SeedPackage:
    fmt, namespace = FORMATS[index % len(FORMATS)]
    if shape.build_every_days is not None:
        times, statuses = _steady(rng, count, shape.build_every_days)
        return SeedPackage(repository, fmt, namespace, f"pkg-{index:04d}", _versions(count, times, statuses))
    # Most packages are active (newest version recent), some went quiet, a few are long abandoned.
    newest_age = rng.choice((rng.uniform(0, 45), rng.uniform(0, 45), rng.uniform(45, 200), rng.uniform(200, 600)))
    span = max(count, int(rng.uniform(0.2, 1.0) * (HISTORY_DAYS - newest_age) * 86_400))
    newest = int((NOW - timedelta(days=newest_age)).timestamp())
    times = sorted((newest - offset for offset in rng.sample(range(span), count)), reverse=True)
    statuses = rng.choices(tuple(STATUS_WEIGHTS), weights=tuple(STATUS_WEIGHTS.values()), k=count)
    return SeedPackage(repository, fmt, namespace, f"pkg-{index:04d}", _versions(count, times, statuses))


def _steady(rng: random.Random, count: int, every_days: float) -> tuple[list[int], list[str]]:
    """Publish times newest first, one build about every `every_days` (each gap 0.5x to 1.5x), all Published."""
    at = (NOW - timedelta(days=rng.uniform(0, every_days))).timestamp()
    times = []
    for _ in range(count):
        times.append(int(at))
        at -= rng.uniform(0.5, 1.5) * every_days * 86_400
    return times, ["Published"] * count


def _versions(count: int, times: list[int], statuses: list[str]) -> tuple[SeedVersion, ...]:
    # Version strings grow with publish time (the oldest is 0.0.0), as releases usually do.
    return tuple(
        SeedVersion(f"{(count - 1 - i) // 100}.{(count - 1 - i) // 10 % 10}.{(count - 1 - i) % 10}", status, at)
        for i, (at, status) in enumerate(zip(times, statuses, strict=True))
    )


def build_packages(shape: SeedShape) -> list[SeedPackage]:
    """Every seeded package, deterministic for a given shape."""
    rng = random.Random(shape.random_seed)
    packages = []
    for number, repository in enumerate(shape.repositories):
        sizes = [shape.versions_per_package] * shape.packages_per_repository
        sizes += list(shape.big_packages[number :: len(shape.repositories)])
        packages += [_package(rng, repository, index, count, shape) for index, count in enumerate(sizes)]
    packages += [_package(rng, "sandbox", index, 20, shape) for index in range(shape.outside_packages)]
    return packages


def seed_document(packages: list[SeedPackage]) -> dict[str, Any]:
    """The emulator seed (docs/emulator.md) holding `packages`."""
    repositories: dict[str, list[dict[str, Any]]] = {}
    for package in packages:
        entry: dict[str, Any] = {"format": package.format, "name": package.name}
        if package.namespace is not None:
            entry["namespace"] = package.namespace
        # Only status and time vary; the emulator's defaults fill revision, origin and assets.
        entry["versions"] = [
            {"version": v.version, "status": v.status, "publishedTime": v.published} for v in package.versions
        ]
        repositories.setdefault(package.repository, []).append(entry)
    return {
        "domains": [
            {
                "name": DOMAIN,
                "owner": OWNER,
                "repositories": [{"name": name, "packages": items} for name, items in repositories.items()],
            }
        ]
    }


def _pages(count: int, size: int) -> int:
    # A list call is made even when there is nothing to list.
    return max(1, math.ceil(count / size))


def expected_plan(package: SeedPackage, policy: RetentionPolicy, now: datetime) -> Expected:
    """The policy's disposals for one package and the fewest calls that can find and dispose them.

    Written from the policy semantics (README) rather than by calling the engine, so a bug there shows as a
    mismatch. Covers what POLICY uses: statuses, olderThanDays, keep latest/newerThanDays/default display.
    """
    select, keep = policy.select, policy.keep
    selectable = [v for v in package.versions if v.status in select.statuses]
    latest = {v.version for v in selectable[: keep.latest or 0]}
    default_display = next((v.version for v in package.versions if v.status == "Published"), None)
    if not keep.default_display_version:
        default_display = None
    # The versions whose fate depends on their age: if there are none, no describe is needed at all.
    age_dependent = [v for v in selectable if v.version not in latest and v.version != default_display]
    older = None if select.older_than_days is None else (now - timedelta(days=select.older_than_days)).timestamp()
    newer = None if keep.newer_than_days is None else (now - timedelta(days=keep.newer_than_days)).timestamp()
    disposals = tuple(
        v for v in age_dependent if (older is None or v.published < older) and (newer is None or v.published < newer)
    )
    # keep.newerThanDays only judges versions already older than olderThanDays: when it is not the longer
    # of the two, no candidate can be that new and its cutoff cannot change any decision.
    cutoffs_that_matter = (older is not None) + (newer is not None and (older is None or newer < older))
    # Learning how many of n time-ordered versions precede a cutoff has n + 1 answers and a describe
    # compared with it gives one bit: ceil(log2(n + 1)) = n.bit_length() describes in the worst case.
    # (With two cutoffs that matter the sum overstates the joint floor: the searches share describes.)
    describe_floor = cutoffs_that_matter * len(package.versions).bit_length() if age_dependent else 0
    # Disposals are pinned to their status (one call group per status) only when the policy selects
    # some of the three disposable statuses; selecting all three, a package's go 100 a call.
    by_status = Counter(v.status for v in disposals)
    pinned = not set(select.statuses) >= {"Published", "Unlisted", "Archived"}
    groups = by_status.values() if pinned else [len(disposals)]
    return Expected(
        disposals=disposals,
        describe_floor=describe_floor,
        list_floor=_pages(len(package.versions), LIST_PAGE),
        dispose_floor=sum(math.ceil(k / DISPOSE_BATCH) for k in groups if k),
    )


class _DescribeCountingAdapter(CodeArtifactClient):
    """The app's CodeArtifactClient adapter, also counting describes per package (its counter is per operation only)."""

    def __init__(self, client: Any) -> None:
        super().__init__(client)
        self.describes: Counter[PackageKey] = Counter()

    def published_time(self, ref: PackageRef, version: str) -> datetime | None:
        self.describes[(ref.repository, ref.format.value, ref.namespace, ref.package)] += 1
        return super().published_time(ref, version)


@contextmanager
def _quiet_logger() -> Iterator[None]:
    # One audit record per disposed version would flood stdout (and cost seconds) at this size.
    previous = logger.log_level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(previous)


def _control(url: str, path: str, post: bool = False) -> dict[str, Any]:
    request = urllib.request.Request(f"{url}/_emulator/{path}", data=b"{}" if post else None)
    with urllib.request.urlopen(request, timeout=30) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


def final_statuses(url: str, packages: list[SeedPackage]) -> dict[VersionKey, str]:
    """Every seeded version's status as the emulator now reports it, read with a plain boto3 client."""
    client = boto3.client("codeartifact", endpoint_url=url, config=Config(retries={"total_max_attempts": 1}))
    paginator = client.get_paginator("list_package_versions")
    statuses: dict[VersionKey, str] = {}
    for package in packages:
        coordinates: dict[str, Any] = {"domain": DOMAIN, "repository": package.repository, "format": package.format}
        coordinates["package"] = package.name
        if package.namespace is not None:
            coordinates["namespace"] = package.namespace
        for page in paginator.paginate(**coordinates, PaginationConfig={"PageSize": LIST_PAGE}):
            statuses.update({package.key(v["version"]): v["status"] for v in page["versions"]})
    return statuses


def _ratio(observed: int, floor: int) -> float | None:
    return round(observed / floor, 3) if floor else None


def _floors(
    packages: list[SeedPackage], expected: Mapping[PackageKey, Expected], policy: RetentionPolicy
) -> Counter[str]:
    repositories = Counter(p.repository for p in packages)
    return Counter(
        {
            "ListRepositoriesInDomain": 1 if policy.repository is None or is_glob(policy.repository) else 0,
            "ListPackages": sum(_pages(count, LIST_PAGE) for count in repositories.values()),
            "ListPackageVersions": sum(e.list_floor for e in expected.values()),
            DESCRIBE: sum(e.describe_floor for e in expected.values()),
            DISPOSE: sum(e.dispose_floor for e in expected.values()),
        }
    )


@dataclass(frozen=True)
class Measurement:
    """One benchmark run: the printed figures, plus per-package detail for the tests."""

    summary: dict[str, Any]
    packages: tuple[SeedPackage, ...]  # those the policy covers
    expected: Mapping[PackageKey, Expected]
    describes: Mapping[PackageKey, int]  # observed per package


def measure(shape: SeedShape = FULL, policy: RetentionPolicy = POLICY) -> Measurement:
    """Seed, run `policy` once with apply=True against the emulator subprocess, then count and check."""
    started = time.perf_counter()
    packages = build_packages(shape)
    in_scope = [p for p in packages if policy.matches_repository(p.repository)]
    expected = {p.coordinates: expected_plan(p, policy, NOW) for p in in_scope}
    expected_disposals = {(*k, v.version) for k, e in expected.items() for v in e.disposals}
    seeded = {p.key(v.version): v.status for p in packages for v in p.versions}
    with tempfile.TemporaryDirectory() as folder, mock.patch.dict(os.environ, LOCAL_AWS), _quiet_logger():
        seed_path = Path(folder) / "seed.json"
        seed_path.write_text(json.dumps(seed_document(packages)))
        emulator_started = time.perf_counter()
        with emulator_process(seed_path) as url:
            startup = time.perf_counter() - emulator_started
            codeartifact = _DescribeCountingAdapter(create_client(endpoint_url=url, max_attempts=5))
            run = RunContext(
                run_id="retention-bench", trigger="schedule", caller=None, dry_run=False, policy=policy.name
            )
            _control(url, "reset-stats", post=True)
            run_started = time.perf_counter()
            # BytesReclaimed costs one ListPackageVersionAssets per disposal; measured here are the calls a
            # run needs to decide and dispose (the deployment's DISPOSER_MEASURE_BYTES switch, off).
            report = execute(
                RunRequest(
                    context=run,
                    source=PolicyPlanner(codeartifact, policy, NOW, lambda _: True),
                    codeartifact=codeartifact,
                    executor=InlineExecutor(codeartifact, measure=False),
                    cap=policy.max_disposals_per_run,
                    metrics=False,
                )
            )
            run_seconds = time.perf_counter() - run_started
            report.raise_error()
            # Read before the checks below, whose own listing calls would otherwise be counted.
            emulator_calls = Counter(_control(url, "stats")["calls"])
            final = final_statuses(url, packages)
    observed = Counter(report.calls)
    floor = _floors(in_scope, expected, policy)
    planned = {
        (i.ref.repository, i.ref.format.value, i.ref.namespace, i.ref.package, i.version)
        for i in report.plan.items
        if i.action is Action.DISPOSE
    }
    newly_disposed = {k for k, status in final.items() if status == "Disposed" and seeded[k] != "Disposed"}
    changed = {k for k, status in final.items() if status != seeded[k]}
    describes = {p.coordinates: codeartifact.describes[p.coordinates] for p in in_scope}
    naive = sum(len(p.versions) for p in in_scope)
    summary = {
        "benchmark": "retention_run",
        "cpus": os.cpu_count(),
        "versions": len(seeded),
        "versions_in_scope": naive,
        "packages": len(in_scope),
        "biggest_package": max(len(p.versions) for p in in_scope),
        "disposed": report.outcome_counts().get("disposed", 0),
        "kept": report.plan.totals.keep,
        "calls": dict(sorted(observed.items())),
        "floor": dict(floor),
        "calls_over_floor": {
            "total": _ratio(observed.total(), floor.total()),
            **{op: _ratio(observed[op], floor[op]) for op in OPERATIONS},
        },
        "describes_per_package": {
            "observed_mean": round(sum(describes.values()) / len(in_scope), 2),
            "observed_max": max(describes.values()),
            "floor_mean": round(floor[DESCRIBE] / len(in_scope), 2),
            "floor_max": max(e.describe_floor for e in expected.values()),
            "max_over_floor": max(n - expected[k].describe_floor for k, n in describes.items()),
            "naive_mean": round(naive / len(in_scope), 2),
            "naive_total": naive,
        },
        # Retries would show here: the app counts a call once, the emulator every attempt.
        "emulator_agrees": +emulator_calls == +observed,
        "discovery_errors": len(report.errors),
        "plan_matches_expected": planned == expected_disposals,
        "disposed_outside_plan": len(newly_disposed - planned),
        "changed_outside_plan": len(changed - planned),
        "planned_not_disposed": len(planned - newly_disposed),
        "startup_seconds": round(startup, 3),
        "run_seconds": round(run_seconds, 3),
        "wall_seconds": round(time.perf_counter() - started, 3),
    }
    return Measurement(summary=summary, packages=tuple(in_scope), expected=expected, describes=describes)


def main() -> None:
    print(json.dumps(measure().summary))


if __name__ == "__main__":
    main()
