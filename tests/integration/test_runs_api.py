"""The workflow runs through the real handler with API Gateway's event shapes: POST /apply with "async", GET
/runs, GET /runs/{runId}, and the answers to a run waiting for an approval, against a reports bucket and
a state machine in moto (its server). moto accepts SendTaskSuccess and SendTaskFailure without acting on
them, so the state machine the routes get records each answer before sending it (tests/workflow_runs.py).
"""

import copy
import json
import uuid
from typing import Any

import pytest

from disposer.reports import layout
from tests.integration.harness import ApiResponse, invoke_api
from tests.integration.seeds import API_SEED, BUILDS
from tests.workflow_runs import DIGEST, OTHER_DIGEST, POLICY, Runs

CALLER = "arn:aws:sts::111122223333:assumed-role/PlatformOps/jane.doe"  # the event file's caller
APPROVER = "arn:aws:sts::111122223333:assumed-role/Approvers/ana"


def _run(context: Any, method: str, run_id: str, action: str = "", body: Any = None, **kwargs: Any) -> ApiResponse:
    suffix = f"/{action}" if action else ""
    return invoke_api(
        context,
        method,
        f"/runs/{run_id}{suffix}",
        body,
        resource=f"/runs/{{runId}}{suffix}",
        path_parameters={"runId": run_id},
        **kwargs,
    )


def _started(context: Any, runs: Runs) -> str:
    """A run started through the API, its start step done (run.json)."""
    answer = invoke_api(context, "POST", "/apply", {**POLICY, "async": True})
    assert answer.status == 202, answer.body
    runs.workflow.started(answer.body["runId"], answer.body["executionArn"], caller=CALLER)
    return str(answer.body["runId"])


def test_apply_async_writes_the_request_and_starts_the_run(lambda_context, runs: Runs):
    # GIVEN a deployment with the run workflow
    # WHEN a policy is applied with async
    answer = invoke_api(lambda_context, "POST", "/apply", {**POLICY, "mode": "apply", "async": True})
    # THEN the answer is 202 with the run and its execution, named after it and started with its id alone
    assert answer.status == 202
    assert set(answer.body) == {"runId", "executionArn"}
    run_id = answer.body["runId"]
    execution = runs.workflow.sfn.describe_execution(executionArn=answer.body["executionArn"])
    assert execution["name"] == run_id and json.loads(execution["input"]) == {"runId": run_id}
    # AND the request the start step reads names the policy in apply mode and the caller
    request = runs.workflow.read(layout.request_key(run_id))
    assert request["policy"]["mode"] == "apply" and request["policy"]["name"] == POLICY["name"]
    assert request["caller"] == CALLER and "async" not in request["policy"]


def test_apply_async_without_the_workflow_is_workflow_required(lambda_context):
    answer = invoke_api(lambda_context, "POST", "/apply", {**POLICY, "async": True})
    assert answer.status == 422 and answer.body["error"]["code"] == "WorkflowRequired"


def test_apply_async_out_of_scope_is_refused_and_starts_nothing(lambda_context, runs: Runs, monkeypatch):
    monkeypatch.setenv("DISPOSER_DOMAIN", "other")
    answer = invoke_api(lambda_context, "POST", "/apply", {**POLICY, "async": True})
    assert answer.status == 403 and answer.body["error"]["code"] == "OutOfScope"
    assert runs.workflow.sfn.list_executions(stateMachineArn=runs.workflow.machine_arn)["executions"] == []


def test_apply_async_with_the_kill_switch_off_starts_nothing(lambda_context, runs: Runs, switch):
    switch.off()
    answer = invoke_api(lambda_context, "POST", "/apply", {**POLICY, "async": True})
    assert answer.status == 503 and answer.body["error"]["code"] == "DisposalsDisabled"
    assert runs.workflow.sfn.list_executions(stateMachineArn=runs.workflow.machine_arn)["executions"] == []


def test_apply_async_of_a_plan_mode_policy_is_a_mode_conflict(lambda_context, runs: Runs):
    answer = invoke_api(lambda_context, "POST", "/apply", {**POLICY, "mode": "plan", "async": True})
    assert answer.status == 422 and answer.body["error"]["code"] == "ModeConflict"


