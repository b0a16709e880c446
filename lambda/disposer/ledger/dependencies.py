"""A package's remembered dependencies as the ledger stores them: compact and compressed, read with up to 99 other
packages' in one BatchGetItem, beside the package's publish times in its partition.

Item `deps#0` holds, for every version (at its revision) whose dependencies a run read, `dependencies`
(binary): zlib of the JSON `[versions, revisions, table, lists]`. `table` holds each distinct dependency
once, `[namespace, package, dependencyType, versionRequirement]` (null where CodeArtifact gives none), and
`lists[i]` is version i's dependencies in CodeArtifact's order, as places in `table`: a package's versions
mostly repeat one another's dependencies, so each is written once. Past 350 KB the bytes go on in
`deps#1`, `deps#2`, ..., each chunk tagged with its write's generation (ledger/chunked.py).

Dependencies never change for a (version, revision), so what is remembered is used only for a version
listed at that revision. Whatever does not decode is as if nothing were remembered: the run reads the
package's dependencies again and writes them anew.
"""

import json
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

from disposer.ledger.chunked import DamagedMemory, DynamoDBClient, Family, chunk_items, read_blobs
from disposer.model.dependencies import Dependency
from disposer.model.memory import VersionRevision
from disposer.observability import logger

DEPENDENCIES_PREFIX = "deps#"
FORMAT = 1
DEPENDENCIES = Family(prefix=DEPENDENCIES_PREFIX, attribute="dependencies", format=FORMAT, what="dependencies")

RememberedDependencies = Mapping[VersionRevision, tuple[Dependency, ...]]


def dependencies_key(partition: str, chunk: int) -> dict[str, Any]:
    return DEPENDENCIES.key(partition, chunk)


def encode(memory: RememberedDependencies) -> bytes:
    entries = sorted(memory.items(), key=lambda entry: entry[0])
    places: dict[Dependency, int] = {}
    lists = [[places.setdefault(dependency, len(places)) for dependency in found] for _, found in entries]
    table = [[d.namespace, d.package, d.dependency_type, d.requirement] for d in places]
    document = [[version for (version, _), _ in entries], [revision for (_, revision), _ in entries], table, lists]
    # Text as it is (not \u-escaped), and any lone surrogate kept: json.loads reads bytes back the same way.
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 9)


def _optional_text(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError("a dependency field that is not text")
    return value


def _dependency(entry: Any) -> Dependency:
    namespace, package, dependency_type, requirement = entry
    if not (isinstance(package, str) and package):
        raise ValueError("a dependency without a package name")
    return Dependency(_optional_text(namespace), package, _optional_text(dependency_type), _optional_text(requirement))


def _places(indices: Any, size: int) -> list[int]:
    if not (isinstance(indices, list) and all(type(i) is int and 0 <= i < size for i in indices)):
        raise ValueError("a version's dependencies that are not places in the table")
    return indices


def decode(blob: bytes) -> dict[VersionRevision, tuple[Dependency, ...]]:
    try:
        versions, revisions, table, lists = json.loads(zlib.decompress(blob))
        if not all(isinstance(column, list) for column in (versions, revisions, table, lists)):
            raise ValueError("a column that is not a list")
        if not (len(versions) == len(revisions) == len(lists)):
            raise ValueError("columns of different lengths")
        known = [_dependency(entry) for entry in table]
        memory: dict[VersionRevision, tuple[Dependency, ...]] = {}
        for version, revision, indices in zip(versions, revisions, lists, strict=True):
            if not (isinstance(version, str) and isinstance(revision, str)):
                raise ValueError("a version or revision that is not text")
            memory[(version, revision)] = tuple(known[i] for i in _places(indices, len(known)))
    except (zlib.error, ValueError, TypeError, RecursionError) as error:
        raise DamagedMemory(f"the stored dependencies do not decode: {error!r}"[:300]) from error
    return memory


def dependency_items(partition: str, memory: RememberedDependencies, *, expires_at: int) -> list[dict[str, Any]]:
    """The items that store `memory`, `deps#0` first."""
    return chunk_items(DEPENDENCIES, partition, encode(memory), expires_at=expires_at)


def read_dependencies(
    client: DynamoDBClient, table: str, partitions: Sequence[str]
) -> dict[str, dict[VersionRevision, tuple[Dependency, ...]]]:
    """Each partition's remembered dependencies (partitions no two alike; one that has none, or whose memory is
    damaged or left unprocessed, is left out): `deps#0` 100 a request, then any further chunks the same way.
    Raises what the client raises for a request that fails."""
    read = read_blobs(client, table, DEPENDENCIES, partitions)
    found: dict[str, dict[VersionRevision, tuple[Dependency, ...]]] = {}
    damaged = dict(read.damaged)
    for partition, blob in read.found.items():
        try:
            found[partition] = decode(blob)
        except DamagedMemory as error:
            damaged[partition] = str(error)
    for partition, problem in sorted(damaged.items()):
        logger.warning("remembered dependencies not used", partition=partition, problem=problem)
    if read.unread:
        logger.warning("remembered dependencies not read: DynamoDB left them unprocessed", packages=len(read.unread))
    return found
