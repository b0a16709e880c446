"""The workflow benchmark at tiny size: the synthesized state machine on the local Step Functions, each steps
invocation in a process of its own, the emulator with its quotas, moto; two runs a day apart."""

import json
from typing import Any

import pytest

from bench.workflow_bench import WorkflowConfig, measure
from bench.workflow_seed import WorkflowShape
from local.workflow.definition import DefinitionError

# Minutes of benchmark: `make test` runs it, `-m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

# 40 packages of 12 versions over the four repositories the policy covers, 2 outside; shards of 10.
TINY = WorkflowConfig(
    shape=WorkflowShape(packages=40, versions=12, outside_packages=2), latency_ms=2.0, shard_packages=10
)


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    try:
        return measure(TINY)
    except DefinitionError as error:
        pytest.skip(f"the stack synthesizes no run workflow to run: {error}")


def test_the_runs_dispose_exactly_their_plans(figures: dict[str, Any]) -> None:
    assert figures["packages"] == 40
    assert figures["versions"] == 42 * 12
    assert figures["disposed"] == figures["planned_disposals"] > 0
    assert figures["plan_matches_expected"] is True
    assert figures["disposed_outside_plan"] == 0
    assert figures["planned_not_disposed"] == 0
    assert figures["targets"]["succeeded"] is True


def test_each_invocation_runs_in_an_environment_of_its_own(figures: dict[str, Any]) -> None:
    functions = figures["lambda"]
    steps = functions["steps"]
    assert steps["plan_shard"]["invocations"] == figures["shards"] == 4
    assert steps["apply_part"]["invocations"] == figures["parts"]
    assert {step: steps[step]["invocations"] for step in ("start", "inventory", "merge", "report")} == dict.fromkeys(
        ("start", "inventory", "merge", "report"), 1
    )
    # The shards were planned at once, each by an environment of its own.
    assert functions["environments"] >= 2
    assert 0 < functions["peak_rss_mb"] < 300
    assert functions["gb_seconds"] > 0


def test_state_transitions_count_the_map_runs_children(figures: dict[str, Any]) -> None:
    transitions = figures["step_functions"]["state_transitions"]
    assert transitions["PlanShards children"] == figures["shards"]
    assert transitions["ApplyParts children"] == figures["parts"]
    assert transitions["total"] == sum(n for key, n in transitions.items() if key != "total")
    assert figures["step_functions"]["cost_usd_all_at_standard"] > 0


def test_a_run_a_day_later_reads_what_the_first_remembered(figures: dict[str, Any]) -> None:
    later = figures["next_day"]
    assert later["status"] == "SUCCEEDED"
    assert later["calls"]["ListPackageVersions"] == figures["calls"]["ListPackageVersions"] == 40
    assert later["calls"].get("DescribePackageVersion", 0) < figures["calls"]["DescribePackageVersion"]


def test_the_figures_are_one_json_line(figures: dict[str, Any]) -> None:
    line = json.dumps(figures)
    assert "\n" not in line
    assert json.loads(line)["benchmark"] == "workflow"
