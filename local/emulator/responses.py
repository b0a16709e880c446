"""The HTTP answer type shared by the API pipeline and the control plane."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

JSON_TYPE = ("Content-Type", "application/json")


@dataclass(frozen=True, slots=True)
class Response:
    """An HTTP answer; the server adds Content-Length and connection headers."""

    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)


def request_id() -> tuple[str, str]:
    """The `x-amzn-RequestId` header botocore exposes as ResponseMetadata.RequestId."""
    return ("x-amzn-RequestId", str(uuid.uuid4()))


def json_response(status: int, document: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    """A JSON response with a fresh request id."""
    body = json.dumps(document, separators=(",", ":")).encode()
    return Response(status, body, [JSON_TYPE, request_id(), *(headers or [])])
