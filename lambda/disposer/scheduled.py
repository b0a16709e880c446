"""Scheduled (and PutEvents) runs: an EventBridge event whose detail is a retention policy."""

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from disposer.audit import RunContext
from disposer.observability import logger, tracer
from disposer.policy import PolicyMode, RetentionPolicy
from disposer.runs import CapExceededError, run_policy
from disposer.runtime import gateway_for, settings
from disposer.telemetry import emit_run_metrics


class PolicyRunEvent(EventBridgeModel):
    """The contract event: a standard EventBridge envelope; the run's clock is its `time`."""

    detail: RetentionPolicy


def is_run_event(event: dict[str, Any]) -> bool:
    return "detail-type" in event and "detail" in event


@tracer.capture_method(capture_response=False)
def run_scheduled(event: dict[str, Any]) -> dict[str, Any]:
    """Run the policy in the event as its `mode` says; an invalid event fails the invocation, loudly."""
    parsed = parse(event=event, model=PolicyRunEvent)
    policy = parsed.detail
    current = settings()
    current.check_domain(domain=policy.domain, domain_owner=policy.domain_owner)
    apply = policy.mode is PolicyMode.APPLY
    # A schedule rule names itself in `resources`; a PutEvents call names the account that sent it.
    caller = parsed.resources[0] if parsed.resources else f"account {parsed.account} via EventBridge"
    run = RunContext(run_id=parsed.id, trigger="schedule", caller=caller, dry_run=not apply, policy=policy.name)
    logger.append_keys(run_id=parsed.id, policy=policy.name)
    try:
        report = run_policy(
            gateway_for(current),
            policy,
            now=parsed.time,
            run=run,
            apply=apply,
            in_scope=current.allows_repository,
            measure_bytes=current.measure_bytes,
        )
    except CapExceededError as error:
        emit_run_metrics(error.report.metrics())  # RunAborted: the alarm that says a policy went wrong
        raise
    emit_run_metrics(report.metrics())
    return report.to_body().model_dump(mode="json", by_alias=True)
