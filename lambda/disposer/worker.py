"""Worker function: applies fanned-out disposals from SQS, one message (part of a package) at a time.

Powertools' batch utility reports partial failures, so a message that fails is retried (and, after
the queue's maxReceiveCount, parked in its dead-letter queue) without redoing the others. A message
already tallied is skipped, so a redelivery disposes nothing twice.
"""

import time
from collections import Counter
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from disposer.audit import AuditTrail, RunContext
from disposer.disposal import VersionOutcome
from disposer.fanout import ApplyWork
from disposer.gateway import CodeArtifactGateway
from disposer.observability import logger, metrics, tracer
from disposer.run_table import RunTable, RunTally
from disposer.runs import ItemKey, apply_package
from disposer.runtime import gateway_for, settings
from disposer.telemetry import RunMetrics, emit_run_metrics

processor = BatchProcessor(event_type=EventType.SQS)


def apply_work(work: ApplyWork, gateway: CodeArtifactGateway, table: RunTable, *, measure_bytes: bool) -> None:
    """Dispose one message's versions, pinned to the plan; tally them once; report the run if last."""
    if table.is_tallied(work.run_id, work.part):
        logger.info("part already applied", run_id=work.run_id, part=work.part)
        return
    run = RunContext(run_id=work.run_id, trigger=work.trigger, caller=work.caller, dry_run=False, policy=work.policy)
    trail = AuditTrail(run=run)
    outcomes: dict[ItemKey, VersionOutcome] = {}
    throttles_before = gateway.counter.throttles
    apply_package(gateway, work.package_plan(), trail, outcomes, measure_bytes, None)
    tallied = table.finish_part(
        run_id=work.run_id,
        part=work.part,
        disposed=trail.disposed,
        failed=trail.failed,
        bytes_reclaimed=trail.bytes_reclaimed,
        throttles=gateway.counter.throttles - throttles_before,
        expires_at=int(time.time()) + 90 * 86400,
    )
    if tallied:
        tally = table.claim_report(work.run_id)
        if tally is not None:
            report_run(tally)


def report_run(tally: RunTally) -> None:
    """The fanned-out run's summary record and metrics, written once, by the worker that finished last."""
    duration = time.time() - tally.started_at
    logger.info(
        "run report",
        runId=tally.run_id,
        policy=tally.policy,
        trigger=tally.trigger,
        mode="apply",
        fanout={"parts": tally.parts},
        totals={"dispose": tally.planned, "keep": tally.kept},
        outcomes={"disposed": tally.disposed, **tally.failed} if tally.disposed else dict(tally.failed),
        throttles=tally.throttles,
        bytesReclaimed=tally.bytes_reclaimed,
        durationSeconds=round(duration, 3),
        aborted=False,
    )
    emit_run_metrics(
        RunMetrics(
            trigger=tally.trigger,
            policy=tally.policy,
            planned=tally.planned,
            kept=tally.kept,
            disposed=tally.disposed,
            failed=Counter(tally.failed),
            bytes_reclaimed=tally.bytes_reclaimed,
            throttles=tally.throttles,
            duration_seconds=duration,
        )
    )


@tracer.capture_method(capture_response=False)
def _record_handler(record: SQSRecord) -> None:
    current = settings()
    if current.run_table is None:
        raise RuntimeError("the worker needs DISPOSER_RUN_TABLE")
    work = ApplyWork.model_validate_json(record.body)
    logger.append_keys(run_id=work.run_id, policy=work.policy)
    # The run's id is its correlation id everywhere: the scheduled run logged its plan under it.
    logger.set_correlation_id(work.run_id)
    apply_work(work, gateway_for(current), RunTable(current.run_table), measure_bytes=current.measure_bytes)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=_record_handler, processor=processor, context=context
    )
    return dict(response)
