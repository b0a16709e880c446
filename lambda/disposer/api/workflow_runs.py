"""The routes of workflow runs: list them, read one, approve or reject the plan one waits on (the use cases
are workflow/directory.py's). POST /apply with "async" starts one (api/runs.py)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from disposer import services
from disposer.api.requests import caller_of, settings_of
from disposer.api.responses import ERROR_RESPONSES
from disposer.api.run_models import (
    ApproveRequest,
    DecisionResponse,
    ExecutionStatusName,
    RejectRequest,
    RunResponse,
    RunsResponse,
    RunSummaryBody,
)
from disposer.errors import WorkflowRequiredError
from disposer.observability import tracer
from disposer.settings import Settings
from disposer.workflow.directory import RunDirectory

router = Router()

# ListExecutions answers at most 1,000 a page; a page of 100 summaries is a few tens of KB.
LIST_MAX = 100
LIST_DEFAULT = 20
# Step Functions' bound on a nextToken.
MAX_NEXT_TOKEN = 1024


def run_directory(settings: Settings) -> RunDirectory:
    """The deployment's workflow runs; WorkflowRequiredError where it has no state machine or reports bucket."""
    directory = services.run_directory(settings)
    if directory is None:
        raise WorkflowRequiredError(
            "this deployment has no run workflow (DISPOSER_STATE_MACHINE_ARN and DISPOSER_REPORTS_BUCKET): "
            "asynchronous runs and the /runs routes need it"
        )
    return directory


@router.get(
    "/runs",
    summary="The workflow's runs, newest first, a page at a time (nextToken)",
    responses={200: {"description": "One page of runs"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def list_runs(
    status: Annotated[
        ExecutionStatusName | None, Query(description="only runs whose execution has this status")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=LIST_MAX)] = LIST_DEFAULT,
    next_token: Annotated[str | None, Query(alias="nextToken", min_length=1, max_length=MAX_NEXT_TOKEN)] = None,
) -> RunsResponse:
    entries, token = run_directory(settings_of(router)).page(status=status, limit=limit, token=next_token)
    return RunsResponse(runs=[RunSummaryBody.of(entry) for entry in entries], next_token=token)


@router.get(
    "/runs/<run_id>",
    summary="A workflow run: its status, the approval it waits for, and its report",
    responses={200: {"description": "The run"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def show_run(run_id: str) -> RunResponse:
    return RunResponse.of(run_directory(settings_of(router)).show(run_id))


@router.post(
    "/runs/<run_id>/approve",
    summary="Approve the plan a run waits on, by its digest: the run plans again and applies exactly that plan",
    responses={200: {"description": "The approval sent"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def approve_run(run_id: str, request: Annotated[ApproveRequest, Body()]) -> DecisionResponse:
    """Another digest than the plan's aborts the run (409 PlanChanged): what was reviewed is not what it would
    apply. A run that does not wait for an approval (any more) is 409 NotAwaitingApproval."""
    decision = run_directory(settings_of(router)).approve(run_id, request.plan_digest, caller_of(router))
    return DecisionResponse.of(decision)


@router.post(
    "/runs/<run_id>/reject",
    summary="Reject the plan a run waits on: the run is aborted and disposes nothing",
    responses={200: {"description": "The rejection sent"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def reject_run(run_id: str, request: Annotated[RejectRequest | None, Body()] = None) -> DecisionResponse:
    reason = None if request is None else request.reason
    decision = run_directory(settings_of(router)).reject(run_id, caller_of(router), reason)
    return DecisionResponse.of(decision)
