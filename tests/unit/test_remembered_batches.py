"""A run's remembered publish times (runs/remembered.py): read ahead 100 packages a request, the earlier form read
for a package without today's, written back 25 packages a request, only for versions still listed, and never
over a memory that could not be read."""

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import cast

import pytest

from disposer.budget import Budget
from disposer.errors import LedgerError
from disposer.model.memory import RememberedTimes, TimesSource, VersionRevision
from disposer.model.packages import PackageFormat, PackageListing, PackageRef, PackageVersionStatus, VersionSummary
from disposer.ports import Ledger
from disposer.runs.remembered import TimesMemory
from tests.builders import NOW

Memories = Mapping[PackageRef, Mapping[VersionRevision, datetime]]


def _ref(i: int) -> PackageRef:
    return PackageRef("acme", None, "releases", PackageFormat.NPM, None, f"pkg-{i:03d}")


class _Ledger:
    """The ledger's remembered-times calls, scripted: what each package has stored, what each call asked."""

    def __init__(self, stored: dict[PackageRef, RememberedTimes], *, failing: bool = False) -> None:
        self.stored = stored
        self.failing = failing
        self.reads: list[int] = []
        self.earlier: list[PackageRef] = []
        self.writes: list[Memories] = []

    def remembered_times(self, refs: Sequence[PackageRef]) -> Mapping[PackageRef, RememberedTimes]:
        self.reads.append(len(refs))
        if self.failing:
            raise LedgerError("the ledger table failed: throttled")
        return {ref: self.stored.get(ref, RememberedTimes(source=TimesSource.ABSENT)) for ref in refs}

    def earlier_times(self, ref: PackageRef) -> RememberedTimes:
        self.earlier.append(ref)
        return RememberedTimes({("0.9.0", "r-0.9.0"): NOW}, TimesSource.EARLIER_LAYOUT)

    def store_publish_times(self, memories: Memories, *, now: float) -> None:
        self.writes.append(dict(memories))


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=2) as executor:
        yield executor


def _memory(ledger: _Ledger, refs: Sequence[PackageRef], pool: ThreadPoolExecutor) -> TimesMemory:
    return TimesMemory(cast(Ledger, ledger), refs, pool)


def _listing(*versions: str) -> PackageListing:
    summaries = tuple(VersionSummary(v, f"r-{v}", PackageVersionStatus.PUBLISHED) for v in versions)
    return PackageListing(versions=summaries, default_display_version=None)


def _described(version: str, at: datetime = NOW) -> dict[VersionSummary, datetime]:
    return {VersionSummary(version, f"r-{version}", PackageVersionStatus.PUBLISHED): at}


def test_remembered_times_read_100_packages_a_request_and_the_earlier_form_only_where_today_has_none(pool):
    # GIVEN 250 packages, the first stored in today's form
    refs = [_ref(i) for i in range(250)]
    ledger = _Ledger({refs[0]: RememberedTimes({("1.0.0", "r-1.0.0"): NOW})})
    memory = _memory(ledger, refs, pool)
    # WHEN two packages' are read / THEN asked in three batches ahead; the earlier form for the other only
    assert memory.read(refs[0]).times == {("1.0.0", "r-1.0.0"): NOW}
    assert memory.read(refs[1]).source is TimesSource.EARLIER_LAYOUT
    assert sorted(ledger.reads) == [50, 100, 100] and ledger.earlier == [refs[1]]


def test_remembered_times_written_back_25_packages_a_request_for_versions_still_listed(pool):
    # GIVEN 30 packages, each remembering 1.0.0 and 0.1.0 (deleted since), each learning 1.1.0
    refs = [_ref(i) for i in range(30)]
    old = {("1.0.0", "r-1.0.0"): NOW - timedelta(days=9), ("0.1.0", "r-0.1.0"): NOW - timedelta(days=99)}
    ledger = _Ledger({})
    memory = _memory(ledger, refs, pool)
    for ref in refs:
        memory.keep(ref, RememberedTimes(old), _described("1.1.0"), _listing("1.0.0", "1.1.0"))
    # WHEN the run ends / THEN two writes: 25 packages as the 25th came, the other 5 at the end
    memory.flush()
    assert [len(write) for write in ledger.writes] == [25, 5]
    # AND each package keeps the times of versions listed at their revision, the deleted one dropped
    assert ledger.writes[0][refs[0]] == {("1.0.0", "r-1.0.0"): NOW - timedelta(days=9), ("1.1.0", "r-1.1.0"): NOW}


@pytest.mark.parametrize(
    ("remembered", "described", "written"),
    [
        (RememberedTimes(), {}, False),
        (RememberedTimes(source=TimesSource.EARLIER_LAYOUT), {}, True),
        (RememberedTimes(source=TimesSource.DAMAGED, problem="bytes"), {}, True),
        (RememberedTimes(source=TimesSource.UNREAD, problem="throttled"), _described("1.0.0"), False),
    ],
    ids=["nothing-learnt", "earlier-form", "damaged", "unread"],
)
def test_remembered_times_written_back_when_learnt_or_in_another_form_never_over_an_unread_one(
    pool: ThreadPoolExecutor, remembered: RememberedTimes, described: dict[VersionSummary, datetime], written: bool
):
    ledger = _Ledger({})
    memory = _memory(ledger, [], pool)
    memory.keep(_ref(0), remembered, described, _listing("1.0.0"))
    memory.flush()
    assert bool(ledger.writes) is written


def test_remembered_times_a_failed_batch_is_unread_and_described_afresh(pool):
    # GIVEN a ledger whose reads fail / WHEN a package's times are read / THEN none, and none written back
    ledger = _Ledger({}, failing=True)
    memory = _memory(ledger, [_ref(0)], pool)
    remembered = memory.read(_ref(0))
    assert (remembered.source, remembered.times, ledger.earlier) == (TimesSource.UNREAD, {}, [])
    memory.keep(_ref(0), remembered, _described("1.0.0"), _listing("1.0.0"))
    memory.flush()
    assert ledger.writes == []


class _SlowLedger(_Ledger):
    """A ledger whose batch reads answer only once `answer` is set."""

    def __init__(self) -> None:
        super().__init__({})
        self.answer = threading.Event()

    def remembered_times(self, refs: Sequence[PackageRef]) -> Mapping[PackageRef, RememberedTimes]:
        self.answer.wait(10)
        return super().remembered_times(refs)


def test_remembered_times_not_in_within_the_time_budget_are_unread(pool):
    # GIVEN a batch read that does not answer, and 0.2 s of budget
    ledger = _SlowLedger()
    memory = TimesMemory(cast(Ledger, ledger), [_ref(0)], pool, Budget.starting_now(0.2))
    # WHEN the package's times are asked for / THEN unread once the budget is spent, not waited for
    started = time.monotonic()
    assert memory.read(_ref(0)).source is TimesSource.UNREAD
    assert time.monotonic() - started < 5
    ledger.answer.set()
