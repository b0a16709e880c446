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
from disposer.api.models import (
    ApplyRequest,
    DisposeRequest,
    DisposeResponse,
    Error,
    ErrorDetail,
    ErrorResponse,
    HoldBody,
    HoldRequest,
    HoldResponse,
    HoldsResponse,
)
from disposer.api.precheck import check_request, normalize
from disposer.budget import Budget
from disposer.errors import DisposerError, HoldNotFoundError, LedgerRequiredError, ModeConflictError, ThrottledError
from disposer.model.report import RunReportBody
from disposer.model.runs import RunContext
from disposer.observability import logger, tracer
from disposer.observability.audit import record_hold
from disposer.ports import Ledger
from disposer.retention.policy import PolicyMode, RetentionPolicy
from disposer.runs.executors import InlineExecutor, PredictingExecutor
from disposer.runs.pipeline import RunRequest, execute
from disposer.runs.planner import FixedPlan, PolicyPlanner
from disposer.safety.scope import Scope
from disposer.settings import Settings

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
    HTTPStatus.SERVICE_UNAVAILABLE,
    HTTPStatus.GATEWAY_TIMEOUT,
)


@app.post(
    "/dispose",
    summary="Dispose named versions of one package",
    responses={200: {"description": "Per-version outcomes (a partial failure is still a 200)"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def dispose(request: Annotated[DisposeRequest, Body()]) -> DisposeResponse:
    """Dispose the named versions now (or, with dryRun, report what would happen); a held version is
    answered HELD and never sent."""
    settings = _settings()
    Scope.of(settings).check(domain=request.domain, domain_owner=request.domain_owner, repository=request.repository)
    if not request.dry_run:
        _check_switch(settings)
    codeartifact = services.codeartifact(settings, _budget())
    ledger = services.ledger(settings)
    executor = (
        PredictingExecutor(codeartifact, ledger=ledger)
        if request.dry_run
        else InlineExecutor(codeartifact, measure=settings.measure_bytes, raise_first_refusal=True, ledger=ledger)
    )
    report = execute(
        RunRequest(
            context=_run_context(request.dry_run),
            source=FixedPlan(request.to_plan(datetime.now(UTC))),
            codeartifact=codeartifact,
            executor=executor,
        )
    )
    report.raise_error()
    return DisposeResponse.of(list(report.outcomes.values()), dry_run=request.dry_run)


def _check_switch(settings: Settings) -> None:
    """503 DisposalsDisabled at once, before any read, while the kill switch is off."""
    switch = services.switch(settings)
    if switch is not None:
        switch.check()


def _run(policy: RetentionPolicy, *, apply: bool, expected_digest: str | None = None) -> RunReportBody:
    settings = _settings()
    Scope.of(settings).check(
        domain=policy.domain, domain_owner=policy.domain_owner, repository=policy.literal_repository
    )
    if apply:
        _check_switch(settings)
    codeartifact = services.codeartifact(settings, _budget())
    ledger = services.ledger(settings)
    report = execute(
        RunRequest(
            context=_run_context(dry_run=not apply, policy=policy.name),
            source=PolicyPlanner(codeartifact, policy, datetime.now(UTC), Scope.of(settings).allows_repository, ledger),
            codeartifact=codeartifact,
            executor=InlineExecutor(codeartifact, measure=settings.measure_bytes, ledger=ledger) if apply else None,
            cap=policy.max_disposals_per_run,
            max_percent=policy.max_disposals_percent,
            expected_digest=expected_digest,
        )
    )
    report.raise_error()
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
def apply(request: Annotated[ApplyRequest, Body()]) -> RunReportBody:
    """With expectedPlanDigest (the planDigest of a reviewed /plan), a plan that changed since disposes
    nothing: 409 PlanChanged."""
    if "mode" in request.model_fields_set and request.mode is PolicyMode.PLAN:
        raise ModeConflictError("the policy says mode 'plan': call POST /plan, or set mode to 'apply'")
    policy = RetentionPolicy.model_validate(request.model_dump(exclude={"expected_plan_digest"}))
    return _run(policy, apply=True, expected_digest=request.expected_plan_digest)


def _ledger() -> Ledger:
    ledger = services.ledger(_settings())
    if ledger is None:
        raise LedgerRequiredError(
            "holds live in the ledger table, and this deployment has none (DISPOSER_LEDGER_TABLE)"
        )
    return ledger


@app.post(
    "/holds",
    summary="Place a hold: no policy, /dispose or worker disposes the versions it covers until it expires",
    responses={201: {"description": "The hold placed"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def place_hold(request: Annotated[HoldRequest, Body()]) -> Response[str]:
    settings = _settings()
    Scope.of(settings).check(domain=request.domain, domain_owner=request.domain_owner, repository=request.repository)
    ledger = _ledger()
    caller = _run_context(dry_run=True).caller or "unknown caller"
    hold = request.to_hold(hold_id=str(uuid.uuid4()), created_by=caller, created_at=datetime.now(UTC))
    ledger.put_hold(hold)
    record_hold("hold placed", hold)
    body = HoldResponse(hold=HoldBody.of(hold))
    return Response(
        status_code=int(HTTPStatus.CREATED),
        content_type=content_types.APPLICATION_JSON,
        body=body.model_dump_json(by_alias=True),
    )


@app.get(
    "/holds",
    summary="The holds in force, optionally of one repository or package",
    responses={200: {"description": "The holds"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def list_holds(repository: str | None = None, package: str | None = None) -> HoldsResponse:
    holds = [
        hold
        for hold in _ledger().holds(datetime.now(UTC))
        if (repository is None or hold.ref.repository == repository)
        and (package is None or hold.ref.package == package)
    ]
    return HoldsResponse(holds=[HoldBody.of(hold) for hold in holds])


@app.delete(
    "/holds/<hold_id>",
    summary="Remove a hold",
    responses={200: {"description": "The hold removed"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def remove_hold(hold_id: str) -> HoldResponse:
    try:
        uuid.UUID(hold_id)
    except ValueError:
        raise HoldNotFoundError(f"no hold {hold_id[:100]!r}: hold ids are UUIDs, as POST /holds returns them") from None
    hold = _ledger().delete_hold(hold_id)
    if hold is None:
        raise HoldNotFoundError(f"no hold {hold_id!r} (it may have expired or been removed)")
    record_hold("hold removed", hold, removed_by=_run_context(dry_run=True).caller)
    return HoldResponse(hold=HoldBody.of(hold))


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
