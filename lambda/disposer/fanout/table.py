"""The DynamoDB run table of fanned-out runs: one item per run and one per part of its plan.

The run function writes the run item (its plan summary, who ran it, how many parts) and every part
(the pinned disposals a worker may apply) before it sends a single message, so a worker only ever
applies a part that a run wrote. Each finished part is tallied by one conditional UpdateItem that adds
the part's number to the run's `done` set and its figures to the totals, unless the set already holds
it: a redelivered message is tallied once, with no cross-item transaction to conflict. Whoever then
sees every part done claims the report with another conditional update, so exactly one worker writes it.
"""

import json
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from disposer.fanout.messages import decode_part, encode_part
from disposer.model.plans import PlanItem
from disposer.model.runs import RunContext

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

RUN_RECORD_DAYS = 90
# BatchWriteItem takes at most 25 puts; what DynamoDB leaves unprocessed is sent again, this many times.
BATCH_WRITE_ITEMS = 25
BATCH_WRITE_ATTEMPTS = 8


def part_key(run_id: str, part: int) -> str:
    return f"{run_id}#part#{part}"


@dataclass(frozen=True, slots=True)
class RunTally:
    """A run's record: what the dispatcher planned and what the workers have tallied so far."""

    run_id: str
    summary: dict[str, Any]
    parts: int
    completed: int
    disposed: int
    archived: int
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
            archived=int(item.get("archived", {}).get("N", "0")),
            failed=Counter({code: int(value["N"]) for code, value in item["failed"]["M"].items()}),
            calls=Counter({name: int(value["N"]) for name, value in item["calls"]["M"].items()}),
            bytes_reclaimed=int(item["bytes"]["N"]) if item["measured"]["BOOL"] else None,
            throttles=int(item["throttles"]["N"]),
            started_at=float(Decimal(item["started_at"]["N"])),
            reported=item.get("reported", {}).get("BOOL", False),
        )


@dataclass(frozen=True, slots=True)
class StoredPart:
    """A part as the run function wrote it, and where its run stands."""

    context: RunContext
    policy: str
    as_of: datetime
    part: int
    items: tuple[PlanItem, ...]
    tallied: bool
    reported: bool
    # When the run started planning (epoch seconds): the plan's age is measured from here.
    planned_at: float


def _counts(prefix: str, name: str, counts: Mapping[str, int]) -> tuple[list[str], dict[str, str], dict[str, Any]]:
    """ADD clauses for a map attribute's entries (names as placeholders: codes may hold any character)."""
    if not counts:
        return [], {}, {}
    clauses = [f"#{prefix}.#{prefix}{i} :{prefix}{i}" for i in range(len(counts))]
    names = {f"#{prefix}": name, **{f"#{prefix}{i}": key for i, key in enumerate(counts)}}
    values = {f":{prefix}{i}": {"N": str(count)} for i, count in enumerate(counts.values())}
    return clauses, names, values


# What a finished part adds to its run's item (the part's number to `done`, its figures to the totals).
_PART_ADDITIONS = (
    "done :part",
    "completed :one",
    "disposed :disposed",
    "archived :archived",
    "bytes :bytes",
    "throttles :throttles",
)


def _conditional(call: Any, **params: Any) -> dict[str, Any] | None:
    """The answer of a conditional write, or None when its condition did not hold."""
    try:
        response: dict[str, Any] = call(**params)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return None
        raise
    return response


