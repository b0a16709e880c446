"""The holds routes: place, list and remove holds (the use cases are safety/holds.py's)."""

import uuid
from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from disposer import clock, services
from disposer.api.models import HoldBody, HoldRequest, HoldResponse, HoldsResponse
from disposer.api.requests import run_context, settings_of
from disposer.api.responses import ERROR_RESPONSES
from disposer.errors import LedgerRequiredError
from disposer.observability import tracer
from disposer.safety.holds import HoldBook
from disposer.safety.scope import Scope

router = Router()


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
    summary="Place a hold: no policy, /dispose or worker disposes the versions it covers until it expires",
    responses={201: {"description": "The hold placed"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def place_hold(request: Annotated[HoldRequest, Body()]) -> Response[str]:
    Scope.of(settings_of(router)).check(
        domain=request.domain, domain_owner=request.domain_owner, repository=request.repository
    )
    holds = _holds()
    hold = request.to_hold(hold_id=str(uuid.uuid4()), created_by=_caller() or "unknown caller", created_at=clock.now())
    body = HoldResponse(hold=HoldBody.of(holds.place(hold)))
    return Response(
        status_code=int(HTTPStatus.CREATED),
        content_type=content_types.APPLICATION_JSON,
        body=body.model_dump_json(by_alias=True),
    )


@router.get(
    "/holds",
    summary="The holds in force, optionally of one repository or package",
    responses={200: {"description": "The holds"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def list_holds(repository: str | None = None, package: str | None = None) -> HoldsResponse:
    return HoldsResponse(
        holds=[HoldBody.of(hold) for hold in _holds().in_force(repository=repository, package=package)]
    )


@router.delete(
    "/holds/<hold_id>",
    summary="Remove a hold",
    responses={200: {"description": "The hold removed"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def remove_hold(hold_id: str) -> HoldResponse:
    return HoldResponse(hold=HoldBody.of(_holds().remove(hold_id, removed_by=_caller())))
