"""Scheduled (and PutEvents) runs: an EventBridge event whose detail is a retention policy."""

import time
from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import AwareDatetime

from disposer.fanout.messages import work_messages
from disposer.fanout.queue import WorkQueue, WorkQueueError
from disposer.fanout.table import RunTable
from disposer.observability import logger, tracer
from disposer.observability.audit import RunContext
from disposer.observability.run_metrics import emit_run_metrics
from disposer.retention.policy import PolicyMode, RetentionPolicy
from disposer.runs.pipeline import (
    RunReport,
    apply_run,
    check_clock,
    log_report,
    metrics_even_if_aborted,
    plan_run,
    stop_if_over_cap,
)
from disposer.services import gateway_for, settings
from disposer.worker import report_run


class PolicyRunEvent(EventBridgeModel):
    """The contract event: a standard EventBridge envelope; the run's clock is its `time`."""

    time: AwareDatetime
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
    if apply:
        check_clock(parsed.time)
    # A schedule rule names itself in `resources`; a PutEvents call names the account that sent it.
    caller = parsed.resources[0] if parsed.resources else f"account {parsed.account} via EventBridge"
    run = RunContext(run_id=parsed.id, trigger="schedule", caller=caller, dry_run=not apply, policy=policy.name)
    logger.append_keys(run_id=parsed.id, policy=policy.name)
    gateway = gateway_for(current)
    report = plan_run(gateway, policy, now=parsed.time, run=run, in_scope=current.allows_repository)
    # A run with nothing to dispose is reported here, fan-out or not: no worker would ever report it.
    with metrics_even_if_aborted():
        if not apply:
            log_report(report)
        elif current.work_queue_url and current.run_table and report.plan.disposal_count:
            return _dispatch(report, current.work_queue_url, RunTable(current.run_table))
        else:
            apply_run(gateway, report, measure_bytes=current.measure_bytes)
    emit_run_metrics(report.metrics())
    return report.to_body().model_dump(mode="json", by_alias=True)


def _dispatch(report: RunReport, queue_url: str, table: RunTable) -> dict[str, Any]:
    """Send the plan's disposals to the worker function; the worker finishing last reports the run."""
    stop_if_over_cap(report)
    messages = work_messages(
        run_id=report.run.run_id,
        policy=report.plan.policy,
        trigger=report.run.trigger,
        caller=report.run.caller,
        as_of=report.plan.as_of,
        packages=report.plan.packages,
    )
    summary = report.to_body(max_items=0).model_dump(mode="json", by_alias=True, exclude={"items"})
    started = table.start(
        run_id=report.run.run_id,
        summary=summary,
        parts=len(messages),
        started_at=time.time() - report.duration_seconds,
    )
    if not started:
        # EventBridge delivers at least once: this run was dispatched already, so do nothing twice.
        logger.warning("run already dispatched", run_id=report.run.run_id)
        return {"runId": report.run.run_id, "dispatched": 0, "duplicate": True}
    try:
        WorkQueue(queue_url).send(messages)
    except WorkQueueError as error:
        # Expect only what went out, so the run still completes and reports; then fail loudly.
        table.truncate(report.run.run_id, error.sent)
        claimed = table.claim_report(report.run.run_id)
        if claimed is not None:
            report_run(claimed)
        raise
    logger.info("run dispatched", parts=len(messages), **summary)
    return {**summary, "dispatched": len(messages), "duplicate": False}
