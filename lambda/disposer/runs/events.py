"""Run events: an EventBridge event (a schedule rule, or a PutEvents call) whose detail is a retention policy.

The run's clock is the event's `time` and its id the event's `id`. A run in mode `apply` fans out to
the worker function when the deployment has a work queue, and applies inline otherwise.
"""

from typing import Any

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import AwareDatetime

from disposer import services
from disposer.budget import Budget
from disposer.config import Settings
from disposer.fanout.dispatch import FanOutExecutor
from disposer.observability import logger
from disposer.observability.audit import RunContext
from disposer.retention.policy import PolicyMode, RetentionPolicy
from disposer.runs.executors import InlineExecutor
from disposer.runs.pipeline import Executor, PolicyPlanner, RunRequest, execute


class PolicyRunEvent(EventBridgeModel):
    """The run event: a standard EventBridge envelope; the run's clock is its `time`."""

    time: AwareDatetime
    detail: RetentionPolicy


def is_run_event(event: dict[str, Any]) -> bool:
    return "detail-type" in event and "detail" in event


def run_event(event: PolicyRunEvent, settings: Settings, budget: Budget) -> dict[str, Any]:
    """Run the event's policy as its `mode` says; return the run's report (or what was dispatched)."""
    policy = event.detail
    settings.check_domain(domain=policy.domain, domain_owner=policy.domain_owner)
    apply = policy.mode is PolicyMode.APPLY
    # A schedule rule names itself in `resources`; a PutEvents call names the account that sent it.
    caller = event.resources[0] if event.resources else f"account {event.account} via EventBridge"
    context = RunContext(run_id=event.id, trigger="schedule", caller=caller, dry_run=not apply, policy=policy.name)
    logger.append_keys(run_id=event.id, policy=policy.name)
    codeartifact = services.codeartifact(settings, budget)
    table, queue = services.run_table(settings), services.work_queue(settings)
    executor: Executor | None = None
    fan_out: FanOutExecutor | None = None
    if apply and table is not None and queue is not None:
        executor = fan_out = FanOutExecutor(table=table, queue=queue)
    elif apply:
        executor = InlineExecutor(codeartifact, measure=settings.measure_bytes)
    report = execute(
        RunRequest(
            context=context,
            source=PolicyPlanner(codeartifact, policy, event.time, settings.allows_repository),
            codeartifact=codeartifact,
            executor=executor,
            cap=policy.max_disposals_per_run,
        )
    )
    if fan_out is not None and fan_out.failure is not None:
        raise fan_out.failure
    if fan_out is not None and fan_out.duplicate:
        return {"runId": event.id, "dispatched": 0, "duplicate": True}
    if fan_out is not None and fan_out.dispatched:
        return {**report.to_body(max_items=0).summary(), "dispatched": fan_out.dispatched, "duplicate": False}
    return report.to_body().model_dump(mode="json", by_alias=True)
