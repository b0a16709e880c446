"""A run's dependency memory (runs/dependencies.py) over a ledger in moto: what is remembered at a version's listed
revision costs no call, the rest is read once a version and written back 25 packages a request; an answer at
another revision is used and remembered at its own; what cannot be read is UnreadDependencies, never a guess;
a ledger that cannot be read or written costs calls, never a wrong list."""

import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest

from disposer.budget import Budget
from disposer.errors import AccessDeniedError, LedgerError, UpstreamError
from disposer.ledger.table import LedgerTable
from disposer.model.dependencies import Dependency, UnreadDependencies, VersionDependencies
from disposer.model.packages import PackageFormat, PackageListing, PackageRef, PackageVersionStatus, VersionSummary
from disposer.runs.dependencies import DependencyMemory
from tests.fakes import FakeCodeArtifact
from tests.support import dynamodb_requests

LIST_DEPENDENCIES = "ListPackageVersionDependencies"
UI_KIT = Dependency("acme", "ui-kit", "regular", "^1.2.0")
LEFT_PAD = Dependency(None, "left-pad", None, "1.3.0")
# Every status a listing can show: only Published and Unlisted versions remain to depend on anything.
STATUSES = {
    "1.0.0": "Published",
    "1.1.0": "Unlisted",
    "0.9.0": "Archived",
    "0.8.0": "Disposed",
    "2.0.0-rc": "Unfinished",
    "0.1.0": "Deleted",
}


def _ref(i: int) -> PackageRef:
    return PackageRef("acme", None, "releases", PackageFormat.NPM, None, f"pkg-{i:03d}")


def _listing(statuses: Mapping[str, str] = STATUSES, revision: str = "r1") -> PackageListing:
    versions = tuple(VersionSummary(v, f"{v}-{revision}", PackageVersionStatus(s)) for v, s in statuses.items())
    return PackageListing(versions=versions, default_display_version=None)


@dataclass
class ScriptedCodeArtifact(FakeCodeArtifact):
    """Answers ListPackageVersionDependencies: UI_KIT at revision `<version>-<revision>`, or the error scripted for
    the version; counts each call (from several threads at once)."""

    revision: str = "r1"
    errors: dict[str, Exception] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def dependencies(self, ref: PackageRef, version: str) -> VersionDependencies:
        with self.lock:
            self.counter.calls[LIST_DEPENDENCIES] += 1
        if version in self.errors:
            raise self.errors[version]
        return VersionDependencies(version, f"{version}-{self.revision}", (UI_KIT, LEFT_PAD))


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=2) as executor:
        yield executor


def _requests(table: LedgerTable) -> Counter[str]:
    return dynamodb_requests(table._client)  # noqa: SLF001 - the same mock


def _run(
    codeartifact: ScriptedCodeArtifact,
    ledger: LedgerTable | None,
    refs: Sequence[PackageRef],
    pool: ThreadPoolExecutor,
    listing: PackageListing | None = None,
) -> dict[PackageRef, dict[str, Any]]:
    """One run's reads of every package's dependencies, then its writes."""
    memory = DependencyMemory(codeartifact, ledger, refs, pool)
    found = {ref: memory.of(ref, listing or _listing()) for ref in refs}
    memory.flush()
    return found


def test_dependencies_read_once_a_remaining_version_then_remembered(ledger_table: LedgerTable, pool):
    # GIVEN 30 packages listed with a version of every status, nothing remembered
    refs = [_ref(i) for i in range(30)]
    codeartifact, sent = ScriptedCodeArtifact(), _requests(ledger_table)
    # WHEN a run reads their dependencies
    first = _run(codeartifact, ledger_table, refs, pool)
    # THEN one call per Published or Unlisted version, each answered; written back 25 packages a request
    assert codeartifact.counter.calls[LIST_DEPENDENCIES] == 2 * len(refs)
    assert first[refs[0]] == {"1.0.0": (UI_KIT, LEFT_PAD), "1.1.0": (UI_KIT, LEFT_PAD)}
    assert sent["BatchWriteItem"] == 2 and sent["BatchGetItem"] == 1
    # WHEN the next run reads them / THEN no call, one request, the same lists, nothing written
    again, sent_before = ScriptedCodeArtifact(), sent["BatchWriteItem"]
    assert _run(again, ledger_table, refs, pool) == first
    assert again.counter.calls[LIST_DEPENDENCIES] == 0
    assert sent["BatchGetItem"] == 2 and sent["BatchWriteItem"] == sent_before


