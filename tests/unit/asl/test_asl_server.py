"""The local Step Functions over HTTP, driven by boto3's own `stepfunctions` client (local/asl/server.py,
api.py, service.py): responses parse with botocore's model, errors arrive as the modelled exceptions."""

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from local.asl import model
from local.asl.environment import Environment
from local.asl.server import StepFunctionsServer, local_stepfunctions
from local.asl.service import StepFunctions

ROLE = "arn:aws:iam::123456789012:role/runs"
ASK = {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "steps", "Payload": {"token.$": "$$.Task.Token"}},
            "ResultPath": "$.approved",
            "HeartbeatSeconds": 30,
            "End": True,
        }
    },
}
ECHO = {
    "StartAt": "Echo",
    "States": {"Echo": {"Type": "Pass", "Result": {"ok": True}, "ResultPath": "$.r", "End": True}},
}


class Tokens:
    """A steps function that keeps the tokens it is given."""

    def __init__(self):
        self.seen = []
        self.arrived = threading.Event()

    def __call__(self, event):
        self.seen.append(event["token"])
        self.arrived.set()

    def next(self):
        assert self.arrived.wait(5)
        self.arrived.clear()
        return self.seen[-1]


@pytest.fixture
def tokens() -> Tokens:
    return Tokens()


@pytest.fixture
def client(tokens) -> Iterator[Any]:
    service = StepFunctions(Environment(functions={"steps": tokens}))
    with local_stepfunctions(service) as url:
        yield boto3.client("stepfunctions", endpoint_url=url, region_name="us-east-1")


def finished(client, arn, timeout=5.0):
    deadline = time.monotonic() + timeout
    while (described := client.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, f"{arn} still running"
        time.sleep(0.01)
    return described


def test_start_and_describe_an_execution(client):
    # GIVEN
    machine = client.create_state_machine(name="echo", definition=json.dumps(ECHO), roleArn=ROLE)["stateMachineArn"]
    # WHEN
    started = client.start_execution(stateMachineArn=machine, name="run-1", input=json.dumps({"a": 1}))
    # THEN
    assert started["executionArn"] == "arn:aws:states:us-east-1:123456789012:execution:echo:run-1"
    described = finished(client, started["executionArn"])
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"a": 1, "r": {"ok": True}}
    assert described["stopDate"] >= described["startDate"] == started["startDate"]


def test_start_with_the_name_of_an_execution_is_idempotent_only_while_it_runs_with_same_input(client, tokens):
    # GIVEN an execution waiting for its token
    machine = client.create_state_machine(name="ask", definition=json.dumps(ASK), roleArn=ROLE)["stateMachineArn"]
    first = client.start_execution(stateMachineArn=machine, name="run-1", input="{}")
    token = tokens.next()
    # WHEN / THEN
    assert client.start_execution(stateMachineArn=machine, name="run-1", input="{}") == first
    with pytest.raises(client.exceptions.ExecutionAlreadyExists):
        client.start_execution(stateMachineArn=machine, name="run-1", input='{"other": 1}')
    client.send_task_success(taskToken=token, output=json.dumps({"approvedBy": "ana"}))
    assert json.loads(finished(client, first["executionArn"])["output"]) == {"approved": {"approvedBy": "ana"}}
    with pytest.raises(client.exceptions.ExecutionAlreadyExists):
        client.start_execution(stateMachineArn=machine, name="run-1", input="{}")


def test_task_token_answers_and_their_refusals(client, tokens):
    # GIVEN
    machine = client.create_state_machine(name="ask", definition=json.dumps(ASK), roleArn=ROLE)["stateMachineArn"]
    arn = client.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    token = tokens.next()
    # WHEN
    client.send_task_heartbeat(taskToken=token)
    with pytest.raises(client.exceptions.InvalidOutput):
        client.send_task_success(taskToken=token, output="not json")
    client.send_task_failure(taskToken=token, error="Rejected", cause="not today")
    # THEN
    described = finished(client, arn)
    assert (described["status"], described["error"], described["cause"]) == ("FAILED", "Rejected", "not today")
    with pytest.raises(client.exceptions.TaskDoesNotExist):
        client.send_task_success(taskToken=token, output="{}")
    with pytest.raises(client.exceptions.InvalidToken):
        client.send_task_heartbeat(taskToken="garbage!")


def test_stop_execution_aborts_it_and_closes_its_token(client, tokens):
    # GIVEN
    machine = client.create_state_machine(name="ask", definition=json.dumps(ASK), roleArn=ROLE)["stateMachineArn"]
    arn = client.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    token = tokens.next()
    # WHEN
    stopped = client.stop_execution(executionArn=arn, error="Cancelled", cause="by a test")
    # THEN
    described = client.describe_execution(executionArn=arn)
    assert (described["status"], described["stopDate"]) == ("ABORTED", stopped["stopDate"])
    deadline = time.monotonic() + 5
    while True:
        try:
            client.send_task_heartbeat(taskToken=token)
        except client.exceptions.TaskDoesNotExist:
            break
        assert time.monotonic() < deadline
        time.sleep(0.01)
    events = client.get_execution_history(executionArn=arn)["events"]
    assert events[-1]["type"] == "ExecutionAborted"
    assert events[-1]["executionAbortedEventDetails"] == {"error": "Cancelled", "cause": "by a test"}


