"""Unit and property tests for the age-cutoff search (interpolation, then bisection)."""

import math
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from disposer.retention.ages import GUESSES, MemoizedTimes, count_newer_than, count_newer_than_each
from tests.builders import NOW

DETERMINISTIC = settings(max_examples=300, derandomize=True, deadline=None)


class CountingTimes:
    """A published_time_at callable over a newest-first list that counts (and bounds-checks) its calls."""

    def __init__(self, times: list[datetime]) -> None:
        self.times = times
        self.calls: list[int] = []

    def __call__(self, index: int) -> datetime:
        assert 0 <= index < len(self.times)
        self.calls.append(index)
        return self.times[index]


def _days_ago(*days: int) -> list[datetime]:
    return [NOW - timedelta(days=d) for d in days]


def _linear(times: list[datetime], cutoff: datetime) -> int:
    return sum(1 for t in times if t >= cutoff)


def _bound(n: int) -> int:
    # Bisection's worst case, plus the interpolated guesses and the probe of the newest end.
    return math.ceil(math.log2(n + 1)) + GUESSES + 1


def newest_first_times() -> st.SearchStrategy[list[datetime]]:
    # Hours from a small range, so equal publish times (ties) and hits exactly on a cutoff are common.
    hours = st.lists(st.integers(min_value=0, max_value=400), max_size=200)
    return hours.map(lambda hs: sorted((NOW - timedelta(hours=h) for h in hs), reverse=True))


cutoffs = st.integers(min_value=-10, max_value=410).map(lambda h: NOW - timedelta(hours=h))


def test_count_newer_than_no_versions_returns_zero_without_calls():
    # GIVEN no versions
    times = CountingTimes([])

    # WHEN counted THEN zero, and nothing was described
    assert count_newer_than(0, times, NOW) == 0
    assert times.calls == []


def test_count_newer_than_all_newer_returns_n():
    # GIVEN versions all published after the cutoff
    times = CountingTimes(_days_ago(1, 2, 3, 4, 5))

    # WHEN counted against a 30-day cutoff THEN all are newer
    assert count_newer_than(5, times, NOW - timedelta(days=30)) == 5
    assert len(times.calls) <= _bound(5)


def test_count_newer_than_all_older_returns_zero():
    # GIVEN versions all published before the cutoff
    times = CountingTimes(_days_ago(40, 50, 60))

    # WHEN counted THEN none is newer
    assert count_newer_than(3, times, NOW - timedelta(days=30)) == 0


def test_count_newer_than_ties_at_cutoff_count_as_newer():
    # GIVEN three versions published exactly at the cutoff, between newer and older ones
    times = CountingTimes(_days_ago(1, 30, 30, 30, 31))

    # WHEN counted against exactly that instant THEN the tied versions are newer (not older than it)
    assert count_newer_than(5, times, NOW - timedelta(days=30)) == 4


def test_count_newer_than_negative_n_raises():
    # GIVEN a negative length WHEN counted THEN it is a caller bug
    with pytest.raises(ValueError, match="n must be >= 0"):
        count_newer_than(-1, CountingTimes([]), NOW)


@DETERMINISTIC
@given(times=newest_first_times(), cutoff=cutoffs)
def test_count_newer_than_any_list_matches_linear_scan_in_log_calls(times: list[datetime], cutoff: datetime):
    # GIVEN a newest-first list and any cutoff
    counting = CountingTimes(times)

    # WHEN counted
    count = count_newer_than(len(times), counting, cutoff)

    # THEN the count equals a linear scan, using at most bisection's lookups plus the guesses
    assert count == _linear(times, cutoff)
    assert len(counting.calls) <= _bound(len(times))


@DETERMINISTIC
@given(times=newest_first_times(), several=st.lists(cutoffs, min_size=1, max_size=4))
def test_count_newer_than_each_several_cutoffs_match_linear_and_share_calls(
    times: list[datetime], several: list[datetime]
):
    # GIVEN a newest-first list and several cutoffs
    counting = CountingTimes(times)

    # WHEN all are counted together
    counts = count_newer_than_each(len(times), counting, several)

    # THEN each count equals a linear scan, no index is described twice, and the calls stay within
    # the per-cutoff bound (+1 slack, as budgeted for discovery)
    assert counts == {c: _linear(times, c) for c in several}
    assert len(counting.calls) == len(set(counting.calls))
    assert len(counting.calls) <= len(set(several)) * (_bound(len(times)) + 1)


