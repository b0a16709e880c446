"""The run workflow of the spec, as JSON, run end to end with a stub steps function and moto's S3: each path
through it (plan, apply, approval, rejection, timeout, duplicate, refused input), retries that the steps see
in `$$.State.RetryCount`, tolerated failed parts, and approval through the HTTP endpoint with boto3."""

import json
from pathlib import Path

import boto3
import pytest

from local.asl.clock import SystemClock
from local.asl.environment import Environment
from local.asl.execution import Execution, Status
from local.asl.machine import StateMachine
from local.asl.server import local_stepfunctions
from local.asl.service import StepFunctions
from tests.unit.asl.conftest import EventRecorder
from tests.unit.asl.stub_steps import REPORTS, StubSteps

WORKFLOW = json.loads((Path(__file__).parent / "definitions" / "run_workflow.json").read_text())
STEPS = "arn:aws:lambda:us-east-1:123456789012:function:disposer-steps"
# The states of the execution itself: PlanShard and ApplyPart run in the Map runs' child executions.
PLANNING = ["Inventory", "PlanShards", "Merge", "AnnouncePlanned", "Planned"]
FINISHING = ["Report", "Finished", "AnnounceFinished", "Done"]
ABORTING = ["Report", "Finished", "AnnounceAborted", "Aborted"]


def environment(steps, events, clock) -> Environment:
    return Environment(functions={STEPS: steps}, s3=steps.s3, put_events=events, clock=clock)


def run(steps, events, clock, request) -> Execution:
    machine = StateMachine(WORKFLOW, name="runs", environment=environment(steps, events, clock))
    return machine.execute(request, name=request.get("runId"))


@pytest.fixture
def s3(s3):
    s3.create_bucket(Bucket=REPORTS)
    return s3


def test_plan_run_plans_every_shard_announces_and_finishes(s3, events, clock):
    # GIVEN
    steps = StubSteps(s3, shards=3)
    # WHEN
    execution = run(steps, events, clock, {"runId": "r1", "mode": "plan"})
    # THEN
    assert execution.status is Status.SUCCEEDED
    assert execution.states_entered() == ["Start", "IsDuplicate", *PLANNING, *FINISHING]
    assert sorted(steps.calls) == sorted(
        ["start", "inventory", "plan_shard", "plan_shard", "plan_shard", "merge", "report"]
    )
    assert events.detail_types() == ["Run Planned", "Run Finished"]
    assert json.loads(events.entries[0]["Detail"]) == {"runId": "r1", "disposable": 6, "approved": None}
    [map_run] = execution.map_runs
    assert {child.status for child in map_run.executions} == {Status.SUCCEEDED}
    assert all(child.states_entered() == ["PlanShard"] for child in map_run.executions)
    assert (
        json.loads(execution.events("TaskScheduled")[0].details["parameters"])["Payload"]["executionArn"]
        == execution.arn
    )


def test_apply_run_retries_a_throttled_part_and_tolerates_a_broken_one(s3, events, clock):
    # GIVEN part 1 is throttled twice, part 2 fails for good
    steps = StubSteps(s3, parts=4, flaky={1: 2}, broken={2})
    # WHEN
    execution = run(steps, events, clock, {"runId": "r2", "mode": "apply"})
    # THEN
    assert execution.status is Status.SUCCEEDED
    assert execution.states_entered() == [
        "Start", "IsDuplicate", *PLANNING, "ApplyParts",
        "Report", "Finished", "AnnounceQuarantined", "AnnounceFinished", "Done",
    ]  # fmt: skip
    assert steps.attempts[1] == [0, 1, 2]
    assert steps.attempts[2] == [0]
    assert sorted(clock.sleeps) == [30.0, 60.0]
    assert events.detail_types() == ["Run Planned", "Versions Quarantined", "Run Finished"]
    assert json.loads(events.entries[1]["Detail"]) == {"runId": "r2", "parts": [2]}
    apply_run = execution.map_runs[1]
    assert sorted(str(child.status) for child in apply_run.executions) == [
        "FAILED",
        "SUCCEEDED",
        "SUCCEEDED",
        "SUCCEEDED",
    ]
    [failed] = [child for child in apply_run.executions if child.status is Status.FAILED]
    assert failed.error == "PartFailedError"
    assert json.loads(failed.cause or "")["errorMessage"] == "part 2: failed"


