"""The API's error answers: one body shape, `{"error": {"code", "message", "details"}}`, for every status."""

import json
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from disposer.api.models import Error, ErrorDetail, ErrorResponse


def error_response(
    status: HTTPStatus,
    code: str,
    message: str,
    details: Sequence[ErrorDetail] = (),
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response[str]:
    """The error body; `extra` adds fields beside `error` (a stopped run's `report`, as JSON values)."""
    body = ErrorResponse(error=Error(code=code, message=message, details=list(details))).model_dump(
        mode="json", exclude_none=True
    )
    return Response(
        status_code=int(status),
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps({**body, **(extra or {})}, separators=(",", ":")),
        headers={"Content-Type": content_types.APPLICATION_JSON, **(headers or {})},
    )


def _error_responses(*statuses: HTTPStatus) -> dict[int, OpenAPIResponse]:
    return {
        int(status): {
            "description": status.phrase,
            "content": {content_types.APPLICATION_JSON: {"model": ErrorResponse}},
        }
        for status in statuses
    }


# What every route may answer besides its success, for the OpenAPI document.
ERROR_RESPONSES = _error_responses(
    HTTPStatus.BAD_REQUEST,
    HTTPStatus.FORBIDDEN,
    HTTPStatus.NOT_FOUND,
    HTTPStatus.CONFLICT,
    HTTPStatus.UNPROCESSABLE_ENTITY,
    HTTPStatus.TOO_MANY_REQUESTS,
    HTTPStatus.BAD_GATEWAY,
    HTTPStatus.SERVICE_UNAVAILABLE,
    HTTPStatus.GATEWAY_TIMEOUT,
)
