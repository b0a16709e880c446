"""The routes that run the pipeline: dispose named versions, plan a policy, apply a policy (within the request,
or started in the run workflow)."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from disposer import clock, services
from disposer.api.models import ApplyRequest, DisposeRequest, DisposeResponse
from disposer.api.requests import budget_of, run_context, settings_of
from disposer.api.responses import ERROR_RESPONSES
from disposer.api.run_models import RunStartedResponse
from disposer.api.workflow_runs import run_directory
from disposer.errors import ModeConflictError, ReportsError
from disposer.model.report import RunReportBody
from disposer.observability import logger, tracer
from disposer.retention.policy import PolicyMode, RetentionPolicy
from disposer.runs.executors import InlineExecutor, PredictingExecutor
from disposer.runs.pipeline import RunRequest, execute
from disposer.runs.planner import FixedPlan, PolicyPlanner
from disposer.runs.report import RunReport
from disposer.safety.scope import Scope
from disposer.settings import Settings
from disposer.workflow.plans import keep_plan

router = Router()


def _refuse_while_disabled(settings: Settings) -> None:
    """503 DisposalsDisabled at once, before any read, while the kill switch is off."""
    switch = services.switch(settings)
    if switch is not None:
        switch.check()


@router.post(
    "/dispose",
    summary="Dispose named versions of one package",
    responses={200: {"description": "Per-version outcomes (a partial failure is still a 200)"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def dispose(request: Annotated[DisposeRequest, Body()]) -> DisposeResponse:
    """Dispose the named versions now (or, with dryRun, report what would happen); a held version is
    answered HELD and never sent."""
    settings = settings_of(router)
    Scope.of(settings).check(domain=request.domain, domain_owner=request.domain_owner, repository=request.repository)
    if not request.dry_run:
        _refuse_while_disabled(settings)
    codeartifact = services.codeartifact(settings, budget_of(router), api=True)
    ledger = services.ledger(settings)
    executor = (
        PredictingExecutor(codeartifact, ledger=ledger)
        if request.dry_run
        else InlineExecutor(codeartifact, measure=settings.measure_bytes, raise_first_refusal=True, ledger=ledger)
    )
    report = execute(
        RunRequest(
            context=run_context(router, dry_run=request.dry_run),
            source=FixedPlan(request.to_plan(clock.now())),
            codeartifact=codeartifact,
            executor=executor,
        )
    )
    report.raise_error()
    return DisposeResponse.of(list(report.outcomes.values()), dry_run=request.dry_run)


def _run(policy: RetentionPolicy, *, apply: bool, expected_digest: str | None = None) -> RunReport:
    settings = settings_of(router)
    scope = Scope.of(settings)
    scope.check_policy(policy)
    if apply:
        _refuse_while_disabled(settings)
    codeartifact = services.codeartifact(settings, budget_of(router), api=True)
    ledger = services.ledger(settings)
    report = execute(
        RunRequest(
            context=run_context(router, dry_run=not apply, policy=policy.name),
            source=PolicyPlanner(codeartifact, policy, clock.now(), scope.allows_repository, ledger),
            codeartifact=codeartifact,
            executor=InlineExecutor(codeartifact, measure=settings.measure_bytes, ledger=ledger) if apply else None,
            cap=policy.max_disposals_per_run,
            max_percent=policy.max_disposals_percent,
            expected_digest=expected_digest,
        )
    )
    if report.error is not None:
        # Whatever stopped it, the answer carries the run's report: what was planned and what became of it.
        report.error.details = {"report": report.to_body().model_dump(mode="json", by_alias=True)}
    report.raise_error()
    return report


def _kept_whole(report: RunReport, body: RunReportBody) -> RunReportBody:
    """The answer naming where the whole plan is kept, when it lists only part and the deployment has a
    reports bucket. A plan that could not be kept is still answered (it writes nothing; a retry may keep it)."""
    store = services.reports(settings_of(router))
    if not body.items_truncated or store is None:
        return body
    try:
        location = keep_plan(store, body.run_id, report.plan)
    except ReportsError as error:
        logger.warning("plan not kept", error_code=error.code, error_message=error.message)
        return body
    return body.model_copy(update={"plan_location": location})


@router.post(
    "/plan",
    summary="Preview a retention policy: every version with its decision and reason; writes nothing",
    responses={200: {"description": "The plan"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def plan(policy: Annotated[RetentionPolicy, Body()]) -> RunReportBody:
    """When items lists only part of the plan and the deployment has a reports bucket, planLocation names
    where every decision is kept (JSON Lines)."""
    report = _run(policy, apply=False)
    return _kept_whole(report, report.to_body())


def _start(policy: RetentionPolicy, expected_digest: str | None) -> Response[RunReportBody | RunStartedResponse]:
    """Start the policy's run in the run workflow, after the checks a run within the request makes first."""
    settings = settings_of(router)
    Scope.of(settings).check_policy(policy)
    _refuse_while_disabled(settings)
    directory = run_directory(settings)
    started = directory.start(
        policy.model_copy(update={"mode": PolicyMode.APPLY}),
        caller=run_context(router, dry_run=False).caller,
        as_of=clock.now(),
        expected_plan_digest=expected_digest,
    )
    return Response(
        status_code=int(HTTPStatus.ACCEPTED),
        content_type=content_types.APPLICATION_JSON,
        body=RunStartedResponse.of(started),
    )


@router.post(
    "/apply",
    summary="Run a retention policy now: dispose what the plan says, pinned to what it saw",
    responses={
        200: {
            "description": "The plan and what was done",
            "content": {content_types.APPLICATION_JSON: {"model": RunReportBody}},
        },
        202: {
            "description": "With async: the run started in the run workflow (GET /runs/{runId} follows it)",
            "content": {content_types.APPLICATION_JSON: {"model": RunStartedResponse}},
        },
        **ERROR_RESPONSES,
    },
)
@tracer.capture_method(capture_response=False)
def apply(request: Annotated[ApplyRequest, Body()]) -> Response[RunReportBody | RunStartedResponse]:
    """With expectedPlanDigest (the planDigest of a reviewed /plan), a plan that changed since disposes
    nothing: 409 PlanChanged. With async, the run workflow runs it (and asks for an approval when the
    policy says so): 202 at once, or 422 WorkflowRequired where the deployment has no workflow."""
    if "mode" in request.model_fields_set and request.mode is PolicyMode.PLAN:
        raise ModeConflictError("the policy says mode 'plan': call POST /plan, or set mode to 'apply'")
    policy = request.as_policy()
    if request.run_async:
        return _start(policy, request.expected_plan_digest)
    body = _run(policy, apply=True, expected_digest=request.expected_plan_digest).to_body()
    return Response(status_code=int(HTTPStatus.OK), content_type=content_types.APPLICATION_JSON, body=body)
