"""Task resources: waitForTaskToken with its timeouts, EventBridge PutEvents, S3 through the SDK integration
(local/asl/tasks.py, local/asl/tokens.py)."""

import json
import threading

import boto3
import pytest

from local.asl.clock import SystemClock
from local.asl.environment import Environment
from local.asl.errors import HEARTBEAT_TIMEOUT, TIMEOUT, ServiceError
from local.asl.execution import Status
from local.asl.machine import StateMachine
from tests.unit.asl.conftest import BUCKET

WAIT = "arn:aws:states:::lambda:invoke.waitForTaskToken"


def approval(**fields):
    """Ask, wait for the answer into $.approved; failures caught into $.failure."""
    ask = {
        "Type": "Task",
        "Resource": WAIT,
        "Parameters": {"FunctionName": "steps", "Payload": {"token.$": "$$.Task.Token"}},
        "ResultPath": "$.approved",
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "Failed"}],
        "End": True,
        **fields,
    }
    return {"StartAt": "Ask", "States": {"Ask": ask, "Failed": {"Type": "Pass", "End": True}}}


def environment(clock, **functions):
    return Environment(functions=functions, clock=clock)


def test_wait_for_token_answered_from_another_thread_resumes_with_output():
    # GIVEN a function that hands the token to someone who answers later
    tokens = []
    env = environment(SystemClock(), steps=lambda event: tokens.append(event["token"]))
    execution = StateMachine(approval(), environment=env).start({"run": 1})
    # WHEN
    threading.Thread(target=lambda: _answer_when_asked(env, tokens), daemon=True).start()
    # THEN
    assert execution.wait(10)
    assert execution.output == {"run": 1, "approved": {"approvedBy": "ana"}}
    assert [event.type for event in execution.history][3:7] == [
        "TaskStarted",
        "TaskSubmitted",
        "TaskSucceeded",
        "TaskStateExited",
    ]


def _answer_when_asked(env, tokens):
    while not tokens:
        threading.Event().wait(0.01)
    env.task_tokens.succeed(tokens[0], {"approvedBy": "ana"})


def test_wait_for_token_failure_is_the_error_and_cause_sent(clock):
    # GIVEN a function that rejects at once
    env = environment(clock)
    env.registry.register("steps", lambda event: env.task_tokens.fail(event["token"], "Rejected", "not today"))
    # WHEN
    execution = StateMachine(approval(), environment=env).execute({})
    # THEN
    assert execution.output == {"failure": {"Error": "Rejected", "Cause": "not today"}}


def test_wait_for_token_timeout_is_states_timeout_and_later_answers_are_refused(clock):
    # GIVEN nobody answers within TimeoutSecondsPath
    tokens = []
    env = environment(clock, steps=lambda event: tokens.append(event["token"]))
    # WHEN
    execution = StateMachine(approval(TimeoutSecondsPath="$.timeout"), environment=env).execute({"timeout": 3600})
    # THEN
    assert execution.output["failure"]["Error"] == TIMEOUT
    assert clock.sleeps == [3600.0]
    assert execution.events("TaskTimedOut")
    with pytest.raises(ServiceError) as raised:
        env.task_tokens.succeed(tokens[0], {})
    assert raised.value.code == "TaskTimedOut"


def test_wait_for_token_without_heartbeat_is_heartbeat_timeout(clock):
    env = environment(clock, steps=lambda event: None)
    execution = StateMachine(approval(HeartbeatSeconds=60, TimeoutSeconds=600), environment=env).execute({})
    assert execution.output["failure"]["Error"] == HEARTBEAT_TIMEOUT
    assert clock.sleeps == [60.0]


def test_task_failed_does_not_catch_a_timeout(clock):
    # GIVEN
    definition = approval(TimeoutSeconds=5)
    definition["States"]["Ask"]["Catch"] = [{"ErrorEquals": ["States.TaskFailed"], "Next": "Failed"}]
    # WHEN
    execution = StateMachine(definition, environment=environment(clock, steps=lambda event: None)).execute({})
    # THEN
    assert (execution.status, execution.error) == (Status.FAILED, TIMEOUT)