def test_approved_run_plans_again_then_applies(s3, events):
    # GIVEN an approver who answers once asked (real time: the wait has a timeout)
    steps = StubSteps(s3, parts=2)
    env = environment(steps, events, SystemClock())
    machine = StateMachine(WORKFLOW, name="runs", environment=env)
    # WHEN
    execution = machine.start({"runId": "r3", "mode": "apply", "approvalTimeoutSeconds": 3600}, name="r3")
    assert steps.asked.wait(10)
    token = steps.get("runs/r3/approval.json")["token"]
    env.task_tokens.succeed(token, {"planDigest": "digest-1", "approvedBy": "ana"})
    # THEN
    assert execution.wait(10)
    assert execution.status is Status.SUCCEEDED
    assert execution.states_entered() == [
        "Start", "IsDuplicate", *PLANNING, "AnnounceApproval", "AskApproval",
        *PLANNING, "ApplyParts", *FINISHING,
    ]  # fmt: skip
    assert events.detail_types() == ["Run Planned", "Approval Needed", "Run Planned", "Run Finished"]
    approved = {"planDigest": "digest-1", "approvedBy": "ana"}
    assert json.loads(events.entries[2]["Detail"])["approved"] == approved


def test_rejected_run_is_reported_and_aborted(s3, events):
    # GIVEN an approver who rejects
    steps = StubSteps(s3)
    env = environment(steps, events, SystemClock())
    execution = StateMachine(WORKFLOW, environment=env).start(
        {"runId": "r4", "mode": "apply", "approvalTimeoutSeconds": 60}
    )
    assert steps.asked.wait(10)
    # WHEN
    env.task_tokens.fail(steps.get("runs/r4/approval.json")["token"], "Rejected", "not this plan")
    # THEN
    assert execution.wait(10)
    assert (execution.status, execution.error) == (Status.FAILED, "RunAborted")
    assert execution.cause == "the run was aborted: its report says why"
    assert execution.states_entered()[-6:] == ["AnnounceApproval", "AskApproval", *ABORTING]
    assert steps.get("runs/r4/report.json")["aborted"] == "Rejected: not this plan"
    assert events.detail_types() == ["Run Planned", "Approval Needed", "Run Aborted"]


def test_approval_not_given_in_time_times_out_and_aborts(s3, events, clock):
    # GIVEN nobody answers within the run's approval timeout
    steps = StubSteps(s3)
    # WHEN
    execution = run(steps, events, clock, {"runId": "r5", "mode": "apply", "approvalTimeoutSeconds": 900})
    # THEN
    assert execution.error == "RunAborted"
    assert clock.sleeps == [900.0]
    assert steps.get("runs/r5/report.json")["aborted"].startswith("States.Timeout")


def test_duplicate_run_succeeds_at_once(s3, events, clock):
    execution = run(StubSteps(s3), events, clock, {"runId": "r6", "duplicate": True})
    assert (execution.status, execution.states_entered()) == (
        Status.SUCCEEDED,
        ["Start", "IsDuplicate", "AlreadyStarted"],
    )
    assert events.entries == []


def test_refused_input_fails_the_execution_with_the_functions_error(s3, events, clock):
    execution = run(StubSteps(s3), events, clock, {"mode": "plan"})
    assert (execution.status, execution.error) == (Status.FAILED, "InvalidRunError")
    assert json.loads(execution.cause or "")["errorMessage"] == "runId is required"


def test_approval_through_the_http_endpoint_with_boto3(s3):
    # GIVEN the workflow created through the endpoint, as the stack would create it
    steps = StubSteps(s3, parts=1)
    events = EventRecorder()
    service = StepFunctions(environment(steps, events, SystemClock()))
    with local_stepfunctions(service) as url:
        client = boto3.client("stepfunctions", endpoint_url=url, region_name="us-east-1")
        role = "arn:aws:iam::123456789012:role/runs"
        machine = client.create_state_machine(name="runs", definition=json.dumps(WORKFLOW), roleArn=role)
        request = {"runId": "r7", "mode": "apply", "approvalTimeoutSeconds": 3600}
        arn = client.start_execution(stateMachineArn=machine["stateMachineArn"], name="r7", input=json.dumps(request))[
            "executionArn"
        ]
        assert steps.asked.wait(10)
        # WHEN the API approves with the token the run recorded
        approval = steps.get("runs/r7/approval.json")
        output = {"planDigest": approval["planDigest"], "approvedBy": "ana"}
        client.send_task_success(taskToken=approval["token"], output=json.dumps(output))
        # THEN
        assert service.describe_execution(arn).wait(10)
        described = client.describe_execution(executionArn=arn)
        assert described["status"] == "SUCCEEDED"
        assert events.detail_types()[-1] == "Run Finished"
        history = client.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        assert [event["type"] for event in history].count("TaskSubmitted") == 1
        children = client.list_executions(mapRunArn=service.describe_execution(arn).map_runs[-1].arn)["executions"]
        assert [child["status"] for child in children] == ["SUCCEEDED"]
