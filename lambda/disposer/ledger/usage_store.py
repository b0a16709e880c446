"""The recorder's writes to the ledger: downloads, which only move forward, and the trail's coverage (the items of
ledger/usage.py).

A log file counts toward its digest's `pending` exactly once, whichever of the two is processed first, however
often either is replayed, and even when a process dies between two of its writes:
- the file's item (`trailfile#<key>`) is marked by each side in one UpdateItem: `processed` by the log file,
  `digest` (the set of the coverage items of the digests that list it) by the digest. Updates of one item
  are serialized, so whichever side marks second sees both marks and counts the file;
- counting is one conditional UpdateItem of the digest's item: the file's id leaves its `waiting` set and
  `pending` drops by one, only if the id was still waiting. Both sides may try (a race, a replay, a retry
  after a crash between the mark and the count): the condition lets exactly one through;
- the digest's item is created, if absent, with every listed file waiting, before any file is marked with
  it: a mark always names an item that exists. `waiting` empties as `pending` reaches 0 (DynamoDB drops an
  empty set), so a covered stretch is as small as the layout says.
"""

import hashlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from disposer import clock
from disposer.errors import LedgerError
from disposer.ledger.table import package_key
from disposer.ledger.translated import translated
from disposer.ledger.usage import (
    BACKFILL_SOURCE,
    COVERAGE_KEY,
    DIGEST_SOURCE,
    TRAIL_FILE_PREFIX,
    TRAIL_FILE_SORT,
    USAGE_DAYS,
    stamp,
    usage_key,
)
from disposer.model.packages import PackageRef
from disposer.model.usage import Download

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

KEEP_SECONDS = USAGE_DAYS * 86400
BACKFILL_HOUR = timedelta(hours=1)
# Listed files marked at once by one digest (each mark is one small UpdateItem).
DIGEST_THREADS = 8


def file_id(key: str) -> str:
    """A log file's id in its digest's `waiting` set: short, so a digest of thousands of files stays small."""
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def digest_sort_key(key: str, start: datetime) -> str:
    return f"{stamp(start)}#{DIGEST_SOURCE}#{key}"


def _number(value: float) -> dict[str, str]:
    return {"N": repr(value) if isinstance(value, float) else str(value)}


class UsageTable:
    """The ledger table as the usage recorder writes it (ports.UsageStore)."""

    def __init__(self, name: str, client: DynamoDBClient, *, threads: int = DIGEST_THREADS) -> None:
        self.name = name
        self._client = client
        self._threads = threads

    def _conditional(self, call: Callable[..., Any], **request: Any) -> Mapping[str, Any] | None:
        """The answer of a conditional write, or None if its condition failed."""
        try:
            with translated():
                answer: Mapping[str, Any] = call(TableName=self.name, **request)
        except LedgerError as error:
            cause = error.__cause__
            if isinstance(cause, ClientError) and cause.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise
        return answer

    def record_download(self, ref: PackageRef, version: str, download: Download) -> bool:
        """Remember `download` if it is later than the version's last one; True if it was (a replay: False)."""
        at = download.at.timestamp()
        values = {":at": _number(at), ":expires": _number(int(at) + KEEP_SECONDS)}
        update = "SET #at = :at, #expires = :expires"
        if download.principal is None:
            update += " REMOVE #principal"
        else:
            update += ", #principal = :principal"
            values[":principal"] = {"S": download.principal}
        answer = self._conditional(
            self._client.update_item,
            Key=usage_key(package_key(ref), version),
            UpdateExpression=update,
            ConditionExpression="attribute_not_exists(#at) OR #at < :at",
            ExpressionAttributeNames={"#at": "at", "#expires": "expires_at", "#principal": "principal"},
            ExpressionAttributeValues=values,
        )
        return answer is not None

    def log_file_processed(self, key: str) -> None:
        """A log file was read whole: it counts toward the digest(s) that list it, once."""
        marked = self._mark(key, "processed", "SET #mark = :value, #expires = :expires", {"BOOL": True})
        for digest in marked.get("digest", {}).get("SS", []):
            self._count(digest, key)

    def digest_processed(self, key: str, start: datetime, end: datetime, listed: Sequence[str]) -> None:
        """A digest file was read: [start, end) is covered once every log file it lists is processed."""
        sort_key = digest_sort_key(key, start)
        files = list(dict.fromkeys(listed))
        waiting = sorted({file_id(file) for file in files})
        item: dict[str, Any] = {
            "pk": {"S": COVERAGE_KEY},
            "sk": {"S": sort_key},
            "start": _number(start.timestamp()),
            "end": _number(end.timestamp()),
            "pending": _number(len(waiting)),
            "expires_at": _number(int(end.timestamp()) + KEEP_SECONDS),
        }
        if waiting:
            item["waiting"] = {"SS": waiting}
        # Created once: a replayed digest finds it, with what has been counted since.
        self._conditional(self._client.put_item, Item=item, ConditionExpression="attribute_not_exists(pk)")
        with ThreadPoolExecutor(max_workers=self._threads) as pool:
            list(pool.map(lambda file: self._listed(sort_key, file), files))

    def hour_backfilled(self, start: datetime) -> None:
        """Every event of the hour from `start` was read by a backfill: that hour is covered."""
        end = start + BACKFILL_HOUR
        item = {
            "pk": {"S": COVERAGE_KEY},
            "sk": {"S": f"{stamp(start)}#{BACKFILL_SOURCE}"},
            "start": _number(start.timestamp()),
            "end": _number(end.timestamp()),
            "pending": _number(0),
            "expires_at": _number(int(end.timestamp()) + KEEP_SECONDS),
        }
        with translated():
            self._client.put_item(TableName=self.name, Item=item)

    def _listed(self, digest: str, key: str) -> None:
        marked = self._mark(key, "digest", "ADD #mark :value SET #expires = :expires", {"SS": [digest]})
        if marked.get("processed", {}).get("BOOL"):
            self._count(digest, key)

    def _mark(self, key: str, mark: str, update: str, value: Mapping[str, Any]) -> Mapping[str, Any]:
        """Mark the file's item (`update` names the attribute `#mark` and its value `:value`, and sets `#expires`);
        the item after the mark."""
        # Kept as long as the coverage it feeds: a digest or a file delivered again later finds its marks.
        expires = int(clock.now().timestamp()) + KEEP_SECONDS
        with translated():
            answer = self._client.update_item(
                TableName=self.name,
                Key={"pk": {"S": f"{TRAIL_FILE_PREFIX}{key}"}, "sk": {"S": TRAIL_FILE_SORT}},
                UpdateExpression=update,
                ExpressionAttributeNames={"#mark": mark, "#expires": "expires_at"},
                ExpressionAttributeValues={":value": value, ":expires": _number(expires)},
                ReturnValues="ALL_NEW",
            )
        return answer.get("Attributes", {})

    def _count(self, digest: str, key: str) -> None:
        """The file counts toward the digest: once, whoever asks and however often."""
        self._conditional(
            self._client.update_item,
            Key={"pk": {"S": COVERAGE_KEY}, "sk": {"S": digest}},
            UpdateExpression="SET #pending = #pending - :one DELETE #waiting :file",
            ConditionExpression="contains(#waiting, :id)",
            ExpressionAttributeNames={"#pending": "pending", "#waiting": "waiting"},
            ExpressionAttributeValues={":one": _number(1), ":file": {"SS": [file_id(key)]}, ":id": {"S": file_id(key)}},
        )
