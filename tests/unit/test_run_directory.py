"""RunDirectory against moto's S3 and Step Functions: starting a run, reading it, listing runs, and the answers
to a run that waits for an approval (what is sent, what is recorded, what is refused)."""

import json
from datetime import timedelta
from typing import Any

import pytest

from disposer import clock
from disposer.errors import NotAwaitingApprovalError, PlanChangedError, RunNotFoundError
from disposer.reports import layout
from disposer.retention.loader import parse_policy
from disposer.workflow.directory import RunDirectory
from tests.workflow_runs import DIGEST, OTHER_DIGEST, POLICY, REQUESTER, TOTALS, Workflow
from tests.workflow_runs import workflow as workflow  # noqa: F401 (the fixture)

APPROVER = "arn:aws:sts::111122223333:assumed-role/Approvers/ana"


def _directory(workflow: Workflow) -> tuple[RunDirectory, list[dict[str, Any]]]:
    machine = workflow.answering()
    return RunDirectory(workflow.store, machine), machine.answers


def _started(workflow: Workflow, directory: RunDirectory) -> str:
    policy = parse_policy(POLICY)
    started = directory.start(policy, caller=REQUESTER, as_of=clock.now(), expected_plan_digest=None)
    workflow.started(started.run_id, started.execution_arn)
    return started.run_id


def test_start_writes_the_request_then_starts_an_execution_named_after_the_run(workflow: Workflow):
    # GIVEN a workflow
    directory, _ = _directory(workflow)
    # WHEN a run of a policy is started
    started = directory.start(parse_policy(POLICY), caller=REQUESTER, as_of=clock.now(), expected_plan_digest=DIGEST)
    # THEN its request is in the bucket, and its execution is named after it with {"runId": id} as its only input
    request = workflow.read(layout.request_key(started.run_id))
    assert request["runId"] == started.run_id and request["caller"] == REQUESTER
    assert request["policy"]["name"] == "prune-ui" and request["expectedPlanDigest"] == DIGEST
    execution = workflow.sfn.describe_execution(executionArn=started.execution_arn)
    assert execution["name"] == started.run_id
    assert json.loads(execution["input"]) == {"runId": started.run_id}
    assert started.execution_arn == workflow.execution_arn(started.run_id)


def test_show_a_run_whose_start_step_has_not_run_reads_its_request(workflow: Workflow):
    directory, _ = _directory(workflow)
    started = directory.start(parse_policy(POLICY), caller=REQUESTER, as_of=clock.now(), expected_plan_digest=None)
    details = directory.show(started.run_id)
    assert details.status == "RUNNING" and details.run.trigger == "api" and details.run.caller == REQUESTER
    assert details.run.policy == "prune-ui" and details.started_at is not None and details.approval is None


@pytest.mark.parametrize("run_id", ["0b6c9a5e-0000-4000-8000-000000000000", "../x", "a/b", "", "x" * 65, "run id"])
def test_show_an_unknown_or_malformed_run_id_is_run_not_found(workflow: Workflow, run_id: str):
    directory, _ = _directory(workflow)
    with pytest.raises(RunNotFoundError):
        directory.show(run_id)


def test_show_a_run_waiting_for_approval(workflow: Workflow):
    # GIVEN a run whose plan waits for an approval
    directory, _ = _directory(workflow)
    run_id = _started(workflow, directory)
    workflow.awaiting(run_id)
    # WHEN it is shown
    details = directory.show(run_id)
    # THEN it awaits approval of that plan, and says where the plan is (never the task token)
    assert details.status == "AWAITING_APPROVAL"
    assert details.approval is not None and details.approval.plan_digest == DIGEST
    assert details.approval.totals is not None and details.approval.totals.dispose == TOTALS["dispose"]
    assert details.plan_location == f"s3://disposer-reports/runs/{run_id}/plan/"
    assert "task-token" not in repr(details)


def test_approve_sends_the_digest_and_the_approver_and_refuses_a_second_answer(workflow: Workflow):
    # GIVEN a run waiting for an approval
    directory, answers = _directory(workflow)
    run_id = _started(workflow, directory)
    workflow.awaiting(run_id)
    # WHEN someone approves its plan by its digest
    decision = directory.approve(run_id, DIGEST, APPROVER)
    # THEN the task gets the digest and who approved it, and approval.json records the decision, without the token
    assert answers == [{"success": "task-token-1", "output": {"planDigest": DIGEST, "approvedBy": APPROVER}}]
    assert decision.decision == "approved" and decision.decided_by == APPROVER
    recorded = workflow.read(layout.approval_key(run_id))
    assert recorded["decision"] == "approved" and recorded["decidedBy"] == APPROVER and "token" not in recorded
    assert directory.show(run_id).status == "RUNNING"
    # AND a second answer is refused, sending nothing
    with pytest.raises(NotAwaitingApprovalError, match="answered already: approved"):
        directory.approve(run_id, DIGEST, APPROVER)
    with pytest.raises(NotAwaitingApprovalError):
        directory.reject(run_id, APPROVER, "too late")
    assert len(answers) == 1


