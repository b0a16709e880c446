"""The HTTP API: one Powertools resolver and its routers (runs, workflow runs, holds, docs); errors answered once.

`resolve` refuses what Powertools would parse too leniently (precheck.py), then routes; Powertools
validates each body against its model. Any DisposerError becomes its own status and the error body,
with no table to keep in step (errors.py gives each its status).
"""

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.typing import LambdaContext

from disposer.api import docs, holds, runs, usage, workflow_runs
from disposer.api.models import ErrorDetail
from disposer.api.precheck import check_request, normalize
from disposer.api.responses import error_response
from disposer.budget import Budget
from disposer.errors import DisposerError, ThrottledError
from disposer.observability import logger
from disposer.settings import Settings

app = APIGatewayRestResolver(enable_validation=True)
app.include_router(runs.router)
app.include_router(workflow_runs.router)
app.include_router(holds.router)
app.include_router(usage.router)
app.include_router(docs.router)


def resolve(event: dict[str, Any], context: LambdaContext, settings: Settings, budget: Budget) -> dict[str, Any]:
    """Route an API Gateway event, after refusing what Powertools would parse too leniently."""
    problem = check_request(event)
    if problem is None:
        app.append_context(settings=settings, budget=budget)
        return app.resolve(normalize(event), context)
    details = [ErrorDetail(field=name, message=problem.message) for name in problem.fields]
    return as_proxy_response(error_response(problem.status, problem.code, problem.message, details))


def refuse(error: DisposerError) -> dict[str, Any]:
    """The answer to a request the function cannot serve before routing (its settings do not parse, say)."""
    logger.error("request refused", error_code=error.code, http_status=int(error.status), error_message=error.message)
    return as_proxy_response(error_response(error.status, error.code, error.message))


def as_proxy_response(response: Response[str]) -> dict[str, Any]:
    return {
        "statusCode": response.status_code,
        "headers": response.headers,
        "body": response.body,
        "isBase64Encoded": False,
    }


def openapi_json() -> str:
    """The OpenAPI document Powertools generates from the routes (also checked into docs/)."""
    return app.get_openapi_json_schema(title=docs.API_TITLE, version=docs.API_VERSION)


def _field_path(location: Sequence[Any]) -> str:
    path = ""
    for part in location[1:] if location and location[0] == "body" else location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


@app.exception_handler(RequestValidationError)
def _invalid_request(error: RequestValidationError) -> Response[str]:
    errors = list(error.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        detail = errors[0].get("ctx", {}).get("error", "malformed JSON")
        return error_response(HTTPStatus.BAD_REQUEST, "InvalidJson", f"body is not valid JSON: {detail}")
    details = [ErrorDetail(field=_field_path(e.get("loc", ())), message=str(e.get("msg", ""))) for e in errors]
    summary = "; ".join(f"{d.field}: {d.message}" for d in details)
    plural = "s" if len(details) != 1 else ""
    # A validator that raised one of our errors (a pattern over its bounds) gives the answer its code.
    ours = next((e["ctx"]["error"] for e in errors if isinstance(e.get("ctx", {}).get("error"), DisposerError)), None)
    status, code = (
        (ours.status, ours.code) if ours is not None else (HTTPStatus.UNPROCESSABLE_ENTITY, "ValidationError")
    )
    return error_response(status, code, f"{len(details)} invalid field{plural}: {summary}", details)


@app.exception_handler(DisposerError)
def _service_error(error: DisposerError) -> Response[str]:
    headers: dict[str, str] = {}
    if isinstance(error, ThrottledError) and error.retry_after_seconds is not None:
        headers["Retry-After"] = str(error.retry_after_seconds)
    logger.warning("request failed", error_code=error.code, http_status=int(error.status), error_message=error.message)
    return error_response(error.status, error.code, error.message, headers=headers, extra=error.details)


def _escaped(text: str) -> str:
    """`text` as valid UTF-8: a lone surrogate (API Gateway passes one through in a path) as its `\\udc80` escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@app.not_found
def _no_route(_: Exception) -> Response[str]:
    # The message echoes what was asked; escaped, so a path the body cannot encode is still a 404, not a 500.
    event = app.current_event
    return error_response(
        HTTPStatus.NOT_FOUND, "NotFound", f"no route for {_escaped(event.http_method)} {_escaped(event.path)}"
    )
