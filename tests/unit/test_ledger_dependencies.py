"""The ledger's remembered dependencies (one compressed item per package beside its publish times, read 100 packages
a request, written 25 a request, in chunks past 350 KB): every dependency reads back exactly, and a memory that
does not decode is as if none were stored. DynamoDB is moto's in-process mock."""

import json
import random
import zlib
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from disposer.ledger import chunked
from disposer.ledger.chunked import DamagedMemory
from disposer.ledger.dependencies import decode, dependencies_key, encode
from disposer.ledger.table import LedgerTable, package_key
from disposer.model.dependencies import Dependency
from disposer.model.packages import PackageFormat, PackageRef
from tests.builders import NOW, REF
from tests.support import dynamodb_requests

OTHER = PackageRef("acme", None, "releases", PackageFormat.NPM, None, "left-pad")
UI_KIT = Dependency("acme", "ui-kit", "regular", "^1.2.0")
LEFT_PAD = Dependency(None, "left-pad", None, "1.3.0")
PARENT = Dependency("com.acme", "parent", "parent", None)
DETERMINISTIC = settings(max_examples=300, derandomize=True, deadline=None)

# Any text, lone surrogates and control characters included: what CodeArtifact returns is not ours to limit.
odd_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=12)
dependencies = st.builds(
    Dependency,
    namespace=st.none() | odd_text,
    package=odd_text.filter(bool),
    dependency_type=st.none() | odd_text,
    requirement=st.none() | odd_text,
)
memories = st.dictionaries(st.tuples(odd_text, odd_text), st.lists(dependencies, max_size=6).map(tuple), max_size=8)


def _packages(count: int) -> list[PackageRef]:
    return [PackageRef("acme", None, "releases", PackageFormat.NPM, None, f"pkg-{i:04d}") for i in range(count)]


def _requests(table: LedgerTable) -> Counter[str]:
    return dynamodb_requests(table._client)  # noqa: SLF001 - the same mock


def _item(table: LedgerTable, chunk: int, ref: PackageRef = REF) -> dict[str, Any]:
    key = dependencies_key(package_key(ref), chunk)
    item: dict[str, Any] = table._client.get_item(TableName=table.name, Key=key)["Item"]  # noqa: SLF001
    return item


def _put(table: LedgerTable, item: dict[str, Any]) -> None:
    table._client.put_item(TableName=table.name, Item=item)  # noqa: SLF001 - the same mock


@DETERMINISTIC
@given(memories)
def test_dependencies_codec_reads_back_every_field_exactly(memory: dict[tuple[str, str], tuple[Dependency, ...]]):
    # Namespaces, types and requirements that are None stay None, never "" or "None"; order and repeats are kept.
    assert decode(encode(memory)) == memory


def test_dependencies_codec_writes_a_dependency_many_versions_share_once():
    # GIVEN 500 versions that each declare the same 20 dependencies
    shared = tuple(Dependency(None, f"dep-{i:02d}", "regular", f"^{i}.0.0") for i in range(20))
    memory = {(f"1.0.{i}", f"rev-{i:04d}"): shared for i in range(500)}
    # WHEN encoded / THEN the table holds each dependency once, the versions only its places
    _, _, table, lists = json.loads(zlib.decompress(encode(memory)))
    assert len(table) == 20 and lists[0] == list(range(20))


def test_ledger_dependencies_stored_read_back_by_version_and_revision(ledger_table: LedgerTable):
    # GIVEN two versions' dependencies stored (a revision containing '#'), and publish times in the same partition
    memory = {("2.0.0", "rev#2"): (UI_KIT, LEFT_PAD, UI_KIT), ("1.0.0", "rev#1"): ()}
    ledger_table.store_dependencies({REF: memory}, now=NOW.timestamp())
    ledger_table.store_publish_times({REF: {("2.0.0", "rev#2"): NOW}}, now=NOW.timestamp())
    # WHEN read back with a package that has none
    found = ledger_table.remembered_dependencies([REF, OTHER])
    # THEN each list is there exactly, the other package has none, and the times are untouched
    assert found == {REF: memory, OTHER: {}}
    assert ledger_table.remembered_times([REF])[REF].times == {("2.0.0", "rev#2"): NOW}
    # AND they expire as the times do, 400 days after they were written
    assert int(_item(ledger_table, 0)["expires_at"]["N"]) == int(NOW.timestamp()) + 400 * 86400


def test_ledger_dependencies_store_replaces_what_was_stored(ledger_table: LedgerTable):
    ledger_table.store_dependencies({REF: {("1.0.0", "a"): (UI_KIT,)}}, now=1.0)
    ledger_table.store_dependencies({REF: {("1.0.1", "b"): (LEFT_PAD,)}}, now=1.0)
    assert ledger_table.remembered_dependencies([REF])[REF] == {("1.0.1", "b"): (LEFT_PAD,)}