def test_list_executions_filters_by_status_and_pages(client, tokens):
    # GIVEN three finished executions and one waiting
    echo = client.create_state_machine(name="echo", definition=json.dumps(ECHO), roleArn=ROLE)["stateMachineArn"]
    done = [client.start_execution(stateMachineArn=echo, name=f"run-{n}")["executionArn"] for n in range(3)]
    for arn in done:
        finished(client, arn)
    ask = client.create_state_machine(name="ask", definition=json.dumps(ASK), roleArn=ROLE)["stateMachineArn"]
    waiting = client.start_execution(stateMachineArn=ask, name="waiting")["executionArn"]
    tokens.next()
    # WHEN
    pages = client.get_paginator("list_executions").paginate(
        stateMachineArn=echo, statusFilter="SUCCEEDED", PaginationConfig={"PageSize": 2}
    )
    listed = [page["executions"] for page in pages]
    # THEN
    assert [len(page) for page in listed] == [2, 1]
    assert sorted(execution["executionArn"] for page in listed for execution in page) == sorted(done)
    running = client.list_executions(stateMachineArn=ask, statusFilter="RUNNING")["executions"]
    assert [execution["executionArn"] for execution in running] == [waiting]
    assert client.list_executions(stateMachineArn=echo, statusFilter="RUNNING")["executions"] == []
    with pytest.raises(client.exceptions.InvalidToken):
        client.list_executions(stateMachineArn=echo, nextToken="bm90IG91cnM=")


def test_execution_history_pages_in_either_order_with_modelled_details(client):
    # GIVEN
    machine = client.create_state_machine(name="echo", definition=json.dumps(ECHO), roleArn=ROLE)["stateMachineArn"]
    arn = client.start_execution(stateMachineArn=machine, input='{"a": 1}')["executionArn"]
    finished(client, arn)
    # WHEN
    pages = client.get_paginator("get_execution_history").paginate(executionArn=arn, PaginationConfig={"PageSize": 2})
    events = [event for page in pages for event in page["events"]]
    backwards = client.get_execution_history(executionArn=arn, reverseOrder=True, includeExecutionData=False)["events"]
    # THEN
    assert [event["type"] for event in events] == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    assert events[1]["stateEnteredEventDetails"]["name"] == "Echo"
    assert json.loads(events[1]["stateEnteredEventDetails"]["input"]) == {"a": 1}
    assert [event["id"] for event in backwards] == [4, 3, 2, 1]
    assert "output" not in backwards[0]["executionSucceededEventDetails"]


def test_errors_arrive_as_the_modelled_exceptions(client):
    # GIVEN
    machine = client.create_state_machine(name="echo", definition=json.dumps(ECHO), roleArn=ROLE)["stateMachineArn"]
    missing = machine.replace(":stateMachine:", ":execution:") + ":nope"
    # WHEN / THEN
    with pytest.raises(client.exceptions.ExecutionDoesNotExist):
        client.describe_execution(executionArn=missing)
    with pytest.raises(client.exceptions.InvalidArn):
        client.describe_execution(executionArn="arn:aws:states:us-east-1:123456789012:activity:x")
    with pytest.raises(client.exceptions.StateMachineDoesNotExist):
        client.start_execution(stateMachineArn=machine + "-other")
    with pytest.raises(client.exceptions.InvalidExecutionInput):
        client.start_execution(stateMachineArn=machine, input="{")
    with pytest.raises(client.exceptions.InvalidName):
        client.start_execution(stateMachineArn=machine, name="has space")
    with pytest.raises(client.exceptions.StateMachineAlreadyExists):
        client.create_state_machine(name="echo", definition=json.dumps({**ECHO, "Comment": "other"}), roleArn=ROLE)
    bad = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}
    with pytest.raises(client.exceptions.InvalidDefinition, match="States.A: Next 'B' is not a state"):
        client.create_state_machine(name="bad", definition=json.dumps(bad), roleArn=ROLE)


def test_client_reaches_server_through_aws_endpoint_url_sfn(monkeypatch):
    with local_stepfunctions() as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SFN", url)
        client = boto3.client("stepfunctions", region_name="us-east-1")
        assert client.list_state_machines()["stateMachines"] == []


def test_server_validates_requests_against_the_model():
    # GIVEN
    server = StepFunctionsServer(("127.0.0.1", 0), StepFunctions())
    try:
        # WHEN
        missing = server.answer("AWSStepFunctions.StartExecution", b'{"name": "x"}')
        unknown = server.answer("AWSStepFunctions.DeleteActivity", b"{}")
        # THEN
        assert missing[0] == 400 and missing[1]["__type"].endswith("#ValidationException")
        assert "stateMachineArn" in missing[1]["message"]
        assert unknown[1]["__type"].endswith("#UnknownOperationException")
    finally:
        server.server_close()


def test_unmodelled_response_members_are_found():
    response = {"executionArn": "a", "startDate": 1.0, "extra": 1}
    assert model.unmodelled_fields("StartExecution", response) == ["extra"]
    history = {"events": [{"id": 1, "type": "PassStateEntered", "stateEnteredEventDetails": {"name": "A", "x": 1}}]}
    assert model.unmodelled_fields("GetExecutionHistory", history) == ["events.stateEnteredEventDetails.x"]
