"""The SQS work queue of fanned-out runs (see fanout.py)."""

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import boto3

from disposer.fanout import ApplyWork

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
else:
    SQSClient = Any

SEND_BATCH = 10  # SendMessageBatch's limit


class WorkQueue:
    """The SQS queue the worker function consumes."""

    def __init__(self, url: str, client: SQSClient | None = None) -> None:
        self.url = url
        self._client = client or boto3.client("sqs")

    def send(self, messages: Sequence[ApplyWork]) -> None:
        for batch in _batches(messages, SEND_BATCH):
            response = self._client.send_message_batch(
                QueueUrl=self.url,
                Entries=[{"Id": str(m.part), "MessageBody": m.model_dump_json()} for m in batch],
            )
            failed = response.get("Failed", [])
            if failed:
                raise RuntimeError(f"SQS refused {len(failed)} messages: {failed[0].get('Message', '')}")


def _batches(items: Sequence[ApplyWork], size: int) -> Iterator[Sequence[ApplyWork]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
