"""HTTP API: routes validated by Powertools, each calling the run pipeline, and every error answered once.

The handler gives `resolve` the invocation's settings and time budget (taken when the request
arrived); routes read them from the resolver's context.
"""

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from disposer import services
from disposer.api.models import DisposeRequest, DisposeResponse, Error, ErrorDetail, ErrorResponse
from disposer.api.precheck import check_request, normalize
from disposer.budget import Budget
from disposer.config import Settings
from disposer.errors import DisposerError, ModeConflictError, ThrottledError
from disposer.observability import logger, tracer
from disposer.observability.audit import RunContext
from disposer.retention.policy import PolicyMode, RetentionPolicy
from disposer.runs.executors import InlineExecutor, PredictingExecutor
from disposer.runs.pipeline import FixedPlan, PolicyPlanner, RunRequest, execute
from disposer.runs.report import RunReportBody

API_TITLE = "CodeArtifact disposer"
API_VERSION = "1.0.0"

app = APIGatewayRestResolver(enable_validation=True)


def error_response(
    status: HTTPStatus,
    code: str,
    message: str,
    details: Sequence[ErrorDetail] = (),
    headers: Mapping[str, str] | None = None,
) -> Response[str]:
    body = ErrorResponse(error=Error(code=code, message=message, details=list(details)))
    return Response(
        status_code=int(status),
        content_type=content_types.APPLICATION_JSON,
        body=body.model_dump_json(),
        headers={"Content-Type": content_types.APPLICATION_JSON, **(headers or {})},
    )


def resolve(event: dict[str, Any], context: LambdaContext, settings: Settings, budget: Budget) -> dict[str, Any]:
    """Route an API Gateway event, after refusing what Powertools would parse too leniently."""
    problem = check_request(event)
    if problem is None:
        app.append_context(settings=settings, budget=budget)
        return app.resolve(normalize(event), context)
    details = [ErrorDetail(field=name, message=problem.message) for name in problem.fields]
    error = error_response(problem.status, problem.code, problem.message, details)
    return {"statusCode": error.status_code, "headers": error.headers, "body": error.body, "isBase64Encoded": False}


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
    return error_response(
        HTTPStatus.UNPROCESSABLE_ENTITY, "ValidationError", f"{len(details)} invalid field{plural}: {summary}", details
    )


@app.exception_handler(DisposerError)
def _service_error(error: DisposerError) -> Response[str]:
    headers: dict[str, str] = {}
    if isinstance(error, ThrottledError) and error.retry_after_seconds is not None:
        headers["Retry-After"] = str(error.retry_after_seconds)
    logger.warning("request failed", error_code=error.code, http_status=int(error.status), error_message=error.message)
    return error_response(error.status, error.code, error.message, headers=headers)


@app.not_found
def _no_route(_: Exception) -> Response[str]:
    event = app.current_event
    return error_response(HTTPStatus.NOT_FOUND, "NotFound", f"no route for {event.http_method} {event.path}")


def _settings() -> Settings:
    settings: Settings = app.context["settings"]
    return settings


def _budget() -> Budget:
    budget: Budget = app.context["budget"]
    return budget


def _run_context(dry_run: bool, policy: str | None = None) -> RunContext:
    """Run id and caller from the request context (read leniently: a hand-made event may lack parts)."""
    request_context = app.current_event.raw_event.get("requestContext") or {}
    identity = request_context.get("identity") or {}
    return RunContext(
        run_id=request_context.get("requestId") or str(uuid.uuid4()),
        trigger="api",
        caller=identity.get("userArn") or identity.get("caller"),
        dry_run=dry_run,
        policy=policy,
    )


def _error_responses(*statuses: HTTPStatus) -> dict[int, OpenAPIResponse]:
    return {
        int(status): {
            "description": status.phrase,
            "content": {content_types.APPLICATION_JSON: {"model": ErrorResponse}},
        }
        for status in statuses
    }


ERROR_RESPONSES = _error_responses(
    HTTPStatus.BAD_REQUEST,
    HTTPStatus.FORBIDDEN,
    HTTPStatus.NOT_FOUND,
    HTTPStatus.CONFLICT,
    HTTPStatus.UNPROCESSABLE_ENTITY,
    HTTPStatus.TOO_MANY_REQUESTS,
    HTTPStatus.BAD_GATEWAY,
    HTTPStatus.GATEWAY_TIMEOUT,
)


@app.post(
    "/dispose",
    summary="Dispose named versions of one package",
    responses={200: {"description": "Per-version outcomes (a partial failure is still a 200)"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def dispose(request: Annotated[DisposeRequest, Body()]) -> DisposeResponse:
    """Dispose the named versions now (or, with dryRun, report what would happen)."""
    settings = _settings()
    settings.check_scope(domain=request.domain, domain_owner=request.domain_owner, repository=request.repository)
    codeartifact = services.codeartifact(settings, _budget())
    executor = (
        PredictingExecutor(codeartifact)
        if request.dry_run
        else InlineExecutor(codeartifact, measure=settings.measure_bytes, raise_first_refusal=True)
    )
    report = execute(
        RunRequest(
            context=_run_context(request.dry_run),
            source=FixedPlan(request.to_plan(datetime.now(UTC))),
            codeartifact=codeartifact,
            executor=executor,
        )
    )
    return DisposeResponse.of(list(report.outcomes.values()), dry_run=request.dry_run)


def _run(policy: RetentionPolicy, *, apply: bool) -> RunReportBody:
    settings = _settings()
    settings.check_scope(domain=policy.domain, domain_owner=policy.domain_owner, repository=policy.literal_repository)
    codeartifact = services.codeartifact(settings, _budget())
    report = execute(
        RunRequest(
            context=_run_context(dry_run=not apply, policy=policy.name),
            source=PolicyPlanner(
                codeartifact, policy, datetime.now(UTC), settings.allows_repository, services.ledger(settings)
            ),
            codeartifact=codeartifact,
            executor=InlineExecutor(codeartifact, measure=settings.measure_bytes) if apply else None,
            cap=policy.max_disposals_per_run,
        )
    )
    return report.to_body()


@app.post(
    "/plan",
    summary="Preview a retention policy: every version with its decision and reason; writes nothing",
    responses={200: {"description": "The plan"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def plan(policy: Annotated[RetentionPolicy, Body()]) -> RunReportBody:
    return _run(policy, apply=False)


@app.post(
    "/apply",
    summary="Run a retention policy now: dispose what the plan says, pinned to what it saw",
    responses={200: {"description": "The plan and what was done"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def apply(policy: Annotated[RetentionPolicy, Body()]) -> RunReportBody:
    if "mode" in policy.model_fields_set and policy.mode is PolicyMode.PLAN:
        raise ModeConflictError("the policy says mode 'plan': call POST /plan, or set mode to 'apply'")
    return _run(policy, apply=True)


@app.get("/openapi.json", summary="This API's OpenAPI document")
def openapi_document() -> Response[str]:
    return Response(
        status_code=int(HTTPStatus.OK),
        content_type=content_types.APPLICATION_JSON,
        body=openapi_json(),
    )


def openapi_json() -> str:
    """The OpenAPI document Powertools generates from the routes (also checked into docs/)."""
    return app.get_openapi_json_schema(title=API_TITLE, version=API_VERSION)
