"""The scale benchmark at tiny size: the real handler in its own process, quotas on, against the naive baseline."""

import json
from typing import Any

import pytest

from bench.retention_bench import SeedShape
from bench.scale_bench import ScaleConfig, measure

# Minutes of benchmark or a cgroup of its own: `make test` runs it, `-m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

# 30 packages of 20 versions over two repositories the policy covers, 2 outside it.
TINY = ScaleConfig(
    shape=SeedShape(packages_per_repository=15, versions_per_package=20, big_packages=(), outside_packages=2),
    latency_ms=2.0,
    threads=4,
)


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    return measure(TINY)


def test_the_run_disposes_exactly_its_plan(figures: dict[str, Any]) -> None:
    assert figures["packages"] == 30
    assert figures["versions"] == 30 * 20 + 2 * 20
    assert figures["disposed"] > 0
    assert figures["plan_matches_expected"] is True
    assert figures["disposed_outside_plan"] == 0
    assert figures["planned_not_disposed"] == 0
    assert figures["discovery_errors"] == {}
    assert figures["failed"] == {}


def test_no_throttle_surfaces_as_a_failure(figures: dict[str, Any]) -> None:
    assert figures["throttle_failures"] == 0
    assert figures["targets"]["throttle_failures==0"] is True


def test_lists_and_disposes_take_exactly_the_fewest_calls(figures: dict[str, Any]) -> None:
    for operation in ("ListRepositoriesInDomain", "ListPackages", "ListPackageVersions", "DisposePackageVersions"):
        assert figures["calls"][operation] == figures["floor"][operation], operation
    assert figures["floor"]["ListPackageVersions"] == 30
    assert figures["calls_over_floor"]["total"] <= 1.1


def test_the_naive_baseline_makes_more_calls_for_the_same_disposals(figures: dict[str, Any]) -> None:
    baseline = figures["baseline"]
    assert baseline["calls"]["DescribePackageVersion"] == 30 * 20
    assert baseline["calls"]["total"] > sum(figures["calls"].values())
    assert figures["speedup"]["calls"] > 1
    assert baseline["disposed"] == figures["disposed"]
    assert baseline["disposed_outside_plan"] == 0


def test_the_figures_are_one_json_line(figures: dict[str, Any]) -> None:
    line = json.dumps(figures)
    assert "\n" not in line
    for key in (
        "versions",
        "packages",
        "disposed",
        "calls",
        "floor",
        "calls_over_floor",
        "wall_seconds",
        "versions_per_second",
        "throttles",
        "throttle_failures",
        "peak_rss_mb",
        "quota_floor_seconds",
        "wall_over_quota_floor",
        "baseline",
        "speedup",
        "disposed_outside_plan",
        "threads",
        "quota_share",
        "lambda_vcpus",
        "cpu_limited",
    ):
        assert key in figures, key
    assert figures["peak_rss_mb"] > 0
