"""The routes that run the pipeline: dispose named versions, plan a policy, apply a policy."""

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from disposer import clock, services
from disposer.api.models import ApplyRequest, DisposeRequest, DisposeResponse
from disposer.api.requests import budget_of, run_context, settings_of
from disposer.api.responses import ERROR_RESPONSES
from disposer.errors import ModeConflictError
from disposer.model.report import RunReportBody
from disposer.observability import tracer
from disposer.retention.policy import PolicyMode, RetentionPolicy
from disposer.runs.executors import InlineExecutor, PredictingExecutor
from disposer.runs.pipeline import RunRequest, execute
from disposer.runs.planner import FixedPlan, PolicyPlanner
from disposer.safety.scope import Scope
from disposer.settings import Settings

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


def _run(policy: RetentionPolicy, *, apply: bool, expected_digest: str | None = None) -> RunReportBody:
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
    return report.to_body()


@router.post(
    "/plan",
    summary="Preview a retention policy: every version with its decision and reason; writes nothing",
    responses={200: {"description": "The plan"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def plan(policy: Annotated[RetentionPolicy, Body()]) -> RunReportBody:
    return _run(policy, apply=False)


@router.post(
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
