"""Early start: a scheduled run whose listings prove it within its cap disposes packages as they are planned;
one whose listings do not makes its whole plan first. Either way, each package's plan is in the audit
trail before any of its disposals, and the run disposes exactly its plan."""

from typing import Any

import pytest

from tests.integration.harness import control, run_scheduled
from tests.integration.seeds import CI_BUILDS_POLICY, ci_builds_seed

PACKAGES = [f"lib-{i:02d}" for i in range(12)]
VERSIONS = 8  # 1.0.0 (140 days old) .. 1.0.7 (0 days): 20 days apart
# 1.0.0 .. 1.0.3 are 140, 120, 100 and 80 days old: three per package are older than 90 days.
PLANNED = 3 * len(PACKAGES)


@pytest.fixture
def seed() -> dict[str, Any]:
    return ci_builds_seed(PACKAGES, VERSIONS, days_apart=20)


@pytest.fixture
def one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    # One call at a time per pool: packages are planned one after another, so the order is plain to see.
    monkeypatch.setenv("DISPOSER_THREADS", "1")


def _order(records: list[dict[str, Any]]) -> tuple[list[int], list[int], dict[str, int], dict[str, int]]:
    """Indexes of plan and outcome records, and per package the index of its plan and of its first outcome."""
    plans = [i for i, r in enumerate(records) if r.get("message") == "plan"]
    outcomes = [i for i, r in enumerate(records) if r.get("message") == "version outcome"]
    planned_at = {records[i]["package"]: i for i in plans}
    first_outcome: dict[str, int] = {}
    for i in outcomes:
        first_outcome.setdefault(records[i]["package"], i)
    return plans, outcomes, planned_at, first_outcome


def test_a_run_its_listings_prove_within_the_cap_disposes_while_it_plans(lambda_context, emulator, one_thread, printed):
    # GIVEN a cap of 100: the 96 versions listed are at most what any plan could dispose
    # WHEN the schedule fires
    report = run_scheduled(lambda_context, **CI_BUILDS_POLICY, maxDisposalsPerRun=100)
    records = printed()
    plans, outcomes, planned_at, first_outcome = _order(records)

    # THEN disposals began before the last package was planned
    assert outcomes[0] < plans[-1]
    # AND each package's plan was written before any of its disposals
    assert all(planned_at[package] < first_outcome[package] for package in PACKAGES)
    # AND the run disposed exactly its plan, and reports it in a stable order
    assert report["outcomes"] == {"disposed": PLANNED}
    in_report = list(dict.fromkeys(item["package"] for item in report["items"]))
    assert in_report == sorted(PACKAGES)


def test_a_run_its_listings_do_not_bound_plans_everything_first(lambda_context, emulator, one_thread, printed):
    # GIVEN a cap of 40: the plan (36) fits, but the 96 versions listed could not prove it before planning
    # WHEN the schedule fires
    report = run_scheduled(lambda_context, **CI_BUILDS_POLICY, maxDisposalsPerRun=40)
    plans, outcomes, _, _ = _order(printed())

    # THEN every package was planned before the first disposal, and the whole plan was disposed
    assert plans[-1] < outcomes[0]
    assert report["outcomes"] == {"disposed": PLANNED}


def test_a_package_whose_ages_cannot_be_read_stays_in_the_plan_all_kept(lambda_context, emulator, one_thread):
    # GIVEN the first age search refused (listed, then its DescribePackageVersion denied)
    control(emulator, "inject", {"operation": "DescribePackageVersion", "error": "AccessDeniedException", "count": 1})
    # WHEN the schedule fires (early start: the listings bounded the plan)
    report = run_scheduled(lambda_context, **CI_BUILDS_POLICY, maxDisposalsPerRun=100)
    # THEN that package is reported, kept whole and still counted (the breaker's whole cannot shrink after
    # disposals began), and the others are disposed as planned
    (error,) = report["errors"]
    assert error["errorCode"] == "AccessDeniedException"
    assert report["totals"]["versions"] == VERSIONS * len(PACKAGES)
    assert report["outcomes"] == {"disposed": PLANNED - 3}
    assert not report["aborted"]