def test_dependencies_of_a_version_at_a_new_revision_read_again(ledger_table: LedgerTable, pool):
    # GIVEN a package's dependencies remembered at revision r1
    _run(ScriptedCodeArtifact(), ledger_table, [_ref(0)], pool)
    # WHEN its 1.0.0 is listed at r2
    listing = _listing({"1.0.0": "Published", "1.1.0": "Unlisted"})
    moved = PackageListing(
        (VersionSummary("1.0.0", "1.0.0-r2", PackageVersionStatus.PUBLISHED), listing.versions[1]), None
    )
    codeartifact = ScriptedCodeArtifact(revision="r2")
    _run(codeartifact, ledger_table, [_ref(0)], pool, moved)
    # THEN that version alone is read again, and remembered at r2 (the old revision dropped)
    assert codeartifact.counter.calls[LIST_DEPENDENCIES] == 1
    assert set(ledger_table.remembered_dependencies([_ref(0)])[_ref(0)]) == {
        ("1.0.0", "1.0.0-r2"),
        ("1.1.0", "1.1.0-r1"),
    }


def test_dependencies_answered_at_another_revision_used_and_remembered_at_it(ledger_table: LedgerTable, pool):
    # GIVEN a listing at r1, and CodeArtifact answering at r2 (the versions were published again since)
    codeartifact = ScriptedCodeArtifact(revision="r2")
    # WHEN read / THEN the answers are used, and remembered at r2, not at the listing's r1
    found = _run(codeartifact, ledger_table, [_ref(0)], pool)
    assert found[_ref(0)]["1.0.0"] == (UI_KIT, LEFT_PAD)
    assert set(ledger_table.remembered_dependencies([_ref(0)])[_ref(0)]) == {
        ("1.0.0", "1.0.0-r2"),
        ("1.1.0", "1.1.0-r2"),
    }
    # AND a run that lists them at r2 calls nothing; one that lists r1 reads them again
    at_r2 = ScriptedCodeArtifact(revision="r2")
    _run(at_r2, ledger_table, [_ref(0)], pool, _listing(revision="r2"))
    at_r1 = ScriptedCodeArtifact(revision="r2")
    _run(at_r1, ledger_table, [_ref(0)], pool, _listing(revision="r1"))
    assert (at_r2.counter.calls[LIST_DEPENDENCIES], at_r1.counter.calls[LIST_DEPENDENCIES]) == (0, 2)


def test_dependencies_codeartifact_cannot_answer_are_unread_and_asked_again(ledger_table: LedgerTable, pool):
    # GIVEN CodeArtifact refusing 1.0.0's dependencies
    failing = ScriptedCodeArtifact(errors={"1.0.0": AccessDeniedError("AccessDeniedException", "not allowed")})
    # WHEN read / THEN 1.0.0's are unread, saying why; 1.1.0's are read
    found = _run(failing, ledger_table, [_ref(0)], pool)[_ref(0)]
    assert found["1.0.0"] == UnreadDependencies("AccessDeniedException: not allowed")
    assert found["1.1.0"] == (UI_KIT, LEFT_PAD)
    # AND the next run asks for 1.0.0's alone, never taking the failure for an empty list
    codeartifact = ScriptedCodeArtifact()
    assert _run(codeartifact, ledger_table, [_ref(0)], pool)[_ref(0)]["1.0.0"] == (UI_KIT, LEFT_PAD)
    assert codeartifact.counter.calls[LIST_DEPENDENCIES] == 1


def test_dependencies_without_a_ledger_always_read_from_codeartifact(pool):
    codeartifact = ScriptedCodeArtifact()
    _run(codeartifact, None, [_ref(0)], pool)
    _run(codeartifact, None, [_ref(0)], pool)
    assert codeartifact.counter.calls[LIST_DEPENDENCIES] == 4


