"""The interpreter's states, input and output processing, Retry, Catch, the context object and the history
(local/asl/machine.py and the modules it runs)."""

import json

from local.asl.clock import FakeClock
from local.asl.environment import Environment
from local.asl.errors import DATA_LIMIT_EXCEEDED, RUNTIME
from local.asl.execution import Status
from local.asl.machine import StateMachine

INVOKE = "arn:aws:states:::lambda:invoke"
STEPS_ARN = "arn:aws:lambda:us-east-1:123456789012:function:steps"


class RetryLaterError(Exception):
    pass


def machine(definition, clock, **functions):
    return StateMachine(definition, name="test", environment=Environment(functions=functions, clock=clock))


def single(state, **more):
    """A definition of one state (plus `more` states)."""
    return {"StartAt": "Only", "States": {"Only": state, **more}}


def invoke(payload, **fields):
    return {"Type": "Task", "Resource": INVOKE, "Parameters": {"FunctionName": STEPS_ARN, "Payload": payload}, **fields}


def test_pass_applies_input_path_parameters_result_path_output_path_in_order(clock):
    # GIVEN
    state = {
        "Type": "Pass",
        "InputPath": "$.run",
        "Parameters": {"id.$": "$.id", "const": 1},
        "ResultPath": "$.run.copy",
        "OutputPath": "$.run",
        "End": True,
    }
    # WHEN
    execution = machine(single(state), clock).execute({"run": {"id": "r1"}, "other": True})
    # THEN: ResultPath places into the raw input, not the effective one
    assert execution.output == {"id": "r1", "copy": {"id": "r1", "const": 1}}


def test_task_applies_result_selector_before_result_path(clock):
    # GIVEN
    state = invoke(
        {"x.$": "$.x"}, ResultSelector={"got.$": "$.Payload.echo", "code.$": "$.StatusCode"}, ResultPath="$.r"
    )
    state["End"] = True
    # WHEN
    execution = machine(single(state), clock, steps=lambda event: {"echo": event["x"]}).execute({"x": 7})
    # THEN
    assert execution.output == {"x": 7, "r": {"got": 7, "code": 200}}


def test_null_result_path_keeps_input_and_null_paths_give_empty_object(clock):
    definition = {
        "StartAt": "Discard",
        "States": {
            "Discard": {"Type": "Pass", "Result": {"dropped": True}, "ResultPath": None, "Next": "Empty"},
            "Empty": {"Type": "Pass", "InputPath": None, "ResultPath": "$.seen", "OutputPath": None, "End": True},
        },
    }
    execution = machine(definition, clock).execute({"keep": 1})
    assert execution.output == {}
    assert json.loads(execution.events("PassStateExited")[0].details["output"]) == {"keep": 1}


def test_lambda_invoke_result_has_payload_version_and_status(clock):
    execution = machine(single(invoke({"a": 1}, End=True)), clock, steps=lambda event: [event]).execute()
    assert execution.output == {"ExecutedVersion": "$LATEST", "Payload": [{"a": 1}], "StatusCode": 200}


def test_wait_goes_through_the_clock_without_sleeping(clock):
    # GIVEN
    definition = {
        "StartAt": "Fixed",
        "States": {
            "Fixed": {"Type": "Wait", "Seconds": 30, "Next": "FromInput"},
            "FromInput": {"Type": "Wait", "SecondsPath": "$.delay", "Next": "Until"},
            "Until": {"Type": "Wait", "Timestamp": "2024-01-01T01:00:00Z", "End": True},
        },
    }
    # WHEN
    execution = machine(definition, clock).execute({"delay": 5})
    # THEN
    assert execution.status is Status.SUCCEEDED
    assert clock.sleeps == [30.0, 5.0, 3600.0 - 35.0]


def test_fail_state_fails_execution_with_its_error_and_cause(clock):
    execution = machine(single({"Type": "Fail", "Error": "RunAborted", "Cause": "why"}), clock).execute()
    assert (execution.status, execution.error, execution.cause) == (Status.FAILED, "RunAborted", "why")
    assert execution.history[-1].type == "ExecutionFailed"


def test_retry_waits_with_backoff_and_exposes_retry_count(clock):
    # GIVEN a function that asks to be retried twice
    attempts = []

    def steps(event):
        attempts.append(event["attempt"])
        if len(attempts) < 3:
            raise RetryLaterError("busy")
        return "done"

    retry = [{"ErrorEquals": ["RetryLaterError"], "IntervalSeconds": 30, "MaxAttempts": 5, "BackoffRate": 2}]
    state = invoke({"attempt.$": "$$.State.RetryCount"}, Retry=retry, OutputPath="$.Payload", End=True)
    # WHEN
    execution = machine(single(state), clock, steps=steps).execute()
    # THEN
    assert execution.output == "done"
    assert attempts == [0, 1, 2]
    assert clock.sleeps == [30.0, 60.0]


