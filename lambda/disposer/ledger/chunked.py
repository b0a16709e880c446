"""What the ledger remembers of a package, whatever it is (publish times, dependencies): compressed bytes in one
item of the package's partition, or in several past CHUNK_BYTES, read 100 packages a BatchGetItem.

A family of items (`memory#<n>`, `deps#<n>`) holds, in chunk 0 and on in order:

- the bytes under the family's attribute, cut every CHUNK_BYTES (DynamoDB refuses an item over 400 KB, its
  names and keys included);
- `chunks` (chunk 0 only): how many items the bytes take;
- `generation`: a random tag that every chunk of one write carries, so chunks of two writes never mix;
- `format`, and `expires_at` (TTL), on every chunk.

A memory that is not whole (a chunk missing or of another generation, a count out of bounds, an unknown
format) raises DamagedMemory: whoever reads it then reads afresh what it remembered, never a part of it.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from disposer.ledger.batch import batch_get

if TYPE_CHECKING:
    # Re-exported: the modules of each memory type their clients with it.
    from mypy_boto3_dynamodb import DynamoDBClient as DynamoDBClient
else:
    DynamoDBClient = Any

CHUNK_BYTES = 350_000
# 22 MB, far past what any package CodeArtifact holds could need: a count above it is damage, never a read that large.
MAX_CHUNKS = 64

Item = Mapping[str, Any]


class DamagedMemory(Exception):
    """A package's stored memory that does not decode."""


@dataclass(frozen=True, slots=True)
class Family:
    """One kind of memory: its sort key prefix, the attribute that holds its bytes, the format it is written in,
    and what it remembers (for the messages)."""

    prefix: str
    attribute: str
    format: int
    what: str

    def key(self, partition: str, chunk: int) -> dict[str, Any]:
        return {"pk": {"S": partition}, "sk": {"S": f"{self.prefix}{chunk}"}}


@dataclass
class Blobs:
    """What a batch read found of a family, by partition: whole bytes, why a memory is damaged, and partitions
    DynamoDB left unprocessed after every attempt. A partition in none of them has no memory."""

    found: dict[str, bytes] = field(default_factory=dict)
    damaged: dict[str, str] = field(default_factory=dict)
    unread: set[str] = field(default_factory=set)


def chunk_items(family: Family, partition: str, blob: bytes, *, expires_at: int) -> list[dict[str, Any]]:
    """The items that store `blob`, chunk 0 first."""
    pieces = [blob[start : start + CHUNK_BYTES] for start in range(0, len(blob), CHUNK_BYTES)]
    generation = uuid.uuid4().hex
    items = []
    for number, piece in enumerate(pieces):
        item = {
            **family.key(partition, number),
            "generation": {"S": generation},
            "format": {"N": str(family.format)},
            family.attribute: {"B": piece},
            "expires_at": {"N": str(expires_at)},
        }
        if number == 0:
            item["chunks"] = {"N": str(len(pieces))}
        items.append(item)
    return items


def chunk_count(family: Family, first: Item) -> int:
    """How many items a memory takes, from its chunk 0."""
    try:
        if int(first["format"]["N"]) != family.format:
            raise ValueError(f"format {first['format']['N']}, not {family.format}")
        count = int(first["chunks"]["N"])
    except (KeyError, TypeError, ValueError) as error:
        raise DamagedMemory(f"the stored {family.what} do not say how they are stored: {error!r}"[:300]) from error
    if not 1 <= count <= MAX_CHUNKS:
        raise DamagedMemory(f"the stored {family.what} say they take {count} items")
    return count


def assemble(family: Family, chunks: Sequence[Item | None]) -> bytes:
    """The bytes of one memory from its items in order (None where an item was not found)."""
    if not chunks or chunks[0] is None or chunk_count(family, chunks[0]) != len(chunks):
        raise DamagedMemory(f"the stored {family.what} are not whole")
    generation = chunks[0].get("generation")
    pieces = []
    for number, chunk in enumerate(chunks):
        if chunk is None or chunk.get("generation") != generation:
            raise DamagedMemory(f"chunk {number} of the stored {family.what} is missing or from another write")
        try:
            pieces.append(bytes(chunk[family.attribute]["B"]))
        except (KeyError, TypeError) as error:
            raise DamagedMemory(f"chunk {number} of the stored {family.what} has no bytes") from error
    return b"".join(pieces)


def read_blobs(client: DynamoDBClient, table: str, family: Family, partitions: Sequence[str]) -> Blobs:
    """Each partition's memory of `family` (partitions no two alike): chunk 0 100 a request, then any further
    chunks the same way. Raises what the client raises for a request that fails."""
    firsts, unread = batch_get(client, table, [family.key(partition, 0) for partition in partitions])
    read = Blobs()
    counts: dict[str, int] = {}
    for first in firsts:
        try:
            counts[first["pk"]["S"]] = chunk_count(family, first)
        except DamagedMemory as error:
            read.damaged[first["pk"]["S"]] = str(error)
    more = [family.key(partition, number) for partition, count in counts.items() for number in range(1, count)]
    rest, unread_rest = batch_get(client, table, more) if more else ([], [])
    chunk_of = {(item["pk"]["S"], item["sk"]["S"]): item for item in [*firsts, *rest]}
    read.unread = {key["pk"]["S"] for key in [*unread, *unread_rest]} - read.damaged.keys()
    for partition, count in counts.items():
        if partition in read.unread:
            continue
        try:
            chunks = [chunk_of.get((partition, f"{family.prefix}{n}")) for n in range(count)]
            read.found[partition] = assemble(family, chunks)
        except DamagedMemory as error:
            read.damaged[partition] = str(error)
    return read


def put_spanning(client: DynamoDBClient, table: str, memories: Iterable[Sequence[Item]]) -> None:
    """Put memories of several chunks chunk by chunk, chunk 0 last, as it names the others: a read in between
    finds two generations (damaged, never mixed). One PutItem a chunk: a chunk is near the size of a whole
    BatchWriteItem."""
    for items in memories:
        for item in [*items[1:], items[0]]:
            client.put_item(TableName=table, Item=item)
