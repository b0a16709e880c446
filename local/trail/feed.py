"""A stretch of a trail delivered and recorded: every hour's log files and digest written to (moto's) S3, then
announced to the real recorder in SQS batches of 10, as its queue would hand them over. Gaps are made on
purpose (an hour without its digest, a digest listing a file never delivered) to show what a run then keeps."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from local.events import LambdaContext
from local.trail.events import s3_notification, sqs_event
from local.trail.files import HOUR, HourFiles, TrailWriter
from local.trail.records import TrailRead, read_record

SQS_BATCH = 10


@dataclass(frozen=True)
class Gaps:
    """Hours (by their start) delivered without a digest, and hours whose digest lists one undelivered file."""

    no_digest: frozenset[datetime] = field(default_factory=frozenset)
    undelivered: frozenset[datetime] = field(default_factory=frozenset)


def deliver(
    writer: TrailWriter, start: datetime, end: datetime, reads: Iterable[TrailRead], gaps: Gaps | None = None
) -> list[str]:
    """Every hour of [start, end): its reads in one log file (none: an empty hour, a digest only) and its digest,
    gaps as told. The keys delivered, in delivery order."""
    gaps = gaps or Gaps()
    by_hour: dict[datetime, list[dict[str, Any]]] = {}
    for read in reads:
        hour = read.at.replace(minute=0, second=0, microsecond=0)
        by_hour.setdefault(hour, []).append(read_record(read))
    keys: list[str] = []
    hour = start
    while hour < end:
        records = by_hour.get(hour, [])
        files: HourFiles = writer.deliver_hour(
            hour,
            [records] if records else [],
            digest=hour not in gaps.no_digest,
            undelivered=1 if hour in gaps.undelivered else 0,
        )
        keys += [*files.log_files, *([files.digest] if files.digest else [])]
        hour += HOUR
    return keys


def record(bucket: str, keys: Sequence[str], handler: Any) -> list[dict[str, Any]]:
    """Announce `keys` to the recorder's `handler`, 10 notices a batch; each batch's partial batch response."""
    answers = []
    for first in range(0, len(keys), SQS_BATCH):
        notices = [s3_notification(bucket, key) for key in keys[first : first + SQS_BATCH]]
        answers.append(handler(sqs_event(notices), LambdaContext()))
    return answers
