"""The ledger: one DynamoDB table for what the service must remember between runs.

Key design (partition key `pk`, sort key `sk`, TTL `expires_at`), one item family per use:

- `pk` `pkg#<domain>##<repo>#<format>#<namespace>#<package>` (the owner's segment always empty), `sk`
  `memory#0` (and `memory#1`, ... past 350 KB): every publish time runs described of the package's versions,
  by version and revision, compressed (ledger/memory.py). A run reads 100 packages' at a time
  (BatchGetItem) and writes a package's again when it learns a time;
- the same partition, `sk` `deps#0` (and on): the dependencies runs read of the package's versions, by version
  and revision, compressed (ledger/dependencies.py), read and written like the publish times;
- the same partition, `sk` `time#<version>#<revision>`: one publish time, as earlier versions stored them.
  Read only for a package without `memory#0`, which the run then writes; these expire on their own;
- the same partition, `sk` `quarantine#<policy>#<version>`: a version a policy archived (revision, status
  before, start, run, and when a run first saw it restored), one readable item per version, read with
  one Query per package by a policy that quarantines;
- `pk` `holds`, `sk` `hold#<hold id>`: one hold (it expires from the table a day after its `until`);
- downloads (`usage#<package partition>`, one item per version) and the trail's coverage: ledger/usage.py.

Holds are at most 10,000 (safety/holds.py), and one Query reads them all. `#` appears in none of the names
(CodeArtifact forbids it in versions, packages and namespaces; a revision comes last).
"""

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import ClientError

from disposer.errors import LedgerError
from disposer.ledger.batch import batch_put
from disposer.ledger.chunked import put_spanning
from disposer.ledger.dependencies import RememberedDependencies, dependency_items, read_dependencies
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
from disposer.ledger.memory import memory_items, read_memories
from disposer.ledger.quarantine import QUARANTINE_PREFIX, expiry, read_record, record_item, record_key
from disposer.ledger.translated import translated
from disposer.ledger.usage import COVERAGE_KEY, coverage_range, read_covered, read_download, usage_partition
from disposer.model.dependencies import Dependency
from disposer.model.holds import Hold
from disposer.model.memory import RememberedTimes, TimesSource, VersionRevision
from disposer.model.packages import PackageRef
from disposer.model.quarantine import QuarantineRecord
from disposer.model.usage import Covered, Download

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

