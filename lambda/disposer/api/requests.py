"""What a route knows of the request it serves: the invocation's settings and budget, and who is calling.

The handler gives the resolver the settings and the time budget (taken when the request arrived); the
routers read them from the shared context.
"""

import uuid

from aws_lambda_powertools.event_handler.api_gateway import Router

from disposer.budget import Budget
from disposer.model.runs import RunContext
from disposer.settings import Settings


def settings_of(router: Router) -> Settings:
    settings: Settings = router.context["settings"]
    return settings


def budget_of(router: Router) -> Budget:
    budget: Budget = router.context["budget"]
    return budget


def run_context(router: Router, *, dry_run: bool, policy: str | None = None) -> RunContext:
    """Run id and caller from the request context (read leniently: a hand-made event may lack parts)."""
    request_context = router.current_event.raw_event.get("requestContext") or {}
    identity = request_context.get("identity") or {}
    return RunContext(
        run_id=request_context.get("requestId") or str(uuid.uuid4()),
        trigger="api",
        caller=identity.get("userArn") or identity.get("caller"),
        dry_run=dry_run,
        policy=policy,
    )


def caller_of(router: Router) -> str | None:
    """Who sent the request (its IAM principal's ARN), as the audit records name them."""
    return run_context(router, dry_run=True).caller
