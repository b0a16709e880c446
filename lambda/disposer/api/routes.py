"""HTTP API: routes validated by Powertools, and every error mapped once to the contract's error body."""

import time
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

from disposer.api.models import (
    DisposeRequest,
    DisposeResponse,
    Error,
    ErrorDetail,
    ErrorResponse,
    RunReportBody,
    VersionFailure,
    VersionSuccess,
)
from disposer.api.precheck import check_request, normalize_content_type
from disposer.codeartifact.disposal import VersionOutcome, dispose_versions, measure_sizes, predict_disposal
from disposer.errors import (
    AccessDeniedError,
    CodeArtifactError,
    ConflictError,
    DisposerError,
    ModeConflictError,
    NotFoundError,
    OutOfScopeError,
    ThrottledError,
    UpstreamValidationError,
)
from disposer.observability import logger, tracer
from disposer.observability.audit import AuditTrail, RunContext
from disposer.observability.run_metrics import RunMetrics, emit_run_metrics
from disposer.retention.policy import PolicyMode, RetentionPolicy
from disposer.runs.pipeline import CapExceededError, metrics_even_if_aborted, run_policy
from disposer.services import gateway_for, settings

API_TITLE = "CodeArtifact disposer"
API_VERSION = "1.0.0"

_STATUS_BY_ERROR: Sequence[tuple[type[DisposerError], HTTPStatus]] = (
    (OutOfScopeError, HTTPStatus.FORBIDDEN),
    (ModeConflictError, HTTPStatus.UNPROCESSABLE_ENTITY),
    (CapExceededError, HTTPStatus.CONFLICT),
    (AccessDeniedError, HTTPStatus.FORBIDDEN),
    (NotFoundError, HTTPStatus.NOT_FOUND),
    (ConflictError, HTTPStatus.CONFLICT),
    (ThrottledError, HTTPStatus.TOO_MANY_REQUESTS),
    (UpstreamValidationError, HTTPStatus.BAD_REQUEST),
    (CodeArtifactError, HTTPStatus.BAD_GATEWAY),
)

# Beyond this, disposal calls stop being started and the versions left are reported NOT_ATTEMPTED, so
# the caller always gets the answer (API Gateway's integration timeout is 29 s).
API_TIME_BUDGET_SECONDS = 20.0

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


def resolve(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Route an API Gateway event, after refusing what Powertools would parse too leniently."""
    problem = check_request(event)
    if problem is None:
        return app.resolve(normalize_content_type(event), context)
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
    status = next(s for kind, s in _STATUS_BY_ERROR if isinstance(error, kind))
    headers: dict[str, str] = {}
    if isinstance(error, ThrottledError) and error.retry_after_seconds is not None:
        headers["Retry-After"] = str(error.retry_after_seconds)
    logger.warning("request failed", error_code=error.code, http_status=int(status), error_message=str(error))
    return error_response(status, error.code, str(error), headers=headers)


@app.not_found
def _no_route(_: Exception) -> Response[str]:
    event = app.current_event
    return error_response(HTTPStatus.NOT_FOUND, "NotFound", f"no route for {event.http_method} {event.path}")


def _deadline() -> float:
    """When to stop starting CodeArtifact calls: API Gateway gives up on a request after 29 s."""
    remaining = app.lambda_context.get_remaining_time_in_millis() / 1000 - 1
    return time.monotonic() + min(API_TIME_BUDGET_SECONDS, remaining)


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


def _to_response(outcomes: Sequence[VersionOutcome], *, dry_run: bool) -> DisposeResponse:
    return DisposeResponse(
        successful_versions={
            o.version: VersionSuccess(revision=o.revision, status=o.status or "") for o in outcomes if o.succeeded
        },
        failed_versions={
            o.version: VersionFailure(error_code=o.error_code or "UNKNOWN", error_message=o.error_message or "")
            for o in outcomes
            if not o.succeeded
        },
        dry_run=dry_run,
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
)


@app.post(
    "/dispose",
    summary="Dispose named versions of one package",
    responses={200: {"description": "Per-version outcomes (a partial failure is still a 200)"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def dispose(request: Annotated[DisposeRequest, Body()]) -> DisposeResponse:
    """Dispose the named versions now (or, with dryRun, report what would happen)."""
    current = settings()
    current.check_scope(domain=request.domain, domain_owner=request.domain_owner, repository=request.repository)
    started = time.monotonic()
    trail = AuditTrail(run=_run_context(request.dry_run))
    gateway = gateway_for(current)
    options: dict[str, Any] = {"revisions": request.version_revisions, "expected_status": request.expected_status}
    if request.dry_run:
        sink = trail.sink(request.ref, revisions=request.version_revisions)
        outcomes = predict_disposal(gateway, request.ref, request.versions, sink=sink, **options)
        trail.close(calls=dict(gateway.counter.calls))
        return _to_response(outcomes, dry_run=True)
    sizes = measure_sizes(gateway, request.ref, request.versions) if current.measure_bytes else None
    try:
        outcomes = dispose_versions(
            gateway,
            request.ref,
            request.versions,
            deadline=_deadline(),
            sink=trail.sink(request.ref, sizes=sizes),
            **options,
        )
    finally:
        duration = time.monotonic() - started
        trail.close(calls=dict(gateway.counter.calls), duration_seconds=round(duration, 3))
        emit_run_metrics(
            RunMetrics(
                trigger="api",
                planned=len(request.versions),
                disposed=trail.disposed,
                failed=trail.failed,
                bytes_reclaimed=trail.bytes_reclaimed,
                throttles=gateway.counter.throttles,
                duration_seconds=duration,
            )
        )
    return _to_response(outcomes, dry_run=False)


def _run(policy: RetentionPolicy, *, apply: bool) -> RunReportBody:
    current = settings()
    current.check_domain(domain=policy.domain, domain_owner=policy.domain_owner)
    run = _run_context(dry_run=not apply, policy=policy.name)
    with metrics_even_if_aborted():
        report = run_policy(
            gateway_for(current),
            policy,
            now=datetime.now(UTC),
            run=run,
            apply=apply,
            in_scope=current.allows_repository,
            measure_bytes=current.measure_bytes,
            deadline=_deadline(),
        )
    emit_run_metrics(report.metrics())
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
