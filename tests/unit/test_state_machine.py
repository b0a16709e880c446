"""The Step Functions adapter: its answers as values, and every AWS error as one of ours."""

import pytest
from botocore.stub import Stubber

from disposer import aws
from disposer.errors import InvalidNextTokenError, NotAwaitingApprovalError, WorkflowError
from disposer.stepfunctions.machine import MAX_CAUSE, StateMachine
from tests.workflow_runs import Workflow
from tests.workflow_runs import workflow as workflow  # noqa: F401 (the fixture)

MACHINE_ARN = "arn:aws:states:us-east-1:111122223333:stateMachine:disposer-runs"


def _stubbed() -> tuple[StateMachine, Stubber]:
    client = aws.client("stepfunctions")
    return StateMachine(MACHINE_ARN, client), Stubber(client)


def test_execution_arn_is_the_machines_with_execution_and_the_name():
    machine, _ = _stubbed()
    assert machine.execution_arn("r-1") == "arn:aws:states:us-east-1:111122223333:execution:disposer-runs:r-1"


def test_describe_an_execution_that_does_not_exist_is_none(workflow: Workflow):
    machine = StateMachine(workflow.machine_arn, aws.client("stepfunctions"))
    assert machine.describe(machine.execution_arn("nope")) is None


def test_describe_reads_status_times_and_input(workflow: Workflow):
    machine = StateMachine(workflow.machine_arn, aws.client("stepfunctions"))
    arn = machine.start("r-2", {"runId": "r-2"})
    execution = machine.describe(arn)
    assert execution is not None and execution.name == "r-2" and execution.status == "RUNNING"
    assert execution.input == '{"runId":"r-2"}' and execution.started_at.utcoffset() is not None


def test_start_on_a_machine_that_does_not_exist_is_a_workflow_error(workflow: Workflow):
    machine = StateMachine(workflow.machine_arn + "-gone", aws.client("stepfunctions"))
    with pytest.raises(WorkflowError, match="could not start run r-3"):
        machine.start("r-3", {"runId": "r-3"})


def test_a_token_no_answer_gave_is_invalid_next_token():
    machine, stubber = _stubbed()
    stubber.add_client_error("list_executions", "InvalidToken", "Invalid Token: 'x'")
    with stubber, pytest.raises(InvalidNextTokenError):
        machine.list_executions(status=None, limit=10, token="x")


@pytest.mark.parametrize("code", ["TaskDoesNotExist", "TaskTimedOut", "InvalidToken"])
def test_a_task_that_no_longer_waits_is_not_awaiting_approval(code: str):
    machine, stubber = _stubbed()
    stubber.add_client_error("send_task_success", code, "Task Timed Out")
    stubber.add_client_error("send_task_failure", code, "Task Timed Out")
    with stubber:
        with pytest.raises(NotAwaitingApprovalError):
            machine.send_task_success("t", {"planDigest": "d", "approvedBy": "me"})
        with pytest.raises(NotAwaitingApprovalError):
            machine.send_task_failure("t", error="Rejected", cause="no")


def test_any_other_error_is_a_transient_workflow_error():
    machine, stubber = _stubbed()
    stubber.add_client_error("send_task_failure", "ThrottlingException", "Rate exceeded", http_status_code=400)
    with stubber, pytest.raises(WorkflowError, match="ThrottlingException") as raised:
        machine.send_task_failure("t", error="Rejected", cause="no")
    assert raised.value.transient


def test_a_cause_is_cut_to_what_step_functions_takes():
    machine, stubber = _stubbed()
    stubber.add_response("send_task_failure", {}, {"taskToken": "t", "error": "Rejected", "cause": "x" * MAX_CAUSE})
    with stubber:
        machine.send_task_failure("t", error="Rejected", cause="x" * (MAX_CAUSE + 10))
    stubber.assert_no_pending_responses()