def test_dependencies_a_ledger_that_cannot_be_read_costs_calls_and_nothing_is_written_over(
    ledger_table: LedgerTable, pool, monkeypatch: pytest.MonkeyPatch
):
    # GIVEN dependencies remembered, then the ledger failing every read
    _run(ScriptedCodeArtifact(), ledger_table, [_ref(0)], pool)
    remembered = ledger_table.remembered_dependencies([_ref(0)])

    def failing(self: LedgerTable, refs: Any) -> Any:
        raise LedgerError("the ledger table failed: throttled")

    monkeypatch.setattr(LedgerTable, "remembered_dependencies", failing)
    sent = _requests(ledger_table)
    # WHEN a run reads them (at r2: what it would write differs) / THEN from CodeArtifact, and nothing is written
    codeartifact = ScriptedCodeArtifact(revision="r2")
    _run(codeartifact, ledger_table, [_ref(0)], pool, _listing(revision="r2"))
    assert codeartifact.counter.calls[LIST_DEPENDENCIES] == 2 and "BatchWriteItem" not in sent
    monkeypatch.undo()
    assert ledger_table.remembered_dependencies([_ref(0)]) == remembered


def test_dependencies_a_write_that_fails_is_forgotten(ledger_table: LedgerTable, pool, monkeypatch):
    # GIVEN a ledger that cannot be written
    def failing(self: LedgerTable, memories: Any, *, now: float) -> None:
        raise LedgerError("the ledger table failed: throttled")

    monkeypatch.setattr(LedgerTable, "store_dependencies", failing)
    # WHEN a run reads dependencies / THEN it has them all the same
    found = _run(ScriptedCodeArtifact(), ledger_table, [_ref(0)], pool)
    assert found[_ref(0)]["1.0.0"] == (UI_KIT, LEFT_PAD)


class _SlowLedger(LedgerTable):
    """A ledger whose batch reads answer only once `answer` is set."""

    def __init__(self, table: LedgerTable) -> None:
        super().__init__(table.name, table._client)  # noqa: SLF001 - the same mock
        self.answer = threading.Event()

    def remembered_dependencies(self, refs: Sequence[PackageRef]) -> Any:
        self.answer.wait(10)
        return super().remembered_dependencies(refs)


def test_dependencies_remembered_not_in_within_the_time_budget_are_read_from_codeartifact(
    ledger_table: LedgerTable, pool
):
    # GIVEN a batch read that does not answer, and 0.2 s of budget
    slow = _SlowLedger(ledger_table)
    codeartifact = ScriptedCodeArtifact()
    memory = DependencyMemory(codeartifact, slow, [_ref(0)], pool, Budget.starting_now(0.2))
    # WHEN the package's dependencies are asked for / THEN read from CodeArtifact once the budget is spent
    started = time.monotonic()
    assert memory.of(_ref(0), _listing())["1.0.0"] == (UI_KIT, LEFT_PAD)
    assert time.monotonic() - started < 5 and codeartifact.counter.calls[LIST_DEPENDENCIES] == 2
    slow.answer.set()


def test_dependencies_of_many_packages_from_several_threads_at_once(ledger_table: LedgerTable, pool):
    # GIVEN 100 packages read by 8 threads at once, one failing version among them
    refs = [_ref(i) for i in range(100)]
    codeartifact = ScriptedCodeArtifact(errors={"1.1.0": UpstreamError("UpstreamUnavailable", "500")})
    sent = _requests(ledger_table)
    memory = DependencyMemory(codeartifact, ledger_table, refs, pool)
    with ThreadPoolExecutor(max_workers=8) as readers:
        found = dict(zip(refs, readers.map(lambda ref: memory.of(ref, _listing()), refs), strict=True))
    memory.flush()
    # THEN each package has its own answer, every package is written back once, 25 a request
    assert all(f["1.0.0"] == (UI_KIT, LEFT_PAD) and isinstance(f["1.1.0"], UnreadDependencies) for f in found.values())
    assert sent["BatchWriteItem"] == 4 and codeartifact.counter.calls[LIST_DEPENDENCIES] == 200
    remembered = ledger_table.remembered_dependencies(refs)
    assert all(remembered[ref] == {("1.0.0", "1.0.0-r1"): (UI_KIT, LEFT_PAD)} for ref in refs)