def test_list_runs_newest_first_a_page_at_a_time(lambda_context, runs: Runs):
    started = [_started(lambda_context, runs) for _ in range(3)]
    first = invoke_api(lambda_context, "GET", "/runs", None, query={"limit": "2"})
    assert first.status == 200 and len(first.body["runs"]) == 2 and first.body["nextToken"]
    rest = invoke_api(lambda_context, "GET", "/runs", None, query={"limit": "2", "nextToken": first.body["nextToken"]})
    listed = first.body["runs"] + rest.body["runs"]
    assert rest.body["nextToken"] is None and {run["runId"] for run in listed} == set(started)
    assert all(run["status"] == "RUNNING" for run in listed)
    only = invoke_api(lambda_context, "GET", "/runs", None, query={"status": "SUCCEEDED"})
    assert only.status == 200 and only.body["runs"] == []


def test_list_runs_refuses_a_bad_status_or_token(lambda_context, runs: Runs):
    bad = invoke_api(lambda_context, "GET", "/runs", None, query={"status": "DONE"})
    assert bad.status == 422 and bad.body["error"]["details"][0]["field"] == "query.status"
    token = invoke_api(lambda_context, "GET", "/runs", None, query={"nextToken": "not-a-token"})
    assert token.status == 422 and token.body["error"]["code"] == "InvalidNextToken"


@pytest.mark.parametrize("run_id", ["5d1c8a6e-0000-4000-8000-000000000000", "..", "a%2Fb", "x" * 65])
def test_show_an_unknown_run_is_404(lambda_context, runs: Runs, run_id: str):
    answer = _run(lambda_context, "GET", run_id)
    assert answer.status == 404 and answer.body["error"]["code"] == "RunNotFound"


def test_show_a_run_waiting_for_approval(lambda_context, runs: Runs):
    # GIVEN a run whose plan waits for an approval
    run_id = _started(lambda_context, runs)
    runs.workflow.awaiting(run_id)
    # WHEN it is read
    answer = _run(lambda_context, "GET", run_id)
    # THEN it says so, with the plan to approve, until when, and where the plan is; never the task token
    assert answer.status == 200
    body = answer.body
    assert body["status"] == "AWAITING_APPROVAL" and body["runId"] == run_id and body["policy"] == POLICY["name"]
    assert body["trigger"] == "api" and body["caller"] == CALLER and body["report"] is None
    assert body["approval"]["planDigest"] == DIGEST and body["approval"]["totals"]["dispose"] == 8
    assert body["approval"]["expiresAt"] and body["planLocation"].endswith(f"/runs/{run_id}/plan/")
    assert "task-token" not in json.dumps(body)


def test_approve_sends_the_digest_and_refuses_a_second_answer(lambda_context, runs: Runs):
    # GIVEN a run waiting for an approval
    run_id = _started(lambda_context, runs)
    runs.workflow.awaiting(run_id)
    # WHEN someone else approves its plan
    answer = _run(lambda_context, "POST", run_id, "approve", {"planDigest": DIGEST}, caller_arn=APPROVER)
    # THEN the run gets the digest and the approver, and the decision is kept
    assert answer.status == 200, answer.body
    assert answer.body["decision"] == "approved" and answer.body["decidedBy"] == APPROVER
    assert runs.answers == [{"success": "task-token-1", "output": {"planDigest": DIGEST, "approvedBy": APPROVER}}]
    assert runs.workflow.read(layout.approval_key(run_id))["decidedBy"] == APPROVER
    assert _run(lambda_context, "GET", run_id).body["status"] == "RUNNING"
    # AND a second answer is 409, sending nothing
    again = _run(lambda_context, "POST", run_id, "approve", {"planDigest": DIGEST}, caller_arn=APPROVER)
    assert again.status == 409 and again.body["error"]["code"] == "NotAwaitingApproval"
    assert len(runs.answers) == 1


def test_approve_another_digest_is_409_plan_changed_and_aborts_the_run(lambda_context, runs: Runs):
    run_id = _started(lambda_context, runs)
    runs.workflow.awaiting(run_id)
    answer = _run(lambda_context, "POST", run_id, "approve", {"planDigest": OTHER_DIGEST}, caller_arn=APPROVER)
    assert answer.status == 409 and answer.body["error"]["code"] == "PlanChanged"
    assert "aborted" in answer.body["error"]["message"]
    (sent,) = runs.answers
    assert sent["error"] == "PlanChanged" and DIGEST in sent["cause"] and OTHER_DIGEST in sent["cause"]


