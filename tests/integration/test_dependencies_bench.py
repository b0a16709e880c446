"""The keep.dependencies benchmark at tiny size: the real handler in its own process against the emulator and moto,
with keep.dependencies and without it, a first run and a steady one each."""

import json
from typing import Any

import pytest

from bench.dependencies_bench import LIST_DEPENDENCIES, BenchSeed, measure
from bench.retention_bench import SeedShape

# Seconds of benchmark or a cgroup of its own: `make test` runs it, `-m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

# 12 packages of 20 versions and one of 60 over two repositories, with a long-lived domain's statuses (Unlisted,
# Archived, Disposed and Unfinished versions beside the Published ones), and 2 packages in a repository the policy
# does not cover.
SEED = BenchSeed(
    "tiny", SeedShape(packages_per_repository=6, versions_per_package=20, big_packages=(60,), outside_packages=2)
)
VERSIONS = 12 * 20 + 60


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    return measure([SEED], latency_ms=2.0)


@pytest.fixture(scope="module")
def seed(figures: dict[str, Any]) -> dict[str, Any]:
    (found,) = figures["seeds"]
    assert isinstance(found, dict)
    return found


def test_every_check_of_the_figures_holds(seed: dict[str, Any]) -> None:
    assert seed["checks"] == dict.fromkeys(seed["checks"], True)


def test_the_first_run_reads_each_published_or_unlisted_version_once(seed: dict[str, Any]) -> None:
    # GIVEN versions of every status in the covered repositories
    assert seed["versions"] == VERSIONS
    # WHEN the first run with keep.dependencies plans them
    reads = seed["with_dependencies"]["first"]["calls"][LIST_DEPENDENCIES]
    # THEN it reads the dependencies of each Published or Unlisted version, once, and of no other
    assert reads == seed["depending_versions"]
    assert 0.8 * VERSIONS < reads < VERSIONS


def test_a_steady_run_reads_no_dependency_and_writes_nothing_back(seed: dict[str, Any]) -> None:
    first, steady = seed["with_dependencies"]["first"], seed["with_dependencies"]["steady"]
    assert LIST_DEPENDENCIES not in steady["calls"]
    assert "DescribePackageVersion" not in steady["calls"]
    assert first["dynamodb_requests"]["BatchWriteItem"] > 0
    assert "BatchWriteItem" not in steady["dynamodb_requests"]
    # The same listings as the steady run without keep.dependencies: every call it needs is one that run makes.
    assert steady["calls"] == seed["without_dependencies"]["steady"]["calls"]


def test_keep_dependencies_keeps_candidates_the_run_without_it_disposes(seed: dict[str, Any]) -> None:
    with_, without = seed["with_dependencies"]["first"], seed["without_dependencies"]["first"]
    kept = with_["kept_by_dependencies"]
    assert kept["keep:dependency"] > 0
    # Every requirement of the seed is an npm range: none is beyond telling.
    assert kept["keep:dependency-unknown"] == 0
    assert without["planned_disposals"] - with_["planned_disposals"] == kept["keep:dependency"]
    assert without["kept_by_dependencies"] == {"keep:dependency": 0, "keep:dependency-unknown": 0}


def test_the_figures_are_one_json_line(figures: dict[str, Any]) -> None:
    line = json.dumps(figures)
    assert "\n" not in line
    assert figures["benchmark"] == "dependencies"
    for variant in ("with_dependencies", "without_dependencies"):
        for run in ("first", "steady"):
            figures_of_run = figures["seeds"][0][variant][run]
            for key in ("calls", "dynamodb_requests", "wall_seconds", "planned_disposals", "kept_by_dependencies"):
                assert key in figures_of_run, (variant, run, key)
            assert figures_of_run["calls"]["total"] > 0
