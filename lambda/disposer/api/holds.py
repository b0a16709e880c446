"""The holds routes: place, list and remove holds (the use cases are safety/holds.py's)."""

import uuid
from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from disposer import clock, services
from disposer.api.hold_models import HoldBody, HoldRemovedResponse, HoldRequest, HoldResponse, HoldsResponse
from disposer.api.requests import budget_of, run_context, settings_of
from disposer.api.responses import ERROR_RESPONSES
from disposer.errors import LedgerRequiredError
from disposer.observability import tracer
from disposer.safety.holds import HoldBook
from disposer.safety.scope import Scope

router = Router()

# GET /holds answers at most this many holds a page (default LIST_DEFAULT): 500 holds of the longest
# reasons stay far below API Gateway's and Lambda's 6 MB response limit.
LIST_MAX = 500
LIST_DEFAULT = 100


def _holds() -> HoldBook:
    holds = services.holds(settings_of(router))
    if holds is None:
        raise LedgerRequiredError(
            "holds live in the ledger table, and this deployment has none (DISPOSER_LEDGER_TABLE)"
        )
    return holds


def _caller() -> str | None:
    return run_context(router, dry_run=True).caller


@router.post(
    "/holds",
    summary="Place a hold: no policy run or /dispose disposes the versions it covers until it expires",
    responses={201: {"description": "The hold placed"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def place_hold(request: Annotated[HoldRequest, Body()]) -> Response[str]:
    Scope.of(settings_of(router)).check(
        domain=request.domain, domain_owner=request.domain_owner, repository=request.repository
    )
    holds = _holds()
    hold = request.to_hold(hold_id=str(uuid.uuid4()), created_by=_caller() or "unknown caller", created_at=clock.now())
    packages = services.codeartifact(settings_of(router), budget_of(router), api=True)
    body = HoldResponse(hold=HoldBody.of(holds.place(hold, packages=packages)))
    return Response(
        status_code=int(HTTPStatus.CREATED),
        content_type=content_types.APPLICATION_JSON,
        body=body.model_dump_json(by_alias=True),
    )


@router.get(
    "/holds",
    summary="The holds in force, optionally of one repository or package, a page at a time (nextToken)",
    responses={200: {"description": "One page of holds, and the unreadable ledger items"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def list_holds(
    repository: str | None = None,
    package: str | None = None,
    limit: Annotated[int, Query(ge=1, le=LIST_MAX)] = LIST_DEFAULT,
    next_token: Annotated[str | None, Query(alias="nextToken", max_length=4096)] = None,
) -> HoldsResponse:
    entries, token = _holds().page(limit=limit, token=next_token, repository=repository, package=package)
    return HoldsResponse.of(entries, token)


@router.delete(
    "/holds/<hold_id>",
    summary="Remove a hold one placed (the same IAM principal; any session of the same role)",
    responses={200: {"description": "The hold removed"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def remove_hold(hold_id: str) -> HoldRemovedResponse:
    caller = _caller()
    return HoldRemovedResponse.of(_holds().remove(hold_id, removed_by=caller), removed_by=caller, override=False)


@router.delete(
    "/holds/<hold_id>/override",
    summary="Remove anyone's hold, or an unreadable ledger item (a route a deployment grants separately)",
    responses={200: {"description": "The hold removed"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def override_hold(hold_id: str) -> HoldRemovedResponse:
    caller = _caller()
    return HoldRemovedResponse.of(_holds().override(hold_id, removed_by=caller), removed_by=caller, override=True)