class RunTable:
    """The DynamoDB run table: partition key `pk` (the run id, or `<run id>#part#<n>`), TTL `expires_at`."""

    def __init__(self, name: str, client: DynamoDBClient) -> None:
        self.name = name
        self._client = client

    def start(self, *, context: RunContext, summary: Mapping[str, Any], parts: int, started_at: float) -> bool:
        """Record a dispatched run; False if this run id was already dispatched (a duplicate event)."""
        item: dict[str, Any] = {
            "pk": {"S": context.run_id},
            "summary": {"S": json.dumps(summary)},
            "caller": {"S": context.caller or ""},
            "parts": {"N": str(parts)},
            "completed": {"N": "0"},
            "disposed": {"N": "0"},
            "archived": {"N": "0"},
            "failed": {"M": {}},
            "calls": {"M": {}},
            "bytes": {"N": "0"},
            "measured": {"BOOL": False},
            "throttles": {"N": "0"},
            "started_at": {"N": repr(started_at)},
            "expires_at": {"N": str(int(started_at) + RUN_RECORD_DAYS * 86400)},
        }
        put = _conditional(
            self._client.put_item, TableName=self.name, Item=item, ConditionExpression="attribute_not_exists(pk)"
        )
        return put is not None

    def write_parts(self, run_id: str, parts: Sequence[Sequence[PlanItem]], *, started_at: float) -> None:
        """Write every part of the run's plan (before any message names one)."""
        expires = str(int(started_at) + RUN_RECORD_DAYS * 86400)
        requests: list[Any] = [
            {
                "PutRequest": {
                    "Item": {
                        "pk": {"S": part_key(run_id, number)},
                        "items": {"B": encode_part(items)},
                        "expires_at": {"N": expires},
                    }
                }
            }
            for number, items in enumerate(parts)
        ]
        for start in range(0, len(requests), BATCH_WRITE_ITEMS):
            pending = requests[start : start + BATCH_WRITE_ITEMS]
            for attempt in range(BATCH_WRITE_ATTEMPTS):
                answer = self._client.batch_write_item(RequestItems={self.name: pending})
                pending = answer.get("UnprocessedItems", {}).get(self.name, [])
                if not pending:
                    break
                time.sleep(min(2.0, 0.05 * 2**attempt))
            if pending:
                raise RuntimeError(f"DynamoDB left {len(pending)} parts of run {run_id} unwritten")

    def load_part(self, run_id: str, part: int) -> StoredPart | None:
        """The part a run wrote, with its run's context; None if no run wrote it."""
        run = self._client.get_item(
            TableName=self.name,
            Key={"pk": {"S": run_id}},
            ConsistentRead=True,
            ProjectionExpression="pk, summary, caller, parts, reported, done, started_at",
        ).get("Item")
        # A part past the run's count was never sent (or its sending failed and the run was cut short).
        if run is None or part >= int(run["parts"]["N"]):
            return None
        stored = self._client.get_item(
            TableName=self.name, Key={"pk": {"S": part_key(run_id, part)}}, ConsistentRead=True
        ).get("Item")
        if stored is None:
            return None
        summary = json.loads(run["summary"]["S"])
        return StoredPart(
            context=RunContext(
                run_id=run_id,
                trigger=summary["trigger"],
                caller=run["caller"]["S"] or None,
                dry_run=False,
                policy=summary["policy"],
            ),
            policy=summary["policy"],
            as_of=datetime.fromisoformat(summary["asOf"]),
            part=part,
            items=decode_part(bytes(stored["items"]["B"])),
            tallied=str(part) in run.get("done", {}).get("SS", []),
            reported=run.get("reported", {}).get("BOOL", False),
            planned_at=float(Decimal(run["started_at"]["N"])),
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
        archived: int = 0,
    ) -> RunTally | None:
        """Tally one finished part once; the run's totals after it, or None if it was tallied before."""
        failed_clauses, failed_names, failed_values = _counts("f", "failed", failed)
        call_clauses, call_names, call_values = _counts("k", "calls", calls)
        additions = ", ".join([*_PART_ADDITIONS, *failed_clauses, *call_clauses])
        names = {**failed_names, **call_names}
        response = _conditional(
            self._client.update_item,
            TableName=self.name,
            Key={"pk": {"S": run_id}},
            UpdateExpression=f"ADD {additions} SET measured = :measured",
            ConditionExpression="attribute_exists(pk) AND NOT contains(done, :number)",
            # A part that failed nothing and made no call (all disposed by an earlier attempt) has no names.
            **({"ExpressionAttributeNames": names} if names else {}),
            ExpressionAttributeValues={
                ":part": {"SS": [str(part)]},
                ":number": {"S": str(part)},
                ":one": {"N": "1"},
                ":disposed": {"N": str(disposed)},
                ":archived": {"N": str(archived)},
                ":bytes": {"N": str(bytes_reclaimed or 0)},
                ":throttles": {"N": str(throttles)},
                ":measured": {"BOOL": bytes_reclaimed is not None},
                **failed_values,
                **call_values,
            },
            ReturnValues="ALL_NEW",
        )
        return None if response is None else RunTally.from_item(response["Attributes"])

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
        """The run's totals if every part is tallied and nobody has reported it yet; None otherwise.

        A conditional update, so that of the workers finishing at the same time exactly one reports.
        """
        response = _conditional(
            self._client.update_item,
            TableName=self.name,
            Key={"pk": {"S": run_id}},
            UpdateExpression="SET reported = :yes",
            ConditionExpression="completed >= parts AND attribute_not_exists(reported)",
            ExpressionAttributeValues={":yes": {"BOOL": True}},
            ReturnValues="ALL_NEW",
        )
        return None if response is None else RunTally.from_item(response["Attributes"])
