"""Worker function: applies fanned-out disposals from SQS, one message (part of a package) at a time.

Powertools' batch utility reports partial failures: a message that fails goes back to the queue
without redoing the others, and after the queue's maxReceiveCount lands in its dead-letter queue.
A message is applied only for a run the table knows and a repository this deployment manages. It is
tallied only when every version has a final answer: a throttle, a fault or the invocation's time
running out sends the message back instead, and a redelivery first lists the package so versions an
earlier attempt disposed are counted, not disposed again (which would fail as MISMATCHED_STATUS).
"""

import time
from collections import Counter
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from disposer.api.models import RunReportBody
from disposer.codeartifact.client import CodeArtifactGateway
from disposer.codeartifact.disposal import NOT_ATTEMPTED, VersionOutcome
from disposer.codeartifact.types import PackageVersionStatus
from disposer.config import Settings
from disposer.errors import DisposerError
from disposer.fanout.messages import ApplyWork
from disposer.fanout.table import RunTable, RunTally
from disposer.observability import logger, metrics, tracer
from disposer.observability.audit import AuditTrail, RunContext
from disposer.observability.run_metrics import RunMetrics, emit_run_metrics
from disposer.retention.engine import PackagePlan
from disposer.runs.pipeline import ItemKey, apply_package
from disposer.services import gateway_for, settings

processor = BatchProcessor(event_type=EventType.SQS)

# Answers that say "not now" rather than "no": the message is retried rather than tallied.
TRANSIENT = frozenset({NOT_ATTEMPTED, "ThrottlingException", "InternalServerException", "UpstreamUnavailable"})
# Stop starting calls this long before the invocation's end, so a message never dies half-tallied.
TIME_MARGIN_SECONDS = 60.0


class RetryLaterError(DisposerError):
    """Some versions got no final answer; the message goes back to the queue."""

    code = "RetryLater"


class UnknownWorkError(DisposerError):
    """A message for no known run, or outside this deployment: never applied."""

    code = "UnknownWork"


def apply_work(
    work: ApplyWork,
    gateway: CodeArtifactGateway,
    table: RunTable,
    current: Settings,
    *,
    redelivered: bool,
    deadline: float | None,
) -> None:
    """Dispose one message's versions, pinned to the plan; tally them once; report the run if last."""
    state = table.part_state(work.run_id, work.part)
    if not state.run_exists:
        raise UnknownWorkError(f"no run {work.run_id} in the run table: the message is not from a dispatch")
    current.check_scope(domain=work.domain, domain_owner=work.domain_owner, repository=work.repository)
    if not state.tallied and not state.reported:
        run = RunContext(
            run_id=work.run_id, trigger=work.trigger, caller=work.caller, dry_run=False, policy=work.policy
        )
        trail = AuditTrail(run=run)
        calls_before, throttles_before = Counter(gateway.counter.calls), gateway.counter.throttles
        plan = work.package_plan()
        already = _already_disposed(gateway, plan) if redelivered else set()
        outcomes: dict[ItemKey, VersionOutcome] = {}
        remaining = PackagePlan(ref=plan.ref, items=tuple(i for i in plan.items if i.version not in already))
        apply_package(gateway, remaining, trail, outcomes, current.measure_bytes, deadline)
        transient = Counter(o.error_code for o in outcomes.values() if o.error_code in TRANSIENT)
        if transient:
            # The retry will tally the versions; the throttles met on the way count now or never.
            table.add_throttles(work.run_id, gateway.counter.throttles - throttles_before)
            raise RetryLaterError(f"no final answer yet for {sum(transient.values())} versions: {dict(transient)}")
        calls = Counter(gateway.counter.calls)
        calls.subtract(calls_before)
        tally = table.finish_part(
            run_id=work.run_id,
            part=work.part,
            disposed=trail.disposed + len(already),
            failed=trail.failed,
            calls=+calls,
            bytes_reclaimed=trail.bytes_reclaimed,
            throttles=gateway.counter.throttles - throttles_before,
        )
        if tally is None or tally.completed < tally.parts:
            return
    # Every part is tallied (perhaps by this message's earlier attempt, which then failed to report).
    claimed = table.claim_report(work.run_id)
    if claimed is not None:
        report_run(claimed)


def _already_disposed(gateway: CodeArtifactGateway, plan: PackagePlan) -> set[str]:
    """Versions of this message an earlier attempt disposed: Disposed now, at the revision pinned."""
    current = {v.version: v for v in gateway.list_versions(plan.ref).versions}
    found = {
        item.version
        for item in plan.items
        if item.version in current
        and current[item.version].status is PackageVersionStatus.DISPOSED
        and current[item.version].revision == item.revision
    }
    if found:
        logger.info("versions disposed by an earlier attempt", versions=sorted(found), package=plan.ref.package)
    return found


def report_run(tally: RunTally) -> None:
    """The fanned-out run's report and metrics, written once, by the worker that claimed it.

    The dispatcher's plan summary, completed with what every worker tallied: the same record a run
    applied inline writes.
    """
    duration = time.time() - tally.started_at
    summary = RunReportBody.model_validate({**tally.summary, "items": []})
    calls = Counter(summary.calls)
    calls.update(tally.calls)
    outcomes = {"disposed": tally.disposed} if tally.disposed else {}
    report = summary.model_copy(
        update={
            "mode": "apply",
            "outcomes": {**outcomes, **tally.failed},
            "calls": dict(sorted(calls.items())),
            "throttles": summary.throttles + tally.throttles,
            "bytes_reclaimed": tally.bytes_reclaimed,
            "duration_seconds": round(duration, 3),
        }
    )
    body = report.model_dump(mode="json", by_alias=True, exclude={"items"})
    logger.info("run report", fanout={"parts": tally.parts}, **body)
    emit_run_metrics(
        RunMetrics(
            trigger=summary.trigger,
            policy=summary.policy,
            planned=summary.totals.dispose,
            kept=summary.totals.keep,
            disposed=tally.disposed,
            failed=Counter(tally.failed),
            bytes_reclaimed=tally.bytes_reclaimed,
            throttles=report.throttles,
            duration_seconds=duration,
        )
    )


@cache
def _table(name: str) -> RunTable:
    return RunTable(name)


@tracer.capture_method(capture_response=False)
def _record_handler(record: SQSRecord, context: LambdaContext) -> None:
    current = settings()
    if current.run_table is None:
        raise UnknownWorkError("the worker needs DISPOSER_RUN_TABLE")
    work = ApplyWork.model_validate_json(record.body)
    logger.append_keys(run_id=work.run_id, policy=work.policy, part=work.part)
    # The run's id is its correlation id everywhere: the scheduled run logged its plan under it.
    logger.set_correlation_id(work.run_id)
    remaining = context.get_remaining_time_in_millis() / 1000 - TIME_MARGIN_SECONDS
    apply_work(
        work,
        gateway_for(current),
        _table(current.run_table),
        current,
        redelivered=int(record.attributes.approximate_receive_count) > 1,
        deadline=time.monotonic() + remaining,
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event,
        record_handler=lambda record: _record_handler(record, context),
        processor=processor,
        context=context,
    )
    return dict(response)
