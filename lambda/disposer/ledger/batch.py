"""BatchGetItem and BatchWriteItem over any number of keys or items: 100 keys or 25 items a request, what DynamoDB
leaves unprocessed sent again after a growing, jittered pause, and what is still unprocessed after the last
attempt handed back to the caller."""

import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

BATCH_GET_KEYS = 100
BATCH_WRITE_ITEMS = 25
BATCH_GET_ATTEMPTS = BATCH_WRITE_ATTEMPTS = 6
# Full jitter: each pause is random up to this base doubled per attempt, capped (about 1.5 s in all on average).
BACKOFF_BASE_SECONDS = 0.05
BACKOFF_CAP_SECONDS = 1.0

Key = Mapping[str, Any]


def backoff(attempt: int) -> float:
    """The pause before retry number `attempt` (1 for the first retry)."""
    return random.uniform(0, min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt))


def batch_get(
    client: DynamoDBClient, table: str, keys: Sequence[Key], *, sleep: Callable[[float], None] = time.sleep
) -> tuple[list[dict[str, Any]], list[Key]]:
    """The items found under `keys` (no two alike), and the keys still unprocessed after every attempt."""
    found: list[dict[str, Any]] = []
    unread: list[Key] = []
    for start in range(0, len(keys), BATCH_GET_KEYS):
        pending: list[Any] = list(keys[start : start + BATCH_GET_KEYS])
        for attempt in range(BATCH_GET_ATTEMPTS):
            if attempt:
                sleep(backoff(attempt))
            answer = client.batch_get_item(RequestItems={table: {"Keys": pending}})
            found.extend(answer.get("Responses", {}).get(table, []))
            unprocessed = answer.get("UnprocessedKeys", {}).get(table)
            pending = list(unprocessed["Keys"]) if unprocessed else []
            if not pending:
                break
        unread.extend(pending)
    return found, unread


def batch_put(
    client: DynamoDBClient,
    table: str,
    items: Sequence[Mapping[str, Any]],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Put `items`, 25 a BatchWriteItem, the unprocessed ones again after a pause; how many were never written."""
    left = 0
    for start in range(0, len(items), BATCH_WRITE_ITEMS):
        pending: list[Any] = [{"PutRequest": {"Item": item}} for item in items[start : start + BATCH_WRITE_ITEMS]]
        for attempt in range(BATCH_WRITE_ATTEMPTS):
            if attempt:
                sleep(backoff(attempt))
            answer = client.batch_write_item(RequestItems={table: pending})
            pending = list(answer.get("UnprocessedItems", {}).get(table, []))
            if not pending:
                break
        left += len(pending)
    return left
