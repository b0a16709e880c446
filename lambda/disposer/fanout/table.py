"""The DynamoDB run table of fanned-out runs: one item per run, its plan summary and running totals.

Each finished message is tallied by one conditional UpdateItem that adds the message's part number
to the run's `done` set and its figures to the totals, unless the set already holds it: a redelivered
message is tallied once, with no cross-item transaction to conflict. Whoever then sees every part
done claims the report with another conditional update, so exactly one worker writes it.
"""

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

RUN_RECORD_DAYS = 90


@dataclass(frozen=True, slots=True)
class RunTally:
    """A run's record: what the dispatcher planned and what the workers have tallied so far."""

    run_id: str
    summary: dict[str, Any]
    parts: int
    completed: int
    disposed: int
    failed: Counter[str]
    calls: Counter[str]
    bytes_reclaimed: int | None
    throttles: int
    started_at: float
    reported: bool

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> "RunTally":
        return cls(
            run_id=item["pk"]["S"],
            summary=json.loads(item["summary"]["S"]),
            parts=int(item["parts"]["N"]),
            completed=int(item["completed"]["N"]),
            disposed=int(item["disposed"]["N"]),
            failed=Counter({code: int(value["N"]) for code, value in item["failed"]["M"].items()}),
            calls=Counter({name: int(value["N"]) for name, value in item["calls"]["M"].items()}),
            bytes_reclaimed=int(item["bytes"]["N"]) if item["measured"]["BOOL"] else None,
            throttles=int(item["throttles"]["N"]),
            started_at=float(Decimal(item["started_at"]["N"])),
            reported=item.get("reported", {}).get("BOOL", False),
        )


@dataclass(frozen=True, slots=True)
class PartState:
    """What a worker must know before applying a message."""

    run_exists: bool
    reported: bool
    tallied: bool


def _counts(prefix: str, name: str, counts: Mapping[str, int]) -> tuple[list[str], dict[str, str], dict[str, Any]]:
    """ADD clauses for a map attribute's entries (names as placeholders: codes may hold any character)."""
    if not counts:
        return [], {}, {}
    clauses = [f"#{prefix}.#{prefix}{i} :{prefix}{i}" for i in range(len(counts))]
    names = {f"#{prefix}": name, **{f"#{prefix}{i}": key for i, key in enumerate(counts)}}
    values = {f":{prefix}{i}": {"N": str(count)} for i, count in enumerate(counts.values())}
    return clauses, names, values


class RunTable:
    """The DynamoDB run table: partition key `pk`, the run id; `expires_at` for TTL."""

    def __init__(self, name: str, client: DynamoDBClient | None = None) -> None:
        self.name = name
        self._client = client or boto3.client("dynamodb")

    def start(self, *, run_id: str, summary: Mapping[str, Any], parts: int, started_at: float) -> bool:
        """Record a dispatched run; False if this run id was already dispatched (a duplicate event)."""
        item: dict[str, Any] = {
            "pk": {"S": run_id},
            "summary": {"S": json.dumps(summary)},
            "parts": {"N": str(parts)},
            "completed": {"N": "0"},
            "disposed": {"N": "0"},
            "failed": {"M": {}},
            "calls": {"M": {}},
            "bytes": {"N": "0"},
            "measured": {"BOOL": False},
            "throttles": {"N": "0"},
            "started_at": {"N": repr(started_at)},
            "expires_at": {"N": str(int(started_at) + RUN_RECORD_DAYS * 86400)},
        }
        try:
            self._client.put_item(TableName=self.name, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def part_state(self, run_id: str, part: int) -> PartState:
        item = self._client.get_item(
            TableName=self.name,
            Key={"pk": {"S": run_id}},
            ConsistentRead=True,
            ProjectionExpression="pk, reported, done",
        ).get("Item")
        if item is None:
            return PartState(run_exists=False, reported=False, tallied=False)
        return PartState(
            run_exists=True,
            reported=item.get("reported", {}).get("BOOL", False),
            tallied=str(part) in item.get("done", {}).get("SS", []),
        )

    def finish_part(
        self,
        *,
        run_id: str,
        part: int,
        disposed: int,
        failed: Mapping[str, int],
        calls: Mapping[str, int],
        bytes_reclaimed: int | None,
        throttles: int,
    ) -> RunTally | None:
        """Tally one finished message once; the run's totals after it, or None if it was tallied before."""
        failed_clauses, failed_names, failed_values = _counts("f", "failed", failed)
        call_clauses, call_names, call_values = _counts("k", "calls", calls)
        additions = ", ".join(
            ["done :part", "completed :one", "disposed :disposed", "bytes :bytes", "throttles :throttles"]
            + failed_clauses
            + call_clauses
        )
        try:
            response = self._client.update_item(
                TableName=self.name,
                Key={"pk": {"S": run_id}},
                UpdateExpression=f"ADD {additions} SET measured = :measured",
                ConditionExpression="attribute_exists(pk) AND NOT contains(done, :number)",
                ExpressionAttributeNames={**failed_names, **call_names} or None,  # type: ignore[arg-type]
                ExpressionAttributeValues={
                    ":part": {"SS": [str(part)]},
                    ":number": {"S": str(part)},
                    ":one": {"N": "1"},
                    ":disposed": {"N": str(disposed)},
                    ":bytes": {"N": str(bytes_reclaimed or 0)},
                    ":throttles": {"N": str(throttles)},
                    ":measured": {"BOOL": bytes_reclaimed is not None},
                    **failed_values,
                    **call_values,
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise
        return RunTally.from_item(response["Attributes"])

    def add_throttles(self, run_id: str, throttles: int) -> None:
        """Count throttles met by an attempt that will be retried (its versions are tallied later)."""
        if throttles:
            self._client.update_item(
                TableName=self.name,
                Key={"pk": {"S": run_id}},
                UpdateExpression="ADD throttles :throttles",
                ExpressionAttributeValues={":throttles": {"N": str(throttles)}},
            )

    def truncate(self, run_id: str, parts: int) -> None:
        """Expect only the first `parts` messages (the rest could not be sent)."""
        self._client.update_item(
            TableName=self.name,
            Key={"pk": {"S": run_id}},
            UpdateExpression="SET parts = :parts",
            ExpressionAttributeValues={":parts": {"N": str(parts)}},
        )

    def claim_report(self, run_id: str) -> RunTally | None:
        """The run's totals if every message is tallied and nobody has reported it yet; None otherwise.

        A conditional update, so that of the workers finishing at the same time exactly one reports.
        """
        try:
            response = self._client.update_item(
                TableName=self.name,
                Key={"pk": {"S": run_id}},
                UpdateExpression="SET reported = :yes",
                ConditionExpression="completed >= parts AND attribute_not_exists(reported)",
                ExpressionAttributeValues={":yes": {"BOOL": True}},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise
        return RunTally.from_item(response["Attributes"])
