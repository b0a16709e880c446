"""Task states and the resources they call: `lambda:invoke` (and `.waitForTaskToken`), a Lambda function's ARN,
`events:putEvents`, and the SDK's S3 `getObject`/`putObject`. Anything else is States.Runtime naming the state."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from local.asl import paths
from local.asl.errors import HEARTBEAT_TIMEOUT, RUNTIME, TIMEOUT, StatesError
from local.asl.execution import to_json
from local.asl.processing import effective_input, next_state, state_output
from local.asl.retry import with_retry
from local.asl.runtime import Scope

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
LAMBDA_INVOKE_WAIT = "arn:aws:states:::lambda:invoke.waitForTaskToken"
EVENTS_PUT = "arn:aws:states:::events:putEvents"
S3_GET = "arn:aws:states:::aws-sdk:s3:getObject"
S3_PUT = "arn:aws:states:::aws-sdk:s3:putObject"
_TIMED_OUT = {
    TIMEOUT: "The task was not answered within its TimeoutSeconds",
    HEARTBEAT_TIMEOUT: "The task sent no heartbeat within its HeartbeatSeconds",
}
_FUNCTION_ARN = re.compile(r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_:$-]+")


@dataclass
class TaskCall:
    """One attempt of a Task: its rendered Parameters and its timeouts in seconds."""

    scope: Scope
    resource: str
    parameters: Any
    timeout: float | None
    heartbeat: float | None


def run_task(scope: Scope, data: Any) -> tuple[Any, str | None]:
    """Task: InputPath, then attempts (Parameters rendered for each, as RetryCount changes), then the output."""
    state = scope.state
    effective = effective_input(state, data, scope.context())
    result = with_retry(scope, lambda: _attempt(scope, effective))
    return state_output(state, data, result, scope.context()), next_state(state)


def _attempt(scope: Scope, effective: Any) -> Any:
    resource = str(scope.state["Resource"])
    call_resource = integration(resource)
    if call_resource is None:
        raise StatesError(RUNTIME, f"state {scope.name!r}: the resource {resource!r} is not supported locally")
    if resource.endswith(".waitForTaskToken"):
        scope.token = scope.run.environment.task_tokens.issue(scope.run.execution.arn, scope.run.signal)
    try:
        return _call(scope, effective, resource, call_resource)
    finally:
        if scope.token is not None:
            scope.run.environment.task_tokens.close(scope.token, "ended")


def _call(scope: Scope, effective: Any, resource: str, call_resource: Callable[[TaskCall], Any]) -> Any:
    """One attempt: Parameters rendered, the resource called, the task's events recorded."""
    state, context = scope.state, scope.context()
    parameters = paths.render(state["Parameters"], effective, context) if "Parameters" in state else effective
    timeout, heartbeat = _seconds(scope, "Timeout", effective), _seconds(scope, "Heartbeat", effective)
    names = _event_names(resource)
    region = scope.run.environment.region
    scope.record(
        "TaskScheduled", **names, region=region, parameters=to_json(parameters),
        timeoutInSeconds=None if timeout is None else int(timeout),
        heartbeatInSeconds=None if heartbeat is None else int(heartbeat),
    )  # fmt: skip
    scope.record("TaskStarted", **names)
    try:
        result = call_resource(TaskCall(scope, resource, parameters, timeout, heartbeat))
    except StatesError as error:
        timed_out = error.error in (TIMEOUT, HEARTBEAT_TIMEOUT)
        scope.record("TaskTimedOut" if timed_out else "TaskFailed", **names, error=error.error, cause=error.cause)
        raise
    scope.record("TaskSucceeded", **names, output=to_json(result))
    return result


def _event_names(resource: str) -> dict[str, str]:
    """resourceType and resource as task events name them (`lambda`, `invoke` for `...:::lambda:invoke`)."""
    if not resource.startswith("arn:aws:states:::"):
        return {"resourceType": "lambda", "resource": resource}
    kind, _, action = resource.removeprefix("arn:aws:states:::").rpartition(":")
    return {"resourceType": kind, "resource": action}


def _seconds(scope: Scope, name: str, effective: Any) -> float | None:
    """TimeoutSeconds or HeartbeatSeconds, or their `...Path` read from the effective input."""
    value = scope.state.get(f"{name}Seconds")
    if f"{name}SecondsPath" in scope.state:
        path = scope.state[f"{name}SecondsPath"]
        value = paths.select(path, effective, scope.context(), field=f"{name}SecondsPath")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise StatesError(RUNTIME, f"state {scope.name!r}: {name}Seconds must be a positive integer, not {value!r}")
    return float(value)


def integration(resource: str) -> Callable[[TaskCall], Any] | None:
    """The function that calls `resource`, or None if the interpreter does not support it."""
    if _FUNCTION_ARN.fullmatch(resource):
        return _invoke_function_arn
    return _INTEGRATIONS.get(resource)


