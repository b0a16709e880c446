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


def crashing_after(step: str) -> Callable[[Any], Any]:
    """The steps function, except that `step` crashes after it has done its work (its outcomes never kept)."""

    def function(event: Any) -> Any:
        result = steps_function(event)
        if event.get("step") == step:
            raise InvocationCrashed(f"{step} crashed after its writes")
        return result

    return function


def test_a_part_that_wrote_and_then_crashed_is_reported_as_codeartifact_shows_it(
    emulator: Any, aws: str, ledger_name: str, policies_file: Path, statuses: Statuses
):
    # GIVEN every part crashes once its writes are done, before it keeps its outcomes
    before = statuses()
    with local_workflow(policies_file, functions={"steps": crashing_after("apply_part")}) as workflow:
        result = workflow.run("prune", as_of=RUN_TIME)
    # THEN the report counts what CodeArtifact shows: every planned version disposed, none "not sent"
    disposed = [key for key, status in statuses().items() if status == "Disposed" and before[key] != "Disposed"]
    assert result.report is not None
    assert result.report["outcomes"] == {"disposed": len(disposed)} == {"disposed": result.report["totals"]["dispose"]}


def test_a_forged_approval_disposes_nothing(workflow: LocalWorkflow, statuses: Statuses):
    # GIVEN someone allowed SendTaskSuccess answers a waiting run's token themselves, not through the API
    before = statuses()

    def forge(execution: Any, run_id: str, decision: Any) -> None:
        while not execution.wait(timeout=0.05):
            approval = workflow.store.get_json(f"runs/{run_id}/approval.json")
            if approval is not None:
                answer = {"planDigest": approval["planDigest"], "approvedBy": "someone else"}
                workflow.service.send_task_success(approval["token"], json.dumps(answer))
                return

    workflow._decide = forge  # type: ignore[method-assign]
    result = workflow.run("gated", as_of=RUN_TIME, decision="approve")
    # THEN the run finds no approval recorded by the API, stops, and disposes nothing
    assert result.report is not None and result.report["aborted"]
    assert (
        "ApprovalNotRecorded" in result.report["abortedReason"]
        or "no approval is recorded" in result.report["abortedReason"]
    )
    assert statuses() == before


def test_an_api_request_runs_only_in_the_execution_named_after_it(workflow: LocalWorkflow, statuses: Statuses):
    # GIVEN a request the API wrote (its own start failed, say), started by someone else under another name
    before = statuses()
    run_id = "0f0e0d0c-0000-4000-8000-00000000abcd"
    workflow.store.put_json(
        f"runs/{run_id}/request.json",
        {
            "runId": run_id,
            "policy": {"name": "ad-hoc", "mode": "apply", "domain": "acme", "keep": {"latest": 1}},
            "asOf": datetime.now(UTC).isoformat(),
            "caller": "arn:aws:iam::111122223333:user/alice",
        },
    )
    execution = workflow.service.start_execution(workflow.machine_arn, json.dumps({"runId": run_id}), name="other")
    execution.wait()
    # THEN it runs nothing
    assert execution.status.value == "FAILED" and execution.error == "RunNotFoundError"
    assert statuses() == before