def test_count_newer_than_each_same_cutoff_twice_costs_nothing_more():
    # GIVEN a memoised lookup that already resolved one cutoff
    counting = CountingTimes(_days_ago(*range(0, 100)))
    memo = MemoizedTimes(counting)
    first = count_newer_than_each(100, memo, [NOW - timedelta(days=30)])
    calls = len(counting.calls)

    # WHEN the same cutoff is asked again through the same memo
    again = count_newer_than_each(100, memo, [NOW - timedelta(days=30)])

    # THEN the answer is the same and no new lookup happened
    assert again == first == {NOW - timedelta(days=30): 31}
    assert len(counting.calls) == calls


def test_count_newer_than_each_nested_cutoff_searches_only_remaining_range():
    # GIVEN 1000 versions, one a day, and cutoffs at 30 and 90 days
    counting = CountingTimes(_days_ago(*range(1000)))

    # WHEN both are resolved together
    counts = count_newer_than_each(1000, counting, [NOW - timedelta(days=30), NOW - timedelta(days=90)])

    # THEN both are right, and the two searches together cost less than two independent ones
    assert counts == {NOW - timedelta(days=30): 31, NOW - timedelta(days=90): 91}
    assert len(counting.calls) < 2 * _bound(1000)


def test_memoized_times_known_exposes_described_times():
    # GIVEN a memo over three versions
    counting = CountingTimes(_days_ago(1, 2, 3))
    memo = MemoizedTimes(counting)

    # WHEN one index is read twice
    memo(1)
    memo(1)

    # THEN it was described once and is readable back
    assert counting.calls == [1]
    assert dict(memo.known) == {1: NOW - timedelta(days=2)}


def test_steady_publishing_is_settled_by_the_ends_and_two_guesses():
    # GIVEN 120 versions published about every two days (jittered), the oldest already described
    jitter = [0, 5, -7, 3, 11, -2, 8, -9, 1, 6]
    hours = [48 * i + jitter[i % len(jitter)] for i in range(120)]
    counting = CountingTimes(sorted((NOW - timedelta(hours=h) for h in hours), reverse=True))
    memo = MemoizedTimes(counting)
    memo(119)

    # WHEN every cutoff from 1 to 230 days is counted, each on its own copy of that knowledge
    worst = 0
    for days in range(1, 231):
        counting.calls.clear()
        fresh = MemoizedTimes(counting, {119: counting.times[119]})
        cutoff = NOW - timedelta(days=days)
        assert count_newer_than_each(120, fresh, [cutoff]) == {cutoff: _linear(counting.times, cutoff)}
        worst = max(worst, len(counting.calls))

    # THEN none needed more than the newest end and two guesses, where bisection needs 7
    assert worst <= 3


@DETERMINISTIC
@given(times=newest_first_times().filter(bool), cutoff=cutoffs)
def test_with_the_oldest_known_any_list_stays_within_the_bound(times: list[datetime], cutoff: datetime):
    # GIVEN any newest-first list whose oldest time is known, as discovery describes it first
    counting = CountingTimes(times)
    memo = MemoizedTimes(counting, {len(times) - 1: times[-1]})

    # WHEN counted
    count = count_newer_than_each(len(times), memo, [cutoff])[cutoff]

    # THEN the count equals a linear scan, within bisection's bound plus the guesses, no index twice
    assert count == _linear(times, cutoff)
    assert len(counting.calls) == len(set(counting.calls)) <= _bound(len(times))


def test_a_burst_of_releases_costs_at_most_the_guesses_more_than_bisection():
    # GIVEN 1000 versions: 990 published in one hour two years ago, then 10 one a day (interpolation's worst)
    hours = [24 * i for i in range(10)] + [2 * 365 * 24 + i / 1000 for i in range(990)]
    counting = CountingTimes(sorted((NOW - timedelta(hours=h) for h in hours), reverse=True))
    memo = MemoizedTimes(counting, {999: counting.times[999]})
    cutoff = NOW - timedelta(hours=2 * 365 * 24 + 0.5)

    # WHEN the cutoff falls inside the burst
    count = count_newer_than_each(1000, memo, [cutoff])[cutoff]

    # THEN the answer is right and the search stayed within its bound
    assert count == _linear(counting.times, cutoff)
    assert len(counting.calls) <= _bound(1000)
