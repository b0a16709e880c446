"""Lambda entry point of the usage recorder: an SQS batch of S3 notices of the trail's new files, or a direct
invocation that starts a backfill from CloudTrail's event history (recorder/backfill_models.py).

The answer is SQS's partial batch response: only the messages that failed come back (`batchItemFailures`),
so one file that must be read again does not bring back the batch's others. What would not heal is not
retried: a message that is no notice, a file that is gone or not CloudTrail's (counted as
TrailFilesUnreadable and logged with its key; its hour stays uncovered). What may heal (a throttle, the
ledger or the bucket unavailable) fails its message, which SQS delivers again.

A backfill answers what it did, or an error document for what it refused (a range event history cannot vouch
for, a refusal of event history): the caller is an operator's command, which reads either.
"""

import re
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from disposer import clock, services
from disposer.budget import Budget
from disposer.constants import (
    METRIC_DIGESTS_READ,
    METRIC_DOWNLOADS_RECORDED,
    METRIC_TRAIL_FILES_READ,
    METRIC_TRAIL_FILES_UNREADABLE,
    METRIC_TRAIL_RECORDS_SKIPPED,
)
from disposer.errors import (
    BackfillRangeError,
    DisposerError,
    EventHistoryRefusedError,
    LedgerRequiredError,
    TrailFileUnreadableError,
)
from disposer.observability import logger, metrics, tracer
from disposer.ports import UsageStore
from disposer.recorder.backfill import BACKFILL_MARGIN_SECONDS, Backfill
from disposer.recorder.backfill_models import BackfillAnswer, error_document, is_backfill, read_backfill
from disposer.recorder.files import Recorder, Tally
from disposer.recorder.notices import read_notice
from disposer.settings import Settings
from disposer.usage.cloudtrail import DownloadScope
from disposer.usage.history import backfill_range
from disposer.usage.keys import TrailLayout
from disposer.usage.principals import PrincipalGlobs

_ACCOUNT = re.compile(r"arn:[^:]+:lambda:[^:]*:(\d{12}):")


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if is_backfill(event):
        return run_backfill(
            event,
            remaining_ms=context.get_remaining_time_in_millis(),
            function_arn=context.invoked_function_arn,
        )
    recorder = recorder_for(Settings.from_environment(), context.invoked_function_arn)
    tally = Tally()
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    try:
        answer = process_partial_response(
            event=event,
            record_handler=lambda record: _message(recorder, record, tally),
            processor=processor,
            context=context,
        )
        return dict(answer)
    finally:
        _emit(tally)


def recorder_for(settings: Settings, function_arn: str) -> Recorder:
    """The recorder of this deployment. The domain owner's account, when the settings do not name it, is the
    function's own (a deployment's domain is in its account unless it says otherwise): an organization trail
    delivers every account's files, and only the owner's hold the domain's downloads."""
    scope = scope_for(settings, function_arn)
    return Recorder(
        store=_store(settings),
        files=services.trail_objects(settings),
        bucket=settings.usage_bucket,
        layout=TrailLayout(
            prefix=settings.usage_prefix, region=settings.region, account=scope.domain_owner, trail=settings.usage_trail
        ),
        scope=scope,
        threads=settings.threads,
    )


def backfill_for(settings: Settings, function_arn: str, budget: Budget) -> Backfill:
    """The backfill of this deployment: the recorder's scope, event history read inside `budget`. Event history is
    the function's own account's: it holds no download made in another one, so a domain owned elsewhere is not
    backfilled (its hours would look covered with those downloads unseen)."""
    found = _ACCOUNT.match(function_arn or "")
    if settings.domain_owner and found and settings.domain_owner != found[1]:
        raise BackfillRangeError(
            f"the domain's owner {settings.domain_owner} is not this function's account {found[1]}: event history "
            "here holds none of its downloads; only the trail's files can cover its hours"
        )
    return Backfill(
        store=_store(settings),
        history=services.event_history(settings, budget),
        scope=scope_for(settings, function_arn),
        threads=settings.threads,
    )


def scope_for(settings: Settings, function_arn: str) -> DownloadScope:
    """What counts as a download: the deployment's domain, its owner (the settings', else the function's account,
    else any), the ignored callers."""
    found = _ACCOUNT.match(function_arn or "")
    owner = settings.domain_owner or (found[1] if found else None)
    return DownloadScope(
        domain=settings.domain, domain_owner=owner, ignored=PrincipalGlobs(settings.usage_ignore_principals)
    )


def _store(settings: Settings) -> UsageStore:
    store = services.usage_store(settings)
    if store is None:
        raise LedgerRequiredError("the usage recorder writes to the ledger table, and none is configured")
    return store


def run_backfill(event: dict[str, Any], *, remaining_ms: int, function_arn: str) -> dict[str, Any]:
    """One invocation's share of a backfill (the recorder's, or the CLI's in its own process): the hours asked for,
    until they or the `remaining_ms` end; the answer, or the error document of a refusal."""
    try:
        asked = read_backfill(event)
        hours = backfill_range(asked.start, asked.end, clock.now())
        budget = Budget.for_invocation(remaining_ms, margin=BACKFILL_MARGIN_SECONDS)
        result = backfill_for(Settings.from_environment(), function_arn, budget).run(hours)
    except (BackfillRangeError, EventHistoryRefusedError) as error:
        logger.warning("backfill refused", error_code=error.code, error=error.message)
        return error_document(error)
    answer = BackfillAnswer.of(result)
    logger.info(
        "backfill done",
        start=hours.start.isoformat(),
        end=hours.end.isoformat(),
        hours_covered=result.hours_covered,
        hours_failed=len(result.failed),
        downloads_recorded=result.downloads_recorded,
        pages=result.pages,
        events=result.events,
        skipped=dict(result.skipped),
        next=None if result.next is None else result.next.isoformat(),
    )
    metrics.add_metric(name=METRIC_DOWNLOADS_RECORDED, unit=MetricUnit.Count, value=result.downloads_recorded)
    return answer.document()


def _message(recorder: Recorder, record: SQSRecord, tally: Tally) -> None:
    announced = read_notice(record.body)
    if announced is None:
        logger.warning("message ignored: not an S3 notice", message_id=record.message_id)
        return
    for trail_object in announced:
        try:
            recorder.record(trail_object, tally)
        except TrailFileUnreadableError as error:
            tally.files_unreadable += 1
            logger.error(
                "trail file unreadable", bucket=trail_object.bucket, key=trail_object.key, reason=error.message
            )
        except DisposerError as error:
            logger.warning(
                "trail file to read again", key=trail_object.key, error_code=error.code, error_message=error.message
            )
            raise


def _emit(tally: Tally) -> None:
    for name, value in (
        (METRIC_TRAIL_FILES_READ, tally.files_read),
        (METRIC_TRAIL_FILES_UNREADABLE, tally.files_unreadable),
        (METRIC_TRAIL_RECORDS_SKIPPED, tally.records_skipped),
        (METRIC_DOWNLOADS_RECORDED, tally.downloads_recorded),
        (METRIC_DIGESTS_READ, tally.digests_read),
    ):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