def test_approve_another_digest_aborts_the_run_naming_both(workflow: Workflow):
    # GIVEN a run waiting for an approval of plan DIGEST
    directory, answers = _directory(workflow)
    run_id = _started(workflow, directory)
    workflow.awaiting(run_id)
    # WHEN someone approves another plan
    with pytest.raises(PlanChangedError, match="aborted") as raised:
        directory.approve(run_id, OTHER_DIGEST, APPROVER)
    # THEN the task fails with PlanChanged, its cause naming both digests, and the decision is recorded
    assert raised.value.status == 409
    (answer,) = answers
    assert answer["error"] == "PlanChanged" and DIGEST in answer["cause"] and OTHER_DIGEST in answer["cause"]
    assert workflow.read(layout.approval_key(run_id))["decision"] == "plan-changed"


def test_reject_fails_the_task_with_who_and_why(workflow: Workflow):
    directory, answers = _directory(workflow)
    run_id = _started(workflow, directory)
    workflow.awaiting(run_id)
    decision = directory.reject(run_id, APPROVER, "deletes the release branch builds")
    assert answers == [
        {
            "failure": "task-token-1",
            "error": "Rejected",
            "cause": f"rejected by {APPROVER}: deletes the release branch builds",
        }
    ]
    assert decision.decision == "rejected"
    assert workflow.read(layout.approval_key(run_id))["reason"] == "deletes the release branch builds"


def test_a_run_that_does_not_wait_is_refused_and_nothing_is_sent(workflow: Workflow):
    directory, answers = _directory(workflow)
    # no approval asked yet
    run_id = _started(workflow, directory)
    with pytest.raises(NotAwaitingApprovalError, match="does not wait"):
        directory.approve(run_id, DIGEST, APPROVER)
    # an approval that expired
    workflow.awaiting(run_id, expires_in=timedelta(seconds=-1))
    with pytest.raises(NotAwaitingApprovalError, match="expired"):
        directory.approve(run_id, DIGEST, APPROVER)
    # an execution someone stopped
    workflow.awaiting(run_id)
    workflow.sfn.stop_execution(executionArn=workflow.execution_arn(run_id))
    with pytest.raises(NotAwaitingApprovalError, match="ABORTED"):
        directory.reject(run_id, APPROVER)
    assert answers == []
    assert directory.show(run_id).status == "ABORTED"


def test_a_report_that_says_aborted_makes_the_run_aborted(workflow: Workflow):
    directory, _ = _directory(workflow)
    run_id = _started(workflow, directory)
    report = {
        "runId": run_id, "policy": "prune-ui", "trigger": "api", "mode": "plan", "asOf": "2026-11-25T03:00:00Z",
        "items": [], "itemsOmitted": 0, "totals": TOTALS, "maxDisposalsPerRun": 1000, "capExceeded": False,
        "outcomes": {}, "errors": [], "calls": {}, "throttles": 0, "bytesReclaimed": None, "durationSeconds": 1.0,
        "aborted": True, "abortedReason": "the plan was rejected", "planLocation": "s3://b/runs/x/plan/",
    }  # fmt: skip
    workflow.write(layout.report_key(run_id), report)
    details = directory.show(run_id)
    assert details.status == "ABORTED" and details.report is not None and details.plan_location == "s3://b/runs/x/plan/"


def test_page_lists_runs_newest_first_a_page_at_a_time(workflow: Workflow):
    directory, _ = _directory(workflow)
    started = [_started(workflow, directory) for _ in range(3)]
    first, token = directory.page(status=None, limit=2, token=None)
    assert token is not None and len(first) == 2
    rest, token = directory.page(status=None, limit=2, token=token)
    assert token is None
    assert {entry.run_id for entry in first + rest} == set(started)
    assert [e.started_at for e in first + rest] == sorted((e.started_at for e in first + rest), reverse=True)
    assert all(entry.status == "RUNNING" for entry in first + rest)


def test_a_scheduled_run_is_found_by_its_execution_name(workflow: Workflow):
    # GIVEN a run a schedule started: EventBridge named its execution, the run is the event's id
    directory, _ = _directory(workflow)
    execution_arn = workflow.execute("eventbridge-name-1", {"id": "7bf73129-1428-4cd3-a780-95db273d1602", "detail": {}})
    workflow.started("7bf73129-1428-4cd3-a780-95db273d1602", execution_arn, trigger="schedule", caller="rule")
    # WHEN it is shown by the name GET /runs lists it by
    details = directory.show("eventbridge-name-1")
    # THEN it is that run
    assert details.run.run_id == "7bf73129-1428-4cd3-a780-95db273d1602" and details.run.trigger == "schedule"


@pytest.mark.parametrize(
    ("execution_status", "expected"),
    [
        ("SUCCEEDED", "SUCCEEDED"),
        ("FAILED", "FAILED"),
        ("TIMED_OUT", "TIMED_OUT"),
        ("ABORTED", "ABORTED"),
        ("PENDING_REDRIVE", "FAILED"),
        (None, "FAILED"),
    ],
)
def test_run_status_follows_the_execution_when_the_files_say_nothing_more(execution_status, expected):
    from disposer.model.executions import Execution
    from disposer.workflow.records import run_status

    now = clock.now()
    execution = None if execution_status is None else Execution("arn", "r", execution_status, now)
    assert run_status(execution, None, None, now) == expected
