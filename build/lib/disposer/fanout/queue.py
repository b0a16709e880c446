"""The SQS work queue the worker function consumes: references to parts, sent in order, ten at a time."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from disposer.errors import WorkQueueError
from disposer.fanout.messages import WorkMessage

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
else:
    SQSClient = Any

# SendMessageBatch takes at most 10 entries (a reference is a few dozen bytes: size is never the limit).
BATCH_ENTRIES = 10


class WorkQueue:
    """The SQS queue the worker function consumes."""

    def __init__(self, url: str, client: SQSClient) -> None:
        self.url = url
        self._client = client

    def send(self, messages: Sequence[WorkMessage]) -> None:
        """Send every message, in order; on a refusal, raise saying how many went out before it."""
        for start in range(0, len(messages), BATCH_ENTRIES):
            batch = messages[start : start + BATCH_ENTRIES]
            try:
                response = self._client.send_message_batch(
                    QueueUrl=self.url,
                    Entries=[{"Id": str(message.part), "MessageBody": message.model_dump_json()} for message in batch],
                )
            except (ClientError, BotoCoreError) as error:
                raise WorkQueueError(f"SQS refused a batch of work: {error}", batch[0].part) from error
            failed = response.get("Failed", [])
            if failed:
                first = min(int(entry["Id"]) for entry in failed)
                raise WorkQueueError(f"SQS refused work message {first}: {failed[0].get('Message', '')}", first)