def test_answering_a_closed_or_unknown_token_is_refused(clock):
    # GIVEN a token answered once
    env = environment(clock)
    tokens = []

    def answer_at_once(event):
        tokens.append(event["token"])
        env.task_tokens.succeed(event["token"], "yes")

    env.registry.register("steps", answer_at_once)
    StateMachine(approval(), environment=env).execute({})
    # WHEN / THEN
    for answer_again in (lambda: env.task_tokens.succeed(tokens[0], 1), lambda: env.task_tokens.heartbeat(tokens[0])):
        with pytest.raises(ServiceError) as raised:
            answer_again()
        assert raised.value.code == "TaskDoesNotExist"
    with pytest.raises(ServiceError) as raised:
        env.task_tokens.fail("not a token!", "E", None)
    assert raised.value.code == "InvalidToken"


def put_events(detail_path="$.event", **entry):
    return {
        "StartAt": "Announce",
        "States": {
            "Announce": {
                "Type": "Task",
                "Resource": "arn:aws:states:::events:putEvents",
                "Parameters": {
                    "Entries": [
                        {
                            "Source": "codeartifact.disposer",
                            "DetailType": "Run Planned",
                            "Detail.$": detail_path,
                            **entry,
                        }
                    ]
                },
                "End": True,
            }
        },
    }


def test_put_events_sends_detail_as_json_text_and_adds_arns_to_resources(clock, events):
    # GIVEN
    sm = StateMachine(put_events(), name="runs", environment=Environment(clock=clock, put_events=events))
    # WHEN
    execution = sm.execute({"event": {"runId": "r1", "totals": {"disposable": 3}}}, name="r1")
    # THEN
    assert execution.output == {"Entries": [{"EventId": "event-1"}], "FailedEntryCount": 0}
    [entry] = events.entries
    assert json.loads(entry["Detail"]) == {"runId": "r1", "totals": {"disposable": 3}}
    assert entry["Resources"] == [execution.arn, sm.arn]
    assert "EventBusName" not in entry


def test_put_events_with_a_failed_entry_is_eventbridge_failed_entry(clock):
    def failing(entries):
        return {"Entries": [{"ErrorCode": "InternalFailure", "ErrorMessage": "no"}], "FailedEntryCount": 1}

    execution = StateMachine(put_events(), environment=Environment(clock=clock, put_events=failing)).execute(
        {"event": {}}
    )
    assert execution.error == "EventBridge.FailedEntry"


def test_put_events_by_default_goes_through_boto3_to_moto(clock, s3):
    # GIVEN a rule on moto's default bus that forwards to a queue
    sqs = boto3.client("sqs", region_name="us-east-1")
    queue = sqs.create_queue(QueueName="runs")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bridge = boto3.client("events", region_name="us-east-1")
    bridge.put_rule(Name="planned", EventPattern=json.dumps({"source": ["codeartifact.disposer"]}))
    bridge.put_targets(Rule="planned", Targets=[{"Id": "q", "Arn": queue_arn}])
    # WHEN
    execution = StateMachine(put_events(), environment=Environment(clock=clock)).execute({"event": {"runId": "r2"}})
    # THEN
    assert execution.status is Status.SUCCEEDED
    [message] = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    delivered = json.loads(message["Body"])
    assert (delivered["detail-type"], delivered["detail"]) == ("Run Planned", {"runId": "r2"})


def test_s3_sdk_tasks_put_then_get_an_object(clock, s3):
    # GIVEN
    definition = {
        "StartAt": "Put",
        "States": {
            "Put": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
                "Parameters": {"Bucket": BUCKET, "Key": "a.json", "Body.$": "$"},
                "ResultPath": None,
                "Next": "Get",
            },
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                "Parameters": {"Bucket": BUCKET, "Key": "a.json"},
                "ResultSelector": {"body.$": "States.StringToJson($.Body)"},
                "Next": "Missing",
            },
            "Missing": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                "Parameters": {"Bucket": BUCKET, "Key": "nope"},
                "End": True,
            },
        },
    }
    # WHEN
    execution = StateMachine(definition, environment=Environment(clock=clock, s3=s3)).execute({"n": 1})
    # THEN
    assert json.loads(execution.events("TaskSucceeded")[1].details["output"])["Body"] == '{"n": 1}'
    assert execution.error == "S3.NoSuchKeyException"