def _invoke(call: TaskCall) -> Any:
    if not isinstance(call.parameters, dict) or "FunctionName" not in call.parameters:
        raise StatesError(RUNTIME, f"state {call.scope.name!r}: lambda:invoke needs Parameters with a FunctionName")
    payload = call.parameters.get("Payload", {})
    started = call.scope.run.clock.now()
    returned = call.scope.run.environment.registry.invoke(str(call.parameters["FunctionName"]), payload)
    if call.timeout is not None and (call.scope.run.clock.now() - started).total_seconds() > call.timeout:
        raise StatesError(TIMEOUT, f"The function ran longer than the state's TimeoutSeconds ({call.timeout:g})")
    return returned


def _invoke_lambda(call: TaskCall) -> Any:
    # The Lambda API's answer as the optimized integration returns it (less its SDK metadata).
    return {"ExecutedVersion": "$LATEST", "Payload": _invoke(call), "StatusCode": 200}


def _invoke_function_arn(call: TaskCall) -> Any:
    return call.scope.run.environment.registry.invoke(call.resource, call.parameters)


def _invoke_and_wait(call: TaskCall) -> Any:
    """Invoke, then wait for SendTaskSuccess or SendTaskFailure with the token, or a timeout."""
    scope, token = call.scope, call.scope.token
    assert token is not None
    tokens = scope.run.environment.task_tokens
    try:
        invoked = _invoke_lambda(call)
        scope.record(
            "TaskSubmitted", resourceType="lambda", resource="invoke.waitForTaskToken", output=to_json(invoked)
        )
        started = scope.run.clock.now()
        while (answer := tokens.answer(token)) is None:
            left, error = _time_left(call, started, tokens.last_beat(token))
            if left is not None and left <= 0:
                answer = tokens.close(token, "timed out")
                if answer is None:
                    raise StatesError(error, _TIMED_OUT[error])
                break
            scope.run.sleep(left, until=tokens.signal(token))
    finally:
        tokens.close(token, "ended")
    assert answer is not None
    if not answer.succeeded:
        raise StatesError(answer.error or "", answer.cause)
    return answer.output


def _time_left(call: TaskCall, started: Any, last_beat: Any) -> tuple[float | None, str]:
    now = call.scope.run.clock.now()
    limits: list[tuple[float, str]] = []
    if call.timeout is not None:
        limits.append((call.timeout - (now - started).total_seconds(), TIMEOUT))
    if call.heartbeat is not None:
        limits.append((call.heartbeat - (now - last_beat).total_seconds(), HEARTBEAT_TIMEOUT))
    return min(limits) if limits else (None, TIMEOUT)


def _put_events(call: TaskCall) -> Any:
    """PutEvents: each Detail object sent as JSON text, the execution's and state machine's ARNs added to
    Resources (as the optimized integration does); a failed entry is EventBridge.FailedEntry."""
    entries = call.parameters.get("Entries") if isinstance(call.parameters, dict) else None
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise StatesError(RUNTIME, f"state {call.scope.name!r}: events:putEvents needs Parameters with Entries")
    run = call.scope.run
    arns = [run.execution.arn, run.state_machine["Id"]]
    sent = [_entry(entry, arns) for entry in entries]
    try:
        response = run.environment.send_events(sent)
    except ClientError as error:
        raise StatesError(f"EventBridge.{error.response['Error']['Code']}", str(error)) from error
    if response.get("FailedEntryCount", 0):
        raise StatesError("EventBridge.FailedEntry", to_json(dict(response)))
    return {"Entries": [{"EventId": entry["EventId"]} for entry in response["Entries"]], "FailedEntryCount": 0}


def _entry(entry: Mapping[str, Any], arns: list[str]) -> dict[str, Any]:
    sent = dict(entry)
    if "Detail" in sent and not isinstance(sent["Detail"], str):
        sent["Detail"] = json.dumps(sent["Detail"])
    sent["Resources"] = [*sent.get("Resources", []), *arns]
    return sent


def _s3_get(call: TaskCall) -> Any:
    try:
        answer = call.scope.run.environment.s3_client().get_object(**call.parameters)
        body = answer["Body"].read().decode()
    except (ClientError, BotoCoreError, TypeError) as error:
        raise _s3_error(error) from error
    return {
        "Body": body,
        "ContentLength": answer.get("ContentLength"),
        "ContentType": answer.get("ContentType"),
        "ETag": answer.get("ETag"),
    }


def _s3_put(call: TaskCall) -> Any:
    parameters = dict(call.parameters)
    body = parameters.get("Body", "")
    parameters["Body"] = (body if isinstance(body, str) else json.dumps(body)).encode()
    parameters.setdefault("ContentType", "application/json")
    try:
        answer = call.scope.run.environment.s3_client().put_object(**parameters)
    except (ClientError, BotoCoreError, TypeError) as error:
        raise _s3_error(error) from error
    return {"ETag": answer.get("ETag")}


def _s3_error(error: Exception) -> StatesError:
    """An SDK integration's error is `<Service>.<exception>`: S3.NoSuchKeyException, S3.NoSuchBucketException."""
    code = error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
    return StatesError(f"S3.{code.removesuffix('Exception')}Exception", str(error))


_INTEGRATIONS: dict[str, Callable[[TaskCall], Any]] = {
    LAMBDA_INVOKE: _invoke_lambda,
    LAMBDA_INVOKE_WAIT: _invoke_and_wait,
    EVENTS_PUT: _put_events,
    S3_GET: _s3_get,
    S3_PUT: _s3_put,
}
