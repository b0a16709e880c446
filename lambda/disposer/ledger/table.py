"""The ledger: one DynamoDB table for what the service must remember between runs.

Key design (partition key `pk`, sort key `sk`, TTL `expires_at`), one item family per use:

- `pk` `pkg#<domain>##<repo>#<format>#<namespace>#<package>` (the owner's segment always empty), `sk`
  `time#<version>#<revision>`:
  the version's publish time, as DescribePackageVersion gave it;
- the same package's partition, `sk` `quarantine#<policy>#<version>`: a version a policy archived
  (revision, status before, start, run, and when a run first saw it restored);
- `pk` `holds`, `sk` `hold#<hold id>`: one hold (it expires from the table a day after its `until`).

A package's remembered times and quarantine records share its partition, so one Query reads all a run
needs of a package; holds are at most 10,000 (safety/holds.py), and one Query reads them all. `#`
appears in none of the names
(CodeArtifact forbids it in versions, packages and namespaces; a revision comes last).
"""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from disposer.errors import LedgerError
from disposer.ledger.holds import (
    HOLDS_KEY,
    HoldEntry,
    decode_token,
    encode_token,
    hold_item,
    hold_key,
    in_force,
    read_entry,
)
from disposer.model.holds import Hold
from disposer.model.memory import PackageMemory, VersionRevision
from disposer.model.packages import PackageRef, PackageVersionStatus
from disposer.model.quarantine import QuarantineRecord

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

TIME_PREFIX = "time#"
QUARANTINE_PREFIX = "quarantine#"
# A quarantine record outlives any grace (365 days at most) by far; a restored one is remembered as long.
QUARANTINE_DAYS = 800
# A publish time not seen again for this long is forgotten (re-described at most once if it comes back).
REMEMBER_DAYS = 400
BATCH_WRITE_ITEMS = 25
BATCH_WRITE_ATTEMPTS = 5


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        raise LedgerError(f"the ledger table failed: {error}") from error


def package_key(ref: PackageRef) -> str:
    """A package's partition. The owner segment stays empty whether a policy names the domain's owner or not:
    a deployment manages one domain, so the owner names nothing more, and naming it must not move a
    package's records (a quarantine's start, a restore seen) to another partition."""
    return "#".join(("pkg", ref.domain, "", ref.repository, str(ref.format), ref.namespace or "", ref.package))


def legacy_package_key(ref: PackageRef) -> str | None:
    """The partition an earlier version wrote for a policy that named the owner (None: the same as today's).
    Still read, so that upgrading loses no quarantine record and no restore seen."""
    if not ref.domain_owner:
        return None
    return "#".join(
        ("pkg", ref.domain, ref.domain_owner, ref.repository, str(ref.format), ref.namespace or "", ref.package)
    )


