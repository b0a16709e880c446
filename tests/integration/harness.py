"""Driving the real handlers as AWS would, and reading the emulator's and moto's state independently."""

import json
import urllib.request
from dataclasses import dataclass
from typing import Any

from local.emulator import RunningEmulator
from tests.integration.seeds import POLICY
from tests.support import load_event


def control(emulator: RunningEmulator, path: str, document: dict[str, Any] | None = None) -> dict[str, Any]:
    """Call the emulator's control plane (/_emulator/...)."""
    data = None if document is None else json.dumps(document).encode()
    request = urllib.request.Request(f"{emulator.url}/_emulator/{path}", data=data, method="POST" if data else "GET")
    with urllib.request.urlopen(request, timeout=10) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


def calls(emulator: RunningEmulator) -> dict[str, int]:
    """CodeArtifact calls the emulator has answered since its stats were reset, per operation."""
    return dict(control(emulator, "stats")["calls"])


def statuses(client: Any, coordinates: dict[str, str]) -> dict[str, str]:
    pages = client.get_paginator("list_package_versions").paginate(**coordinates)
    return {v["version"]: v["status"] for page in pages for v in page["versions"]}


def disposed(client: Any, coordinates: dict[str, str]) -> set[str]:
    return {v for v, s in statuses(client, coordinates).items() if s == "Disposed"}


@dataclass
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]


def invoke_api(
    context: Any,
    method: str,
    path: str,
    body: Any,
    event_name: str = "api_dispose.json",
    query: dict[str, str] | None = None,
    caller_arn: str | None = None,
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
) -> ApiResponse:
    """Send one API Gateway REST proxy event, shaped as API Gateway sends it, through the real handler
    (signed by `caller_arn` when given, else by the event file's caller). A route with path parameters
    names its `resource` (e.g. /runs/{runId}) and their values."""
    from disposer.handler import lambda_handler

    event = load_event(event_name)
    event.update(httpMethod=method, path=path, resource=resource or path, pathParameters=path_parameters)
    if query:
        event.update(queryStringParameters=query, multiValueQueryStringParameters={k: [v] for k, v in query.items()})
    event["requestContext"].update(httpMethod=method, resourcePath=resource or path)
    if caller_arn is not None:
        identity = event["requestContext"]["identity"]
        identity.update(userArn=caller_arn, caller=caller_arn.rsplit("/", 1)[-1], user=caller_arn.rsplit("/", 1)[-1])
    event["body"] = body if isinstance(body, str) or body is None else json.dumps(body)
    response = lambda_handler(event, context)
    headers = {name: values[-1] for name, values in (response.get("multiValueHeaders") or {}).items()}
    headers.update(response.get("headers") or {})
    return ApiResponse(int(response["statusCode"]), headers, json.loads(response["body"]))


def scheduled_event(drop: tuple[str, ...] = (), **changes: Any) -> dict[str, Any]:
    """The schedule rule's event for POLICY with `changes` (and without the fields in `drop`)."""
    event = load_event("scheduled_run.json")
    event["detail"] = {key: value for key, value in {**POLICY, **changes}.items() if key not in drop}
    return event


def run_scheduled(context: Any, drop: tuple[str, ...] = (), **changes: Any) -> dict[str, Any]:
    """Deliver `scheduled_event(...)` to the real handler; what it returns."""
    from disposer.handler import lambda_handler

    result: dict[str, Any] = lambda_handler(scheduled_event(drop, **changes), context)
    return result