def test_reject_sends_who_and_why(lambda_context, runs: Runs):
    run_id = _started(lambda_context, runs)
    runs.workflow.awaiting(run_id)
    answer = _run(lambda_context, "POST", run_id, "reject", {"reason": "not before the release"}, caller_arn=APPROVER)
    assert answer.status == 200 and answer.body["decision"] == "rejected"
    assert runs.answers == [
        {"failure": "task-token-1", "error": "Rejected", "cause": f"rejected by {APPROVER}: not before the release"}
    ]


def test_reject_without_a_body_and_a_too_long_reason(lambda_context, runs: Runs):
    run_id = _started(lambda_context, runs)
    runs.workflow.awaiting(run_id)
    too_long = _run(lambda_context, "POST", run_id, "reject", {"reason": "x" * 501})
    assert too_long.status == 422 and too_long.body["error"]["details"][0]["field"] == "reason"
    answer = _run(lambda_context, "POST", run_id, "reject", None)
    assert answer.status == 200 and runs.answers[0]["cause"] == f"rejected by {CALLER}"


def test_approve_a_run_that_does_not_wait_is_409(lambda_context, runs: Runs):
    run_id = _started(lambda_context, runs)
    answer = _run(lambda_context, "POST", run_id, "approve", {"planDigest": DIGEST})
    assert answer.status == 409 and answer.body["error"]["code"] == "NotAwaitingApproval"
    assert runs.answers == []


def test_approve_a_malformed_digest_is_422_and_sends_nothing(lambda_context, runs: Runs):
    run_id = _started(lambda_context, runs)
    runs.workflow.awaiting(run_id)
    answer = _run(lambda_context, "POST", run_id, "approve", {"planDigest": "v1:XYZ"})
    assert answer.status == 422 and answer.body["error"]["details"][0]["field"] == "planDigest"
    assert runs.answers == []


def test_approve_an_unknown_run_is_404(lambda_context, runs: Runs):
    answer = _run(lambda_context, "POST", str(uuid.uuid4()), "approve", {"planDigest": DIGEST})
    assert answer.status == 404 and answer.body["error"]["code"] == "RunNotFound"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("GET", "/runs", None), ("GET", "/runs/r-1", None), ("POST", "/runs/r-1/reject", {})],
)
def test_runs_routes_without_the_workflow_are_workflow_required(lambda_context, method, path, body):
    answer = invoke_api(lambda_context, method, path, body)
    assert answer.status == 422 and answer.body["error"]["code"] == "WorkflowRequired"


# /plan of more versions than an answer lists: the whole plan kept in the reports bucket.
MANY_BUILDS = 1_100


@pytest.fixture
def seed() -> dict[str, Any]:
    seeded: dict[str, Any] = copy.deepcopy(API_SEED)
    (builds,) = [p for p in seeded["domains"][0]["repositories"][0]["packages"] if p["name"] == BUILDS["package"]]
    builds["versions"] = [
        {"version": f"build-{i:05d}", "publishedTime": f"2026-01-{i % 28 + 1:02d}T12:00:00Z"}
        for i in range(MANY_BUILDS)
    ]
    return seeded


def test_plan_truncated_keeps_the_whole_plan_and_names_it(lambda_context, emulator, runs: Runs):
    # GIVEN a policy that decides more versions than an answer lists
    policy = {"name": "builds", **{k: BUILDS[k] for k in ("domain", "repository")}, "select": {"olderThanDays": 1}}
    # WHEN it is planned
    answer = invoke_api(lambda_context, "POST", "/plan", policy)
    # THEN the answer lists part of it and names where all of it is kept, every decision one JSON line
    assert answer.status == 200 and answer.body["itemsTruncated"] is True
    run_id = answer.body["runId"]
    assert answer.body["planLocation"] == f"s3://{runs.workflow.bucket}/runs/{run_id}/plan/"
    key = layout.plan_lines_key(run_id, 0)
    lines = runs.workflow.s3.get_object(Bucket=runs.workflow.bucket, Key=key)["Body"].read().splitlines()
    assert len(lines) == answer.body["itemsTotal"] >= MANY_BUILDS
    assert {json.loads(line)["package"] for line in lines} >= {BUILDS["package"]}


def test_plan_not_truncated_keeps_nothing(lambda_context, emulator, runs: Runs):
    policy = {"name": "ui", "domain": "acme", "repository": "releases", "package": "ui-kit", "keep": {"latest": 2}}
    answer = invoke_api(lambda_context, "POST", "/plan", policy)
    assert answer.status == 200 and answer.body["itemsTruncated"] is False and answer.body["planLocation"] is None
    assert runs.workflow.s3.list_objects_v2(Bucket=runs.workflow.bucket).get("KeyCount", 0) == 0
