"""Lambda entry point of the worker function: applies the parts of fanned-out runs named by SQS messages.

Powertools' batch utility reports partial failures: a message that fails goes back to the queue
without redoing the others, and after the queue's maxReceiveCount lands in its dead-letter queue.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from disposer import services
from disposer.budget import Budget
from disposer.errors import DisposerError, UnknownWorkError
from disposer.fanout.messages import WorkMessage
from disposer.observability import logger, metrics, tracer
from disposer.runs.parts import PartExecutor, load_part, part_plan
from disposer.runs.pipeline import RunRequest, execute
from disposer.runs.planner import FixedPlan
from disposer.safety.scope import Scope
from disposer.settings import Settings

processor = BatchProcessor(event_type=EventType.SQS)

# Calls stop this long before the invocation's end, so a message never dies half-tallied.
TIME_MARGIN_SECONDS = 60.0


@tracer.capture_method(capture_response=False)
def _apply(record: SQSRecord, settings: Settings, budget: Budget) -> None:
    try:
        _apply_part(record, settings, budget)
    except DisposerError as error:
        # The batch utility sends the message back (and, after maxReceiveCount, to the DLQ): say why here.
        log = logger.warning if error.transient else logger.error
        log("work message failed", error_code=error.code, error_message=error.message, message_id=record.message_id)
        raise


def _apply_part(record: SQSRecord, settings: Settings, budget: Budget) -> None:
    table = services.run_table(settings)
    if table is None:
        raise UnknownWorkError("the worker needs DISPOSER_RUN_TABLE")
    message = WorkMessage.model_validate_json(record.body)
    # The run's id is its correlation id everywhere: the run function logged its plan under it.
    logger.set_correlation_id(message.run_id)
    logger.append_keys(run_id=message.run_id, part=message.part)
    stored = load_part(table, message)
    logger.append_keys(policy=stored.policy)
    Scope.of(settings).check(
        domain=stored.items[0].ref.domain,
        domain_owner=stored.items[0].ref.domain_owner,
        repository=stored.items[0].ref.repository,
    )
    codeartifact = services.codeartifact(settings, budget)
    executor = PartExecutor(
        codeartifact,
        table,
        stored,
        measure=settings.measure_bytes,
        redelivered=int(record.attributes.approximate_receive_count) > 1,
        plan_ttl_hours=settings.plan_ttl_hours,
        ledger=services.ledger(settings),
    )
    report = execute(
        RunRequest(
            context=stored.context,
            source=FixedPlan(part_plan(stored)),
            codeartifact=codeartifact,
            executor=executor,
            refuse_when_disabled=False,
        )
    )
    report.raise_error()
    if report.retry is not None:
        raise report.retry


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = Settings.from_environment()
    budget = Budget.for_invocation(context.get_remaining_time_in_millis(), margin=TIME_MARGIN_SECONDS)
    response = process_partial_response(
        event=event,
        record_handler=lambda record: _apply(record, settings, budget),
        processor=processor,
        context=context,
    )
    return dict(response)
