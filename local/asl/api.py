"""The API's operations over the in-process service: each takes a request body as botocore sends it and gives
the response body as the awsJson1_0 protocol carries it (timestamps as epoch seconds)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from local.asl.errors import ServiceError
from local.asl.execution import Execution, HistoryEvent, Status, to_json
from local.asl.service import StepFunctions

T = TypeVar("T")
Operation = Callable[[StepFunctions, dict[str, Any]], dict[str, Any]]
DEFAULT_PAGE = 100
MAX_PAGE = 1000


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


def _page(items: list[T], request: dict[str, Any], query: str) -> tuple[list[T], dict[str, Any]]:
    """One page of `items` and the nextToken member if more follow; a token from another query is InvalidToken."""
    start = 0
    if request.get("nextToken"):
        try:
            token = json.loads(base64.urlsafe_b64decode(request["nextToken"].encode()))
            start = int(token["offset"]) if token["query"] == query else -1
        except (binascii.Error, ValueError, KeyError, TypeError):
            start = -1
        if start < 0:
            raise ServiceError("InvalidToken", "Invalid Token: the nextToken is not one this call gave")
    size = min(request.get("maxResults") or DEFAULT_PAGE, MAX_PAGE)
    if start + size >= len(items):
        return items[start:], {}
    token = base64.urlsafe_b64encode(json.dumps({"query": query, "offset": start + size}).encode()).decode()
    return items[start : start + size], {"nextToken": token}


def _summary(execution: Execution) -> dict[str, Any]:
    body: dict[str, Any] = {
        "executionArn": execution.arn,
        "stateMachineArn": execution.state_machine_arn,
        "name": execution.name,
        "status": str(execution.status),
        "startDate": _epoch(execution.start_date),
    }
    if execution.stop_date is not None:
        body["stopDate"] = _epoch(execution.stop_date)
    if execution.map_run_arn is not None:
        body["mapRunArn"] = execution.map_run_arn
    return body


def describe_execution(service: StepFunctions, request: dict[str, Any]) -> dict[str, Any]:
    execution = service.describe_execution(request["executionArn"])
    body = _summary(execution)
    body.update(input=to_json(execution.input), inputDetails={"included": True})
    if execution.status is Status.SUCCEEDED:
        body.update(output=to_json(execution.output), outputDetails={"included": True})
    body.update({key: value for key, value in (("error", execution.error), ("cause", execution.cause)) if value})
    return body


def list_executions(service: StepFunctions, request: dict[str, Any]) -> dict[str, Any]:
    arn, map_run, status = request.get("stateMachineArn"), request.get("mapRunArn"), request.get("statusFilter")
    if (arn is None) == (map_run is None):
        raise ServiceError("ValidationException", "Exactly one of stateMachineArn and mapRunArn is required")
    executions = service.list_executions(arn, status, map_run)
    page, more = _page(executions, request, f"{arn}|{map_run}|{status}")
    return {"executions": [_summary(execution) for execution in page], **more}


def _event(event: HistoryEvent, include_data: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "timestamp": _epoch(event.timestamp),
        "type": event.type,
        "id": event.id,
        "previousEventId": event.previous_id,
    }
    if event.details_key:
        details = dict(event.details)
        if not include_data:
            details = {key: value for key, value in details.items() if key not in ("input", "output")}
        body[event.details_key] = details
    return body


def get_execution_history(service: StepFunctions, request: dict[str, Any]) -> dict[str, Any]:
    execution = service.describe_execution(request["executionArn"])
    events = list(reversed(execution.history) if request.get("reverseOrder") else execution.history)
    page, more = _page(events, request, f"{execution.arn}|{bool(request.get('reverseOrder'))}")
    include = request.get("includeExecutionData", True)
    return {"events": [_event(event, include) for event in page], **more}


def create_state_machine(service: StepFunctions, request: dict[str, Any]) -> dict[str, Any]:
    machine = service.create_state_machine(
        request["name"], request["definition"], role_arn=request["roleArn"], type=request.get("type", "STANDARD")
    )
    _, created = service.state_machine(machine.arn)
    return {"stateMachineArn": machine.arn, "creationDate": _epoch(created)}


def describe_state_machine(service: StepFunctions, request: dict[str, Any]) -> dict[str, Any]:
    machine, created = service.state_machine(request["stateMachineArn"])
    return {
        "stateMachineArn": machine.arn,
        "name": machine.name,
        "status": "ACTIVE",
        "definition": json.dumps(machine.definition),
        "roleArn": machine.role_arn,
        "type": "STANDARD",
        "creationDate": _epoch(created),
    }


def list_state_machines(service: StepFunctions, request: dict[str, Any]) -> dict[str, Any]:
    machines = [
        {"stateMachineArn": machine.arn, "name": machine.name, "type": "STANDARD", "creationDate": _epoch(created)}
        for machine, created in service.state_machines()
    ]
    page, more = _page(machines, request, "state machines")
    return {"stateMachines": page, **more}


def start_execution(service: StepFunctions, request: dict[str, Any]) -> dict[str, Any]:
    execution = service.start_execution(request["stateMachineArn"], request.get("input"), request.get("name"))
    return {"executionArn": execution.arn, "startDate": _epoch(execution.start_date)}


def stop_execution(service: StepFunctions, request: dict[str, Any]) -> dict[str, Any]:
    stopped = service.stop_execution(request["executionArn"], request.get("error"), request.get("cause"))
    return {"stopDate": _epoch(stopped)}


def send_task_success(service: StepFunctions, request: dict[str, Any]) -> dict[str, Any]:
    service.send_task_success(request["taskToken"], request["output"])
    return {}


def send_task_failure(service: StepFunctions, request: dict[str, Any]) -> dict[str, Any]:
    service.send_task_failure(request["taskToken"], request.get("error"), request.get("cause"))
    return {}


def send_task_heartbeat(service: StepFunctions, request: dict[str, Any]) -> dict[str, Any]:
    service.send_task_heartbeat(request["taskToken"])
    return {}


OPERATIONS: dict[str, Operation] = {
    "CreateStateMachine": create_state_machine,
    "DescribeStateMachine": describe_state_machine,
    "ListStateMachines": list_state_machines,
    "StartExecution": start_execution,
    "DescribeExecution": describe_execution,
    "ListExecutions": list_executions,
    "GetExecutionHistory": get_execution_history,
    "StopExecution": stop_execution,
    "SendTaskSuccess": send_task_success,
    "SendTaskFailure": send_task_failure,
    "SendTaskHeartbeat": send_task_heartbeat,
}
