"""A package's remembered publish times as the ledger stores them: one item, compact and compressed, read with
up to 99 other packages' in one BatchGetItem.

Item `memory#0` of the package's partition holds, for every version (at its revision) a run described,
`times` (binary): zlib of the JSON `[versions, revisions, steps]`, oldest first, each step the microseconds
since the one before (the first since 1970), so a time reads back exactly. Past 350 KB the bytes go on in
`memory#1`, `memory#2`, ..., each chunk tagged with its write's generation (ledger/chunked.py).

Whatever does not decode (a chunk missing or of another generation, bytes that do not inflate, a document
of another shape, an unknown format) raises DamagedMemory: a run then describes afresh and never uses a
time it cannot vouch for.
"""

import json
import zlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from disposer.ledger.chunked import DamagedMemory, DynamoDBClient, Family, chunk_items, read_blobs
from disposer.model.memory import RememberedTimes, TimesSource, VersionRevision

MEMORY_PREFIX = "memory#"
FORMAT = 1
TIMES = Family(prefix=MEMORY_PREFIX, attribute="times", format=FORMAT, what="times")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def memory_key(partition: str, chunk: int) -> dict[str, Any]:
    return TIMES.key(partition, chunk)


def _micros(moment: datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def encode(times: Mapping[VersionRevision, datetime]) -> bytes:
    ordered = sorted(times.items(), key=lambda entry: (entry[1], entry[0]))
    moments = [_micros(moment) for _, moment in ordered]
    steps = [moment - before for moment, before in zip(moments, [0, *moments[:-1]], strict=True)]
    document = [[version for (version, _), _ in ordered], [revision for (_, revision), _ in ordered], steps]
    return zlib.compress(json.dumps(document, separators=(",", ":")).encode(), 9)


def decode(blob: bytes) -> dict[VersionRevision, datetime]:
    try:
        versions, revisions, steps = json.loads(zlib.decompress(blob))
        if not all(isinstance(column, list) for column in (versions, revisions, steps)):
            raise ValueError("a column that is not a list")
        if not (len(versions) == len(revisions) == len(steps)):
            raise ValueError("columns of different lengths")
        times: dict[VersionRevision, datetime] = {}
        moment = 0
        for version, revision, step in zip(versions, revisions, steps, strict=True):
            if not (isinstance(version, str) and isinstance(revision, str) and type(step) is int):
                raise ValueError("an entry of another type")
            moment += step
            times[(version, revision)] = EPOCH + timedelta(microseconds=moment)
    except (zlib.error, ValueError, TypeError, OverflowError) as error:
        raise DamagedMemory(f"the stored times do not decode: {error!r}"[:300]) from error
    return times


def memory_items(partition: str, times: Mapping[VersionRevision, datetime], *, expires_at: int) -> list[dict[str, Any]]:
    """The items that store `times`, `memory#0` first."""
    return chunk_items(TIMES, partition, encode(times), expires_at=expires_at)


def read_memories(client: DynamoDBClient, table: str, partitions: Sequence[str]) -> dict[str, RememberedTimes]:
    """Each partition's remembered times (partitions no two alike): its `memory#0` 100 a request, then any
    further chunks the same way. Raises what the client raises for a request that fails."""
    read = read_blobs(client, table, TIMES, partitions)
    found: dict[str, RememberedTimes] = {}
    for partition in partitions:
        if partition in read.damaged:
            found[partition] = RememberedTimes({}, TimesSource.DAMAGED, read.damaged[partition])
        elif partition in read.unread:
            found[partition] = RememberedTimes({}, TimesSource.UNREAD, "DynamoDB left the read unprocessed")
        elif partition not in read.found:
            found[partition] = RememberedTimes({}, TimesSource.ABSENT)
        else:
            try:
                found[partition] = RememberedTimes(decode(read.found[partition]), TimesSource.STORED)
            except DamagedMemory as error:
                found[partition] = RememberedTimes({}, TimesSource.DAMAGED, str(error))
    return found