T = TypeVar("T")
TIME_PREFIX = "time#"
# A package's times not written again for this long are forgotten (each described again at most once).
REMEMBER_DAYS = 400


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

    def _query(self, key: str, prefix: str | None) -> Iterator[Mapping[str, Any]]:
        """The items of partition `key` whose sort key starts with `prefix` (None: all), page after page."""
        paginator = self._client.get_paginator("query")
        condition, values = "pk = :pk", {":pk": {"S": key}}
        if prefix is not None:
            condition, values = f"{condition} AND begins_with(sk, :prefix)", {**values, ":prefix": {"S": prefix}}
        pages = paginator.paginate(
            TableName=self.name, KeyConditionExpression=condition, ExpressionAttributeValues=values
        )
        for page in pages:
            yield from page.get("Items", [])

    def remembered_times(self, refs: Sequence[PackageRef]) -> dict[PackageRef, RememberedTimes]:
        """What is remembered of each package's publish times: 100 packages a BatchGetItem (a memory past 350 KB
        takes a key per further chunk). LedgerError if the table cannot be read at all."""
        partitions = {ref: package_key(ref) for ref in refs}
        with translated():
            found = read_memories(self._client, self.name, sorted(set(partitions.values())))
        return {ref: found[partition] for ref, partition in partitions.items()}

    def earlier_times(self, ref: PackageRef) -> RememberedTimes:
        """The publish times earlier versions stored for the package, one item per time: one Query. An item
        that does not parse is left out (its version is described again)."""
        times: dict[VersionRevision, datetime] = {}
        with translated():
            for item in self._query(package_key(ref), TIME_PREFIX):
                version, _, revision = str(item["sk"]["S"]).removeprefix(TIME_PREFIX).partition("#")
                try:
                    times[(version, revision)] = datetime.fromtimestamp(float(item["published"]["N"]), UTC)
                except (KeyError, TypeError, ValueError, OverflowError):
                    continue
        return RememberedTimes(times, TimesSource.EARLIER_LAYOUT)

    def store_publish_times(
        self, memories: Mapping[PackageRef, Mapping[VersionRevision, datetime]], *, now: float
    ) -> None:
        """Store packages' remembered publish times, each in place of what was stored: 25 packages a BatchWriteItem."""
        expires = int(now) + REMEMBER_DAYS * 86400
        self._store({key: memory_items(key, times, expires_at=expires) for key, times in _keyed(memories).items()})

    def remembered_dependencies(
        self, refs: Sequence[PackageRef]
    ) -> dict[PackageRef, dict[VersionRevision, tuple[Dependency, ...]]]:
        """What is remembered of each package's versions' dependencies, by (version, revision): 100 packages a
        BatchGetItem. A package with none stored, or whose memory is damaged or left unprocessed, has none.
        LedgerError if the table cannot be read at all."""
        partitions = {ref: package_key(ref) for ref in refs}
        with translated():
            found = read_dependencies(self._client, self.name, sorted(set(partitions.values())))
        return {ref: found.get(partition, {}) for ref, partition in partitions.items()}

    def store_dependencies(self, memories: Mapping[PackageRef, RememberedDependencies], *, now: float) -> None:
        """Store packages' remembered dependencies, each in place of what was stored: 25 packages a BatchWriteItem."""
        expires = int(now) + REMEMBER_DAYS * 86400
        self._store({key: dependency_items(key, deps, expires_at=expires) for key, deps in _keyed(memories).items()})

    def _store(self, stored: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        """Put each package's memory items: one of a single item in batches; one of several chunks chunk by chunk,
        the first last (ledger/chunked.py)."""
        with translated():
            put_spanning(self._client, self.name, [items for items in stored.values() if len(items) > 1])
        self._batch_put([items[0] for items in stored.values() if len(items) == 1])

    def quarantine_records(self, ref: PackageRef, policy: str) -> dict[str, QuarantineRecord]:
        """`policy`'s quarantine records of the package, by version: one Query of its partition (and, for a policy
        that names the owner, one of the partition an earlier version wrote; today's wins)."""
        prefix = f"{QUARANTINE_PREFIX}{policy}#"
        records: dict[str, QuarantineRecord] = {}
        with translated():
            for key in (legacy_package_key(ref), package_key(ref)):
                for item in self._query(key, prefix) if key is not None else ():
                    record = read_record(str(item["sk"]["S"]).removeprefix(prefix), item)
                    records[record.version] = record
        return records

    def record_quarantine(self, ref: PackageRef, policy: str, records: Sequence[QuarantineRecord]) -> None:
        """Remember versions `policy` archived (the start is the run's clock), 25 a call."""
        self._batch_put([record_item(package_key(ref), policy, record) for record in records])

    def mark_restored(self, ref: PackageRef, policy: str, version: str, seen: datetime) -> None:
        """Remember that a run saw the version restored: `policy` keeps it from then on (in the partition that
        holds its record: today's, or one an earlier version wrote)."""
        for key in (package_key(ref), legacy_package_key(ref)):
            if key is not None and self._mark_restored(key, policy, version, seen):
                return

    def _mark_restored(self, key: str, policy: str, version: str, seen: datetime) -> bool:
        """True if the record was in partition `key` (and is marked now)."""
        try:
            with translated():
                self._client.update_item(
                    TableName=self.name,
                    Key=record_key(key, policy, version),
                    UpdateExpression="SET restored_at = if_not_exists(restored_at, :seen), expires_at = :expires",
                    ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeValues={
                        ":seen": {"N": repr(seen.timestamp())},
                        ":expires": {"N": str(expiry(seen))},
                    },
                )
        except LedgerError as error:
            cause = error.__cause__
            if isinstance(cause, ClientError) and cause.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # -- usage (ledger/usage.py) ------------------------------------------------------------------------

    def downloads(self, ref: PackageRef) -> dict[str, Download]:
        """The latest download the recorder saw of each of the package's versions: one Query."""
        found: dict[str, Download] = {}
        with translated():
            for item in self._query(usage_partition(package_key(ref)), None):
                read = read_download(item)
                if read is not None:
                    found[read[0]] = read[1]
        return found

    def covered(self, start: datetime, end: datetime) -> list[Covered]:
        """The covered stretches that can overlap [start, end]: one Query of the coverage partition (about 8,760
        items for a year of hourly digests, two or three pages)."""
        low, high = coverage_range(start, end)
        paginator = self._client.get_paginator("query")
        with translated():
            pages = paginator.paginate(
                TableName=self.name,
                KeyConditionExpression="pk = :pk AND sk BETWEEN :low AND :high",
                ExpressionAttributeValues={":pk": {"S": COVERAGE_KEY}, ":low": {"S": low}, ":high": {"S": high}},
            )
            items = [item for page in pages for item in page.get("Items", [])]
        return [stretch for stretch in map(read_covered, items) if stretch is not None]

    # -- holds (ledger/holds.py) ------------------------------------------------------------------------

    def put_hold(self, hold: Hold) -> None:
        with translated():
            self._client.put_item(
                TableName=self.name, Item=hold_item(hold), ConditionExpression="attribute_not_exists(pk)"
            )

    def holds(self, now: datetime) -> list[HoldEntry]:
        """Every hold still active at `now`, and every item that does not parse as one: one Query."""
        paginator = self._client.get_paginator("query")
        with translated():
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
        with translated():
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
        # A Query of the one key rather than GetItem: the functions' roles read single items by Query only.
        key = hold_key(hold_id)
        with translated():
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
        with translated():
            answer = self._client.delete_item(TableName=self.name, Key=hold_key(hold_id), ReturnValues="ALL_OLD")
        old = answer.get("Attributes")
        return None if not old else read_entry(old)

    def _batch_put(self, items: Sequence[Mapping[str, Any]]) -> None:
        with translated():
            left = batch_put(self._client, self.name, items)
        if left:
            raise LedgerError(f"the ledger table left {left} of {len(items)} items unwritten after every attempt")


def _keyed(memories: Mapping[PackageRef, T]) -> dict[str, T]:
    return {package_key(ref): memory for ref, memory in memories.items()}
