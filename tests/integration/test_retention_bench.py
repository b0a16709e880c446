"""The retention benchmark at small size: a run makes the fewest calls possible and disposes only its plan."""

import pytest

from bench.retention_bench import Measurement, SeedShape, measure
from disposer.retention.ages import GUESSES

# Minutes of benchmark or a cgroup of its own: `make test` runs it, `-m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

# 20 packages of 50 versions over two repositories, one of 2,500 (three ListPackageVersions pages).
SMALL = SeedShape(packages_per_repository=10, versions_per_package=50, big_packages=(2_500,), outside_packages=2)
# Describes one package's search may spend beyond bisection's worst case: the oldest candidate (described
# first), the newest end, and the interpolated guesses.
DESCRIBE_SLACK = 2 + GUESSES


@pytest.fixture(scope="module")
def bench_run() -> Measurement:
    return measure(SMALL)


def test_run_disposes_exactly_the_plan(bench_run: Measurement) -> None:
    summary = bench_run.summary
    assert summary["plan_matches_expected"] is True
    assert summary["disposed_outside_plan"] == 0
    assert summary["changed_outside_plan"] == 0
    assert summary["planned_not_disposed"] == 0
    assert summary["discovery_errors"] == 0
    assert summary["disposed"] > 0
    assert summary["versions"] == 20 * 50 + 2_500 + 2 * 20


def test_lists_and_disposes_take_exactly_the_fewest_calls(bench_run: Measurement) -> None:
    summary = bench_run.summary
    for operation in ("ListRepositoriesInDomain", "ListPackages", "ListPackageVersions", "DisposePackageVersions"):
        assert summary["calls"][operation] == summary["floor"][operation], operation
    assert summary["floor"]["ListPackageVersions"] == 20 + 3
    assert summary["emulator_agrees"] is True


def test_describes_are_a_bounded_search_per_resolved_cutoff(bench_run: Measurement) -> None:
    # The engine resolves every cutoff the policy names, each within bisection's bound plus the guesses.
    for package in bench_run.packages:
        bound = 2 * (len(package.versions).bit_length() + GUESSES + 1) + 1
        assert bench_run.describes[package.coordinates] <= bound, package.name
    assert (
        bench_run.summary["describes_per_package"]["observed_max"]
        < bench_run.summary["describes_per_package"]["naive_mean"]
    )


def test_describes_skip_a_cutoff_that_cannot_change_the_plan(bench_run: Measurement) -> None:
    for package in bench_run.packages:
        floor = bench_run.expected[package.coordinates].describe_floor
        assert bench_run.describes[package.coordinates] <= floor + DESCRIBE_SLACK, package.name
    # Guessing must pay for itself: over the whole seed, fewer describes than bisection's worst case.
    assert sum(bench_run.describes.values()) < sum(e.describe_floor for e in bench_run.expected.values())
