"""A package's remembered publish times as the ledger stores them: one item, compact and compressed, read with
up to 99 other packages' in one BatchGetItem.

Item `memory#0` of the package's partition holds, for every version (at its revision) a run described:

- `times` (binary): zlib of the JSON `[versions, revisions, steps]`, oldest first, each step the microseconds
  since the one before (the first since 1970), so a time reads back exactly;
- `chunks`: how many items the bytes take. Past CHUNK_BYTES (DynamoDB refuses an item over 400 KB, its
  names and keys included) they go on in `memory#1`, `memory#2`, ... in order;
- `generation`: a random tag that every chunk of one write carries, so chunks of two writes never mix;
- `format`, and `expires_at` (TTL), on every chunk.

Whatever does not decode (a chunk missing or of another generation, bytes that do not inflate, a document
of another shape, an unknown format) raises DamagedMemory: a run then describes afresh and never uses a
time it cannot vouch for.
"""

import json
import uuid
import zlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from disposer.ledger.batch import batch_get
from disposer.model.memory import RememberedTimes, TimesSource, VersionRevision

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

MEMORY_PREFIX = "memory#"
FORMAT = 1
CHUNK_BYTES = 350_000
# 22 MB of times, far past any package CodeArtifact holds: a count above it is damage, never a read that large.
MAX_CHUNKS = 64
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Item = Mapping[str, Any]


class DamagedMemory(Exception):
    """A package's stored memory that does not decode."""


def memory_key(partition: str, chunk: int) -> dict[str, Any]:
    return {"pk": {"S": partition}, "sk": {"S": f"{MEMORY_PREFIX}{chunk}"}}


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
    blob = encode(times)
    pieces = [blob[start : start + CHUNK_BYTES] for start in range(0, len(blob), CHUNK_BYTES)]
    generation = uuid.uuid4().hex
    items = []
    for number, piece in enumerate(pieces):
        item = {
            **memory_key(partition, number),
            "generation": {"S": generation},
            "format": {"N": str(FORMAT)},
            "times": {"B": piece},
            "expires_at": {"N": str(expires_at)},
        }
        if number == 0:
            item["chunks"] = {"N": str(len(pieces))}
        items.append(item)
    return items


def chunk_count(first: Item) -> int:
    """How many items a memory takes, from its `memory#0`."""
    try:
        if int(first["format"]["N"]) != FORMAT:
            raise ValueError(f"format {first['format']['N']}, not {FORMAT}")
        count = int(first["chunks"]["N"])
    except (KeyError, TypeError, ValueError) as error:
        raise DamagedMemory(f"the stored times do not say how they are stored: {error!r}"[:300]) from error
    if not 1 <= count <= MAX_CHUNKS:
        raise DamagedMemory(f"the stored times say they take {count} items")
    return count


def assemble(chunks: Sequence[Item | None]) -> dict[VersionRevision, datetime]:
    """The times of one memory from its items in order (None where an item was not found)."""
    if not chunks or chunks[0] is None or chunk_count(chunks[0]) != len(chunks):
        raise DamagedMemory("the stored times are not whole")
    generation = chunks[0].get("generation")
    pieces = []
    for number, chunk in enumerate(chunks):
        if chunk is None or chunk.get("generation") != generation:
            raise DamagedMemory(f"chunk {number} of the stored times is missing or from another write")
        try:
            pieces.append(bytes(chunk["times"]["B"]))
        except (KeyError, TypeError) as error:
            raise DamagedMemory(f"chunk {number} of the stored times has no bytes") from error
    return decode(b"".join(pieces))


def read_memories(client: DynamoDBClient, table: str, partitions: Sequence[str]) -> dict[str, RememberedTimes]:
    """Each partition's remembered times (partitions no two alike): its `memory#0` 100 a request, then any
    further chunks the same way. Raises what the client raises for a request that fails."""
    firsts, unread = batch_get(client, table, [memory_key(partition, 0) for partition in partitions])
    found: dict[str, RememberedTimes] = {}
    counts: dict[str, int] = {}
    for first in firsts:
        try:
            counts[first["pk"]["S"]] = chunk_count(first)
        except DamagedMemory as error:
            found[first["pk"]["S"]] = RememberedTimes({}, TimesSource.DAMAGED, str(error))
    more = [memory_key(partition, number) for partition, count in counts.items() for number in range(1, count)]
    rest, unread_rest = batch_get(client, table, more) if more else ([], [])
    chunk_of = {(item["pk"]["S"], item["sk"]["S"]): item for item in [*firsts, *rest]}
    not_read = {key["pk"]["S"] for key in [*unread, *unread_rest]}
    for partition in partitions:
        if partition in found:
            continue
        if partition in not_read:
            found[partition] = RememberedTimes({}, TimesSource.UNREAD, "DynamoDB left the read unprocessed")
        elif partition not in counts:
            found[partition] = RememberedTimes({}, TimesSource.ABSENT)
        else:
            chunks = [chunk_of.get((partition, f"{MEMORY_PREFIX}{n}")) for n in range(counts[partition])]
            try:
                found[partition] = RememberedTimes(assemble(chunks), TimesSource.STORED)
            except DamagedMemory as error:
                found[partition] = RememberedTimes({}, TimesSource.DAMAGED, str(error))
    return found