def test_retry_max_delay_caps_backoff_and_exhausted_retrier_goes_to_catch(clock):
    # GIVEN
    def steps(event):
        raise RetryLaterError("always")

    state = invoke(
        {},
        Retry=[
            {"ErrorEquals": ["RetryLaterError"], "IntervalSeconds": 10, "MaxAttempts": 3, "MaxDelaySeconds": 15},
            {"ErrorEquals": ["States.ALL"], "MaxAttempts": 10},
        ],
        Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "Caught"}],
        End=True,
    )
    definition = single(state, Caught={"Type": "Pass", "End": True})
    # WHEN
    execution = machine(definition, clock, steps=steps).execute({"run": 1})
    # THEN: the first matching retrier decides; the later States.ALL one is never tried
    assert clock.sleeps == [10.0, 15.0, 15.0]
    assert execution.output["run"] == 1
    failure = execution.output["failure"]
    assert failure["Error"] == "RetryLaterError"
    cause = json.loads(failure["Cause"])
    assert set(cause) == {"errorMessage", "errorType", "stackTrace"}
    assert (cause["errorMessage"], cause["errorType"]) == ("always", "RetryLaterError")
    assert 'raise RetryLaterError("always")' in "".join(cause["stackTrace"])
    assert execution.states_entered() == ["Only", "Caught"]


def test_task_failed_matches_function_errors_but_not_runtime_errors(clock):
    # GIVEN a payload path that selects nothing: States.Runtime, which no catcher sees
    catch = [
        {"ErrorEquals": ["States.TaskFailed"], "Next": "Caught"},
        {"ErrorEquals": ["States.ALL"], "Next": "Caught"},
    ]
    state = invoke({"x.$": "$.missing"}, Catch=catch, End=True)
    # WHEN
    execution = machine(single(state, Caught={"Type": "Succeed"}), clock, steps=lambda event: 1).execute({})
    # THEN
    assert (execution.status, execution.error) == (Status.FAILED, RUNTIME)
    assert "The JSONPath '$.missing' specified for the field 'x.$'" in (execution.cause or "")


def test_unknown_function_is_lambda_resource_not_found(clock):
    execution = machine(single(invoke({}, End=True)), clock).execute()
    assert execution.error == "Lambda.ResourceNotFoundException"


def test_function_returning_non_json_is_marshal_error(clock):
    execution = machine(single(invoke({}, End=True)), clock, steps=lambda event: {1, 2}).execute()
    assert execution.error == "Runtime.MarshalError"


def test_context_object_names_execution_state_and_state_machine(clock):
    # GIVEN
    state = {"Type": "Pass", "Parameters": {"context.$": "$$"}, "End": True}
    # WHEN
    execution = machine(single(state), clock).execute({"in": 1}, name="run-1")
    # THEN
    context = execution.output["context"]
    assert context["Execution"]["Id"] == "arn:aws:states:us-east-1:123456789012:execution:test:run-1"
    assert context["Execution"]["Name"] == "run-1"
    assert context["Execution"]["Input"] == {"in": 1}
    assert context["Execution"]["StartTime"] == "2024-01-01T00:00:00.000Z"
    assert context["State"] == {"Name": "Only", "EnteredTime": "2024-01-01T00:00:00.000Z", "RetryCount": 0}
    assert context["StateMachine"] == {"Id": "arn:aws:states:us-east-1:123456789012:stateMachine:test", "Name": "test"}


def test_history_records_each_state_and_task_event_in_order(clock):
    definition = {
        "StartAt": "Call",
        "States": {"Call": invoke({}, Next="Done"), "Done": {"Type": "Succeed"}},
    }
    execution = machine(definition, clock, steps=lambda event: None).execute()
    assert [event.type for event in execution.history] == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskStateExited",
        "SucceedStateEntered",
        "SucceedStateExited",
        "ExecutionSucceeded",
    ]
    scheduled = execution.events("TaskScheduled")[0]
    assert scheduled.details_key == "taskScheduledEventDetails"
    assert (scheduled.details["resourceType"], scheduled.details["resource"]) == ("lambda", "invoke")
    assert [event.id for event in execution.history] == list(range(1, 10))


def test_execution_past_its_timeout_seconds_times_out(clock):
    definition = {"TimeoutSeconds": 10, **single({"Type": "Wait", "Seconds": 60, "End": True})}
    execution = machine(definition, clock).execute()
    assert (execution.status, execution.error) == (Status.TIMED_OUT, "States.Timeout")
    assert clock.sleeps == [10.0]


def test_output_over_256_kib_is_data_limit_exceeded_that_catch_does_not_see(clock):
    # GIVEN a Map's catcher around an iteration whose output is too big
    big = {"Type": "Pass", "Result": "x" * 300_000, "End": True}
    catch = [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]
    state = {"Type": "Map", "ItemsPath": "$.items", "Iterator": single(big), "Catch": catch, "End": True}
    # WHEN
    execution = machine(single(state, Caught={"Type": "Succeed"}), clock).execute({"items": [1]})
    # THEN
    assert execution.error == DATA_LIMIT_EXCEEDED


def test_execute_in_thread_waits_for_end():
    sm = StateMachine(single({"Type": "Pass", "End": True}), environment=Environment(clock=FakeClock()))
    execution = sm.start({"a": 1})
    assert execution.wait(5)
    assert execution.output == {"a": 1}
