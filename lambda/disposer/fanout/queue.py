"""The SQS work queue of fanned-out runs (see fanout.py)."""

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from disposer.errors import DisposerError
from disposer.fanout.messages import ApplyWork

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
else:
    SQSClient = Any

# SendMessageBatch takes at most 10 entries; keeping each batch's bodies under one message's limit
# (256 KiB) keeps it valid whatever the queue's batch limit is.
BATCH_ENTRIES = 10
BATCH_BYTES = 256 * 1024


class WorkQueueError(DisposerError):
    """Some messages could not be sent; parts before `sent` were (parts are numbered from 0, in order)."""

    code = "WorkQueueError"

    def __init__(self, message: str, sent: int) -> None:
        super().__init__(message)
        self.sent = sent


def batches(messages: Sequence[ApplyWork]) -> Iterator[list[tuple[ApplyWork, str]]]:
    """Messages with their bodies, in batches within SQS's entry and size limits, in order."""
    batch: list[tuple[ApplyWork, str]] = []
    size = 0
    for message in messages:
        body = message.model_dump_json()
        if batch and (len(batch) == BATCH_ENTRIES or size + len(body.encode()) > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append((message, body))
        size += len(body.encode())
    if batch:
        yield batch


class WorkQueue:
    """The SQS queue the worker function consumes."""

    def __init__(self, url: str, client: SQSClient | None = None) -> None:
        self.url = url
        self._client = client or boto3.client("sqs")

    def send(self, messages: Sequence[ApplyWork]) -> None:
        """Send every message, in order; on a refusal, raise saying how many went out before it."""
        for batch in batches(messages):
            try:
                response = self._client.send_message_batch(
                    QueueUrl=self.url,
                    Entries=[{"Id": str(message.part), "MessageBody": body} for message, body in batch],
                )
            except (ClientError, BotoCoreError) as error:
                raise WorkQueueError(f"SQS refused a batch of work: {error}", batch[0][0].part) from error
            failed = response.get("Failed", [])
            if failed:
                first = min(int(entry["Id"]) for entry in failed)
                raise WorkQueueError(f"SQS refused work message {first}: {failed[0].get('Message', '')}", first)
