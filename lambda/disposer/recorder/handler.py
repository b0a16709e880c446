"""Lambda entry point of the usage recorder: an SQS batch of S3 notices of the trail's new files.

The answer is SQS's partial batch response: only the messages that failed come back (`batchItemFailures`),
so one file that must be read again does not bring back the batch's others. What would not heal is not
retried: a message that is no notice, a file that is gone or not CloudTrail's (counted as
TrailFilesUnreadable and logged with its key; its hour stays uncovered). What may heal (a throttle, the
ledger or the bucket unavailable) fails its message, which SQS delivers again.
"""

import re
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from disposer import services
from disposer.constants import (
    METRIC_DIGESTS_READ,
    METRIC_DOWNLOADS_RECORDED,
    METRIC_TRAIL_FILES_READ,
    METRIC_TRAIL_FILES_UNREADABLE,
    METRIC_TRAIL_RECORDS_SKIPPED,
)
from disposer.errors import DisposerError, LedgerRequiredError, TrailFileUnreadableError
from disposer.observability import logger, metrics, tracer
from disposer.recorder.files import Recorder, Tally
from disposer.recorder.notices import read_notice
from disposer.settings import Settings
from disposer.usage.cloudtrail import DownloadScope
from disposer.usage.keys import TrailLayout
from disposer.usage.principals import PrincipalGlobs

_ACCOUNT = re.compile(r"arn:[^:]+:lambda:[^:]*:(\d{12}):")


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
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
    store = services.usage_store(settings)
    if store is None:
        raise LedgerRequiredError("the usage recorder writes to the ledger table, and none is configured")
    found = _ACCOUNT.match(function_arn or "")
    owner = settings.domain_owner or (found[1] if found else None)
    return Recorder(
        store=store,
        files=services.trail_objects(settings),
        bucket=settings.usage_bucket,
        layout=TrailLayout(prefix=settings.usage_prefix, region=settings.region, account=owner),
        scope=DownloadScope(
            domain=settings.domain, domain_owner=owner, ignored=PrincipalGlobs(settings.usage_ignore_principals)
        ),
        threads=settings.threads,
    )


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
