"""The usage route: one package's last downloads, and whether the trail covers the window (runs/usage.py)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from disposer import clock, services
from disposer.api.requests import settings_of
from disposer.api.responses import ERROR_RESPONSES
from disposer.api.usage_models import UsageRequest, UsageResponse
from disposer.errors import LedgerRequiredError
from disposer.observability import tracer
from disposer.runs.usage import usage_report
from disposer.safety.scope import Scope

router = Router()


@router.post(
    "/usage",
    summary="A package's last downloads (CloudTrail, recorded by the usage recorder) and the trail's coverage",
    responses={200: {"description": "The downloads recorded and the coverage of the window"}, **ERROR_RESPONSES},
)
@tracer.capture_method(capture_response=False)
def show_usage(request: Annotated[UsageRequest, Body()]) -> UsageResponse:
    settings = settings_of(router)
    Scope.of(settings).check(domain=request.domain, domain_owner=request.domain_owner, repository=request.repository)
    ledger = services.ledger(settings)
    if ledger is None:
        raise LedgerRequiredError(
            "downloads live in the ledger table, and this deployment has none (DISPOSER_LEDGER_TABLE)"
        )
    return UsageResponse.of(usage_report(ledger, request.ref, request.days, clock.now()), request.days)
