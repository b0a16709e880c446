"""What stops a workflow run: a shard that fails, a guard, the kill switch, a duplicate or forged start; and a
part that never finishes is still accounted for."""

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from local.workflow.runner import LocalWorkflow, local_workflow, run_event, steps_function
from tests.integration.conftest import Switch
from tests.integration.workflow.conftest import RUN_TIME

Statuses = Callable[[], dict[tuple[str, str, str], str]]


class InvocationCrashed(Exception):
    """What Lambda reports when an invocation dies (out of memory, a timeout): not a retried error."""


def crashing(step: str, when: Callable[[dict[str, Any]], bool]) -> Callable[[Any], Any]:
    """The steps function, except that invocations of `step` for which `when` holds crash."""

    def function(event: Any) -> Any:
        if event.get("step") == step and when(event):
            raise InvocationCrashed(f"{step} crashed")
        return steps_function(event)

    return function


@pytest.fixture
def crashing_workflow(
    emulator: Any, aws: str, ledger_name: str, policies_file: Path, request: pytest.FixtureRequest
) -> Iterator[LocalWorkflow]:
    step, when = request.param
    with local_workflow(policies_file, functions={"steps": crashing(step, when)}) as running:
        yield running


@pytest.mark.parametrize("crashing_workflow", [("plan_shard", lambda e: e["shard"]["shard"] == 2)], indirect=True)
def test_a_failed_shard_fails_the_run_before_anything_is_disposed(crashing_workflow: LocalWorkflow, statuses: Statuses):
    before = statuses()
    result = crashing_workflow.run("prune", as_of=RUN_TIME, shard_packages=3)
    assert result.execution.error == "RunAborted"
    assert result.report is not None and result.report["aborted"]
    assert result.report["abortedReason"].startswith("a plan shard failed")
    assert statuses() == before
    assert [entry["DetailType"] for entry in result.events] == ["Run Aborted"]


@pytest.mark.parametrize("crashing_workflow", [("apply_part", lambda e: e["part"]["part"] == 0)], indirect=True)
def test_a_part_that_never_finishes_is_reported_not_attempted(
    crashing_workflow: LocalWorkflow, monkeypatch: pytest.MonkeyPatch
):
    # GIVEN parts of 2 writes, the first of which crashes every time
    monkeypatch.setattr("disposer.runs.staged.MAX_ITEMS_PER_PART", 2)
    result = crashing_workflow.run("prune", as_of=RUN_TIME)
    # THEN the others are applied, and every planned write has exactly one outcome
    report = result.report
    assert report is not None and not report["aborted"]
    outcomes = report["outcomes"]
    assert outcomes["NOT_ATTEMPTED"] == 2
    assert sum(outcomes.values()) == report["totals"]["dispose"]


def test_a_plan_over_the_cap_disposes_nothing(workflow: LocalWorkflow, statuses: Statuses):
    before = statuses()
    result = workflow.run("capped", as_of=RUN_TIME)
    assert result.report is not None and result.report["aborted"] and result.report["capExceeded"]
    assert result.execution.error == "RunAborted"
    assert statuses() == before


def test_the_kill_switch_stops_the_run_before_its_writes(workflow: LocalWorkflow, switch: Switch, statuses: Statuses):
    before = statuses()
    switch.off()
    result = workflow.run("prune", as_of=RUN_TIME)
    assert result.report is not None and result.report["aborted"] and result.report["disposalsDisabled"]
    assert statuses() == before


def test_a_redelivered_event_runs_once(workflow: LocalWorkflow, statuses: Statuses):
    # GIVEN the same run event delivered twice (EventBridge delivers at least once)
    event = run_event("prune", RUN_TIME)
    first = workflow.run("prune", as_of=RUN_TIME, event=event)
    after_first = statuses()
    second = workflow.run("prune", as_of=RUN_TIME, event=event)
    # THEN the second execution finds the run claimed and ends at once, writing nothing
    assert first.execution.status.value == second.execution.status.value == "SUCCEEDED"
    assert second.execution.states_entered()[-1] == "AlreadyStarted"
    assert statuses() == after_first


def test_a_start_by_run_id_without_a_request_from_the_api_runs_nothing(workflow: LocalWorkflow, statuses: Statuses):
    # GIVEN someone who may StartExecution, with an input naming a run the API never requested
    before = statuses()
    execution = workflow.service.start_execution(workflow.machine_arn, json.dumps({"runId": "forged-run"}))
    execution.wait()
    # THEN the start step refuses it, and nothing was read or written
    assert execution.status.value == "FAILED"
    assert execution.error == "RunNotFoundError"
    assert statuses() == before


def test_an_event_for_a_policy_that_is_not_deployed_runs_nothing(workflow: LocalWorkflow, statuses: Statuses):
    before = statuses()
    event = run_event("prune", datetime.now(UTC))
    event["detail"] = {"name": "prune", "mode": "apply", "domain": "acme", "select": {"versionPattern": ".*"}}
    execution = workflow.service.start_execution(workflow.machine_arn, json.dumps(event))
    execution.wait()
    assert execution.error == "PolicyNotDeployedError"
    assert statuses() == before