def test_ledger_dependencies_written_25_packages_a_request_and_read_100(ledger_table: LedgerTable):
    # GIVEN 250 packages
    refs = _packages(250)
    sent = _requests(ledger_table)
    # WHEN 200 have their dependencies stored / THEN 25 packages a BatchWriteItem
    ledger_table.store_dependencies({ref: {("1.0.0", ref.package): (UI_KIT,)} for ref in refs[:200]}, now=1.0)
    assert sent == Counter({"BatchWriteItem": 8})
    # WHEN all are read / THEN 100 packages a BatchGetItem
    sent.clear()
    found = ledger_table.remembered_dependencies(refs)
    assert sent == Counter({"BatchGetItem": 3})
    assert all(found[ref] == {("1.0.0", ref.package): (UI_KIT,)} for ref in refs[:200])
    assert all(found[ref] == {} for ref in refs[200:])


def _incompressible(count: int) -> dict[tuple[str, str], tuple[Dependency, ...]]:
    """`count` versions, each with 20 dependencies whose requirements are random: zlib cannot shrink them much."""
    rng = random.Random(7)
    return {
        (f"1.0.{i}", f"rev-{i}"): tuple(
            Dependency(None, f"dep-{d}", "regular", f">={rng.getrandbits(64):x}") for d in range(20)
        )
        for i in range(count)
    }


def test_ledger_dependencies_past_350_kb_span_items_and_read_back_whole(ledger_table: LedgerTable):
    # GIVEN a package whose compressed dependencies take more than 350 KB (DynamoDB refuses items over 400 KB)
    memory = _incompressible(2_000)
    assert len(encode(memory)) > chunked.CHUNK_BYTES
    sent = _requests(ledger_table)
    # WHEN stored with another package's
    ledger_table.store_dependencies({REF: memory, OTHER: {("1.0.0", "r"): (LEFT_PAD,)}}, now=1.0)
    writes = Counter(sent)
    # THEN its chunks are put one by one (the first last), the other package's in a batch
    chunks = int(_item(ledger_table, 0)["chunks"]["N"])
    assert chunks >= 2 and writes == Counter({"PutItem": chunks, "BatchWriteItem": 1})
    # AND read with 150 other packages, it reads back whole in one request more
    sent.clear()
    found = ledger_table.remembered_dependencies([REF, *_packages(150)])
    assert found[REF] == memory and sent == Counter({"BatchGetItem": 3})


def test_ledger_dependencies_whose_chunks_are_of_two_writes_are_as_if_none(
    ledger_table: LedgerTable, monkeypatch: pytest.MonkeyPatch
):
    # GIVEN a memory of several chunks, then its chunk 1 overwritten by another write's (a write half done)
    monkeypatch.setattr(chunked, "CHUNK_BYTES", 512)
    ledger_table.store_dependencies({REF: _incompressible(40)}, now=1.0)
    _put(ledger_table, {**_item(ledger_table, 1), "generation": {"S": "another-write"}})
    # WHEN read / THEN nothing of it is used
    assert ledger_table.remembered_dependencies([REF]) == {REF: {}}


def _document(*columns: Any) -> dict[str, Any]:
    return {"dependencies": {"B": zlib.compress(json.dumps(list(columns)).encode())}}


@pytest.mark.parametrize(
    "change",
    [
        {"dependencies": {"B": b"not zlib"}},
        {"dependencies": {"B": zlib.compress(b"\xff\xfe not utf-8 json")}},
        _document(["1.0.0"], ["r"], [[None, "a", None, None]]),
        _document(["1.0.0"], ["r"], [[None, "a", None, None]], [[1]]),
        _document(["1.0.0"], ["r"], [[None, "a", None, None]], [[-1]]),
        _document(["1.0.0"], ["r"], [[None, "a", None, None]], [[True]]),
        _document(["1.0.0"], ["r"], [[None, None, None, None]], [[0]]),
        _document(["1.0.0"], ["r"], [[None, "a", 3, None]], [[0]]),
        _document(["1.0.0"], ["r"], [[None, "a", None]], [[0]]),
        _document(["1.0.0"], [None], [], [[]]),
        _document(["1.0.0", "1.0.1"], ["r"], [], [[]]),
        {"chunks": {"N": "2"}},
        {"chunks": {"N": "0"}},
        {"format": {"N": "2"}},
    ],
    ids=[
        "bytes",
        "not-json",
        "three-columns",
        "place-past-the-table",
        "negative-place",
        "place-not-a-number",
        "no-package",
        "type-not-text",
        "short-entry",
        "revision-not-text",
        "columns-of-two-lengths",
        "chunk-missing",
        "no-chunks",
        "format",
    ],
)
def test_ledger_dependencies_that_do_not_decode_are_as_if_none(ledger_table: LedgerTable, change: dict[str, Any]):
    # GIVEN two packages' dependencies stored, then one's item altered
    ledger_table.store_dependencies({REF: {("1.0.0", "r"): (UI_KIT,)}, OTHER: {("1.0.0", "r"): (LEFT_PAD,)}}, now=1.0)
    _put(ledger_table, {**_item(ledger_table, 0), **change})
    # WHEN read / THEN that package has none (the run reads them again); the other is unharmed
    assert ledger_table.remembered_dependencies([REF, OTHER]) == {REF: {}, OTHER: {("1.0.0", "r"): (LEFT_PAD,)}}


def test_dependencies_decode_refuses_what_it_cannot_vouch_for():
    with pytest.raises(DamagedMemory, match="do not decode"):
        decode(zlib.compress(b'[["1.0.0"],["r"],[],[[0]]]'))