class LedgerTable:
    """The ledger's DynamoDB table (see the module docstring for its items)."""

    def __init__(self, name: str, client: DynamoDBClient) -> None:
        self.name = name
        self._client = client

    def _package_items(self, key: str) -> Iterator[Mapping[str, Any]]:
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self.name,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": key}},
        )
        for page in pages:
            yield from page.get("Items", [])

    def publish_times(self, ref: PackageRef) -> dict[VersionRevision, datetime]:
        """Every publish time remembered for the package, by (version, revision): one Query."""
        return self.package_memory(ref, policy=None).times

    def package_memory(self, ref: PackageRef, policy: str | None) -> PackageMemory:
        """The package's remembered times and `policy`'s quarantine records: one Query of its partition (and,
        for a policy that names the owner, one of the partition an earlier version wrote; today's wins)."""
        memory = PackageMemory()
        quarantine = f"{QUARANTINE_PREFIX}{policy}#"
        legacy = legacy_package_key(ref) if policy is not None else None
        keys = [key for key in (legacy, package_key(ref)) if key is not None]
        with _translated():
            for item in (item for key in keys for item in self._package_items(key)):
                sk = item["sk"]["S"]
                if sk.startswith(TIME_PREFIX):
                    version, _, revision = sk.removeprefix(TIME_PREFIX).partition("#")
                    memory.times[(version, revision)] = datetime.fromtimestamp(float(item["published"]["N"]), UTC)
                elif policy is not None and sk.startswith(quarantine):
                    record = _quarantine_record(sk.removeprefix(quarantine), item)
                    memory.quarantine[record.version] = record
        return memory

    def record_quarantine(self, ref: PackageRef, policy: str, records: Sequence[QuarantineRecord]) -> None:
        """Remember versions `policy` archived (the start is the run's clock), 25 a call."""
        self._batch_put(
            [
                {
                    "pk": {"S": package_key(ref)},
                    "sk": {"S": f"{QUARANTINE_PREFIX}{policy}#{record.version}"},
                    "revision": {"S": record.revision},
                    "status_before": {"S": str(record.status_before)},
                    "since": {"N": repr(record.since.timestamp())},
                    "run_id": {"S": record.run_id},
                    "expires_at": {"N": str(int(record.since.timestamp()) + QUARANTINE_DAYS * 86400)},
                }
                for record in records
            ]
        )

    def mark_restored(self, ref: PackageRef, policy: str, version: str, seen: datetime) -> None:
        """Remember that a run saw the version restored: `policy` keeps it from then on (in the partition that
        holds its record: today's, or one an earlier version wrote)."""
        for key in (package_key(ref), legacy_package_key(ref)):
            if key is not None and self._mark_restored(key, policy, version, seen):
                return

    def _mark_restored(self, key: str, policy: str, version: str, seen: datetime) -> bool:
        """True if the record was in partition `key` (and is marked now)."""
        try:
            with _translated():
                self._client.update_item(
                    TableName=self.name,
                    Key={"pk": {"S": key}, "sk": {"S": f"{QUARANTINE_PREFIX}{policy}#{version}"}},
                    UpdateExpression="SET restored_at = if_not_exists(restored_at, :seen), expires_at = :expires",
                    ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeValues={
                        ":seen": {"N": repr(seen.timestamp())},
                        ":expires": {"N": str(int(seen.timestamp()) + QUARANTINE_DAYS * 86400)},
                    },
                )
        except LedgerError as error:
            cause = error.__cause__
            if isinstance(cause, ClientError) and cause.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # -- holds (ledger/holds.py) ------------------------------------------------------------------------

    def put_hold(self, hold: Hold) -> None:
        with _translated():
            self._client.put_item(
                TableName=self.name, Item=hold_item(hold), ConditionExpression="attribute_not_exists(pk)"
            )

    def holds(self, now: datetime) -> list[HoldEntry]:
        """Every hold still active at `now`, and every item that does not parse as one: one Query."""
        paginator = self._client.get_paginator("query")
        with _translated():
            pages = paginator.paginate(
                TableName=self.name,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": HOLDS_KEY}},
            )
            found = [read_entry(item) for page in pages for item in page.get("Items", [])]
        return in_force(found, now)

    def hold_page(self, now: datetime, *, limit: int, token: str | None) -> tuple[list[HoldEntry], str | None]:
        """One page of the holds partition (at most `limit` items, fewer once expired ones are left out), and
        the token of the next page (None: this was the last)."""
        start = {} if token is None else {"ExclusiveStartKey": decode_token(token)}
        with _translated():
            answer = self._client.query(
                TableName=self.name,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": HOLDS_KEY}},
                Limit=limit,
                **start,  # type: ignore[arg-type]
            )
        found = in_force([read_entry(item) for item in answer.get("Items", [])], now)
        return found, encode_token(answer.get("LastEvaluatedKey"))

    def get_hold(self, hold_id: str) -> HoldEntry | None:
        # A Query of the one key rather than GetItem: the functions' roles read the ledger by Query only.
        key = hold_key(hold_id)
        with _translated():
            answer = self._client.query(
                TableName=self.name,
                KeyConditionExpression="pk = :pk AND sk = :sk",
                ExpressionAttributeValues={":pk": key["pk"], ":sk": key["sk"]},
                ConsistentRead=True,
            )
        items = answer.get("Items", [])
        return read_entry(items[0]) if items else None

    def delete_hold(self, hold_id: str) -> HoldEntry | None:
        """Remove a hold (or an unreadable item); what was removed, or None if there was none by that id."""
        with _translated():
            answer = self._client.delete_item(TableName=self.name, Key=hold_key(hold_id), ReturnValues="ALL_OLD")
        old = answer.get("Attributes")
        return None if not old else read_entry(old)

    def remember_publish_times(self, ref: PackageRef, times: Mapping[VersionRevision, datetime], *, now: float) -> None:
        """Remember publish times (never changing for a version at a revision), 25 a call."""
        expires = str(int(now) + REMEMBER_DAYS * 86400)
        self._batch_put(
            [
                {
                    "pk": {"S": package_key(ref)},
                    "sk": {"S": f"{TIME_PREFIX}{version}#{revision}"},
                    "published": {"N": repr(published.timestamp())},
                    "expires_at": {"N": expires},
                }
                for (version, revision), published in times.items()
            ]
        )

    def _batch_put(self, items: Sequence[Mapping[str, Any]]) -> None:
        requests: list[Any] = [{"PutRequest": {"Item": item}} for item in items]
        for start in range(0, len(requests), BATCH_WRITE_ITEMS):
            pending = requests[start : start + BATCH_WRITE_ITEMS]
            for _ in range(BATCH_WRITE_ATTEMPTS):
                with _translated():
                    answer = self._client.batch_write_item(RequestItems={self.name: pending})
                pending = answer.get("UnprocessedItems", {}).get(self.name, [])
                if not pending:
                    break


def _quarantine_record(version: str, item: Mapping[str, Any]) -> QuarantineRecord:
    restored = item.get("restored_at")
    return QuarantineRecord(
        version=version,
        revision=item["revision"]["S"],
        status_before=PackageVersionStatus(item["status_before"]["S"]),
        since=datetime.fromtimestamp(float(item["since"]["N"]), UTC),
        run_id=item["run_id"]["S"],
        restored_at=None if restored is None else datetime.fromtimestamp(float(restored["N"]), UTC),
    )
