"""The DynamoDB run table of fanned-out runs: what to expect, running totals, who reports (see fanout.py)."""

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
    """A finished run's totals, as the last worker reads them."""

    run_id: str
    policy: str
    trigger: str
    planned: int
    kept: int
    parts: int
    disposed: int
    failed: Counter[str]
    bytes_reclaimed: int | None
    throttles: int
    started_at: float


class RunTable:
    """The DynamoDB run table: key `pk` (the run id, or `<run id>#part#<n>` for a finished message)."""

    def __init__(self, name: str, client: DynamoDBClient | None = None) -> None:
        self.name = name
        self._client = client or boto3.client("dynamodb")

    def start(
        self, *, run_id: str, policy: str, trigger: str, planned: int, kept: int, parts: int, started_at: float
    ) -> bool:
        """Record a dispatched run; False if this run id was already dispatched (a duplicate event)."""
        item: dict[str, Any] = {
            "pk": {"S": run_id},
            "policy": {"S": policy},
            "trigger": {"S": trigger},
            "planned": {"N": str(planned)},
            "kept": {"N": str(kept)},
            "parts": {"N": str(parts)},
            "completed": {"N": "0"},
            "disposed": {"N": "0"},
            "failed": {"M": {}},
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

    def is_tallied(self, run_id: str, part: int) -> bool:
        """Whether a message was already applied and tallied (SQS delivers at least once)."""
        response = self._client.get_item(
            TableName=self.name, Key={"pk": {"S": f"{run_id}#part#{part}"}}, ConsistentRead=True
        )
        return "Item" in response

    def finish_part(
        self,
        *,
        run_id: str,
        part: int,
        disposed: int,
        failed: Mapping[str, int],
        bytes_reclaimed: int | None,
        throttles: int,
        expires_at: int,
    ) -> bool:
        """Tally one finished message, once; False if it had already been tallied (a redelivery)."""
        names = {"#f": "failed", **{f"#c{i}": code for i, code in enumerate(failed)}}
        values: dict[str, Any] = {
            ":one": {"N": "1"},
            ":disposed": {"N": str(disposed)},
            ":bytes": {"N": str(bytes_reclaimed or 0)},
            ":throttles": {"N": str(throttles)},
            ":measured": {"BOOL": bytes_reclaimed is not None},
            **{f":c{i}": {"N": str(count)} for i, count in enumerate(failed.values())},
        }
        additions = ", ".join(f"#f.#c{i} :c{i}" for i in range(len(failed)))
        update = "ADD completed :one, disposed :disposed, bytes :bytes, throttles :throttles" + (
            f", {additions}" if additions else ""
        )
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.name,
                            "Item": {"pk": {"S": f"{run_id}#part#{part}"}, "expires_at": {"N": str(expires_at)}},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.name,
                            "Key": {"pk": {"S": run_id}},
                            "UpdateExpression": f"{update} SET measured = :measured",
                            "ExpressionAttributeNames": names if additions else {"#f": "failed"},
                            "ExpressionAttributeValues": values,
                            "ConditionExpression": "attribute_exists(pk) AND attribute_exists(#f)",
                        }
                    },
                ]
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "TransactionCanceledException":
                reasons = error.response.get("CancellationReasons", [])
                if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                    return False
            raise
        return True

    def claim_report(self, run_id: str) -> RunTally | None:
        """The run's totals if every message is tallied and nobody has reported it yet; None otherwise.

        A conditional update, so that of the workers finishing at the same time exactly one reports.
        """
        try:
            response = self._client.update_item(
                TableName=self.name,
                Key={"pk": {"S": run_id}},
                UpdateExpression="SET reported = :yes",
                ConditionExpression="completed = parts AND attribute_not_exists(reported)",
                ExpressionAttributeValues={":yes": {"BOOL": True}},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise
        item = response["Attributes"]
        return RunTally(
            run_id=run_id,
            policy=item["policy"]["S"],
            trigger=item["trigger"]["S"],
            planned=int(item["planned"]["N"]),
            kept=int(item["kept"]["N"]),
            parts=int(item["parts"]["N"]),
            disposed=int(item["disposed"]["N"]),
            failed=Counter({code: int(value["N"]) for code, value in item["failed"]["M"].items()}),
            bytes_reclaimed=int(item["bytes"]["N"]) if item["measured"]["BOOL"] else None,
            throttles=int(item["throttles"]["N"]),
            started_at=float(Decimal(item["started_at"]["N"])),
        )
