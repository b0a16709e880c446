"""The real handler against the emulator over HTTP on a random loopback port, one emulator per test."""

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config

from local.emulator import RunningEmulator, start_emulator
from tests.support import load_event

RELEASES = {"domain": "acme", "repository": "releases"}
UI_KIT = {**RELEASES, "format": "npm", "namespace": "acme", "package": "ui-kit"}
BUILDS = {**RELEASES, "format": "generic", "namespace": "ci", "package": "builds"}


def _versions(names: list[str], **extra: Any) -> list[dict[str, Any]]:
    return [
        {"version": name, "publishedTime": f"2026-01-{i % 28 + 1:02d}T12:00:00Z", **extra}
        for i, name in enumerate(names)
    ]


SEED: dict[str, Any] = {
    "domains": [
        {
            "name": "acme",
            "owner": "111122223333",
            "repositories": [
                {
                    "name": "releases",
                    "packages": [
                        {
                            "format": "npm",
                            "namespace": "acme",
                            "name": "ui-kit",
                            "versions": [
                                *_versions([f"1.{i}.0" for i in range(8)]),
                                {"version": "0.9.0", "status": "Archived", "publishedTime": "2025-06-01T00:00:00Z"},
                                {"version": "0.8.0", "status": "Unlisted", "publishedTime": "2025-05-01T00:00:00Z"},
                            ],
                        },
                        {
                            "format": "generic",
                            "namespace": "ci",
                            "name": "builds",
                            "versions": _versions([f"build-{i:04d}" for i in range(250)]),
                        },
                    ],
                }
            ],
        }
    ]
}


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningEmulator]:
    with start_emulator(seed=SEED) as running:
        monkeypatch.setenv("AWS_ENDPOINT_URL_CODEARTIFACT", running.url)
        # Two attempts keep retried-fault tests fast; the deployed default is 5.
        monkeypatch.setenv("DISPOSER_MAX_ATTEMPTS", "2")
        yield running


@pytest.fixture
def codeartifact(emulator: RunningEmulator) -> Any:
    """A plain boto3 client on the same emulator, to check its state independently of the handler."""
    return boto3.client("codeartifact", endpoint_url=emulator.url, config=Config(retries={"total_max_attempts": 1}))


def control(emulator: RunningEmulator, path: str, document: dict[str, Any] | None = None) -> dict[str, Any]:
    """Call the emulator's control plane (/_emulator/...)."""
    data = None if document is None else json.dumps(document).encode()
    request = urllib.request.Request(f"{emulator.url}/_emulator/{path}", data=data, method="POST" if data else "GET")
    with urllib.request.urlopen(request, timeout=10) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


def calls(emulator: RunningEmulator) -> dict[str, int]:
    return dict(control(emulator, "stats")["calls"])


@dataclass
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]


def invoke_api(context: Any, method: str, path: str, body: Any, event_name: str = "api_dispose.json") -> ApiResponse:
    """Send one API Gateway REST proxy event, shaped as API Gateway sends it, through the real handler."""
    from disposer.handler import lambda_handler

    event = load_event(event_name)
    event.update(httpMethod=method, path=path, resource=path)
    event["requestContext"].update(httpMethod=method, resourcePath=path)
    event["body"] = body if isinstance(body, str) or body is None else json.dumps(body)
    response = lambda_handler(event, context)
    headers = {name: values[-1] for name, values in (response.get("multiValueHeaders") or {}).items()}
    headers.update(response.get("headers") or {})
    return ApiResponse(int(response["statusCode"]), headers, json.loads(response["body"]))


def statuses(client: Any, coordinates: dict[str, str]) -> dict[str, str]:
    pages = client.get_paginator("list_package_versions").paginate(**coordinates)
    return {v["version"]: v["status"] for page in pages for v in page["versions"]}
