"""Age cutoffs by searching versions listed newest first, whose publish times cost a call each.

The listing (ListPackageVersions, sortBy=PUBLISHED_TIME) is in publish-time order but carries no times;
DescribePackageVersion gives one per call. Finding how many versions are newer than a cutoff is a
search over that order. Plain bisection costs ceil(log2(n + 1)) describes whatever the times; builds
published at a steady pace let a guess do better: once the times at both ends of the interval are
known, the cutoff's position is interpolated between them, and on evenly spread times two or three
guesses land on it. Interpolation can mislead on uneven times (a burst of releases, a long pause), so
it gets at most `GUESSES` probes per cutoff; the rest of the search is bisection, which bounds the
worst case at ceil(log2(n + 1)) + GUESSES + 1 describes (the +1 reads the newest end).
"""

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

PublishedTimeAt = Callable[[int], datetime]

# Interpolated probes per cutoff before the search falls back to bisection (measured in docs/benchmarks.md:
# four cut the describes of the scale seed by 31% and of steady CI builds by 48%; more add nothing).
GUESSES = 4


class MemoizedTimes:
    """Wraps `published_time_at` so each index is looked up (described) at most once."""

    def __init__(self, published_time_at: PublishedTimeAt, known: Mapping[int, datetime] | None = None) -> None:
        self._published_time_at = published_time_at
        # Times already known (remembered from an earlier run) cost no look-up and bound every search.
        self._known: dict[int, datetime] = dict(known or {})

    def __call__(self, index: int) -> datetime:
        if index not in self._known:
            self._known[index] = self._published_time_at(index)
        return self._known[index]

    @property
    def known(self) -> Mapping[int, datetime]:
        """The times looked up so far, by index (callers may put them on their version records)."""
        return self._known


def _guess(times: MemoizedTimes, cutoff: datetime, low: int, high: int) -> int | None:
    """Where the first version older than `cutoff` should be, from the known times just outside [low, high).

    None when either end's time is unknown. Between a newer version at low - 1 and an older one at high,
    the position is interpolated linearly in time, then clamped into [low, high).
    """
    newer, older = times.known.get(low - 1), times.known.get(high)
    if newer is None or older is None or newer <= older:
        return None
    span = (newer - older).total_seconds()
    fraction = (newer - cutoff).total_seconds() / span
    # Index low - 1 is at fraction 0, index high at 1; the first older index is just past the cutoff.
    position = (low - 1) + int(fraction * (high - low + 1)) + 1
    return min(max(position, low), high - 1)


def _first_older(times: MemoizedTimes, cutoff: datetime, low: int, high: int) -> int:
    # Invariant: every index < low is newer (>= cutoff), every index >= high is older (< cutoff).
    guesses = GUESSES
    if low < high and low == 0 and 0 not in times.known and high in times.known:
        # The newest end: one describe settles a package entirely older than the cutoff, and gives
        # interpolation its second end.
        if times(0) < cutoff:
            return 0
        low = 1
    while low < high:
        probe = _guess(times, cutoff, low, high) if guesses > 0 else None
        if probe is None:
            probe = (low + high) // 2
        else:
            guesses -= 1
        if times(probe) >= cutoff:
            low = probe + 1
        else:
            high = probe
    return low


def _bounds(times: MemoizedTimes, cutoff: datetime, n: int) -> tuple[int, int]:
    """The narrowest [low, high) the known times allow for `cutoff` among n versions."""
    low, high = 0, n
    for index, time in times.known.items():
        if index >= n:
            continue
        if time >= cutoff:
            low = max(low, index + 1)
        else:
            high = min(high, index)
    return low, max(low, high)


def count_newer_than(n: int, published_time_at: PublishedTimeAt, cutoff: datetime) -> int:
    """How many leading versions of `n` (newest first) were published at or after `cutoff`.

    Precondition: `published_time_at(i)` does not increase with `i` (ListPackageVersions with
    sortBy=PUBLISHED_TIME). Calls it at most ceil(log2(n + 1)) + GUESSES + 1 times.
    """
    return count_newer_than_each(n, published_time_at, [cutoff])[cutoff]


def count_newer_than_each(
    n: int, published_time_at: PublishedTimeAt, cutoffs: Iterable[datetime]
) -> dict[datetime, int]:
    """`count_newer_than` for several cutoffs, re-using every time already looked up.

    Pass a `MemoizedTimes` to keep (and read back) the times found; otherwise one is made here. Each
    search starts from the bounds the known times already give, so a second cutoff costs at most as
    much as the first and often nothing.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, not {n}")
    times = published_time_at if isinstance(published_time_at, MemoizedTimes) else MemoizedTimes(published_time_at)
    counts: dict[datetime, int] = {}
    for cutoff in cutoffs:
        if cutoff not in counts:
            counts[cutoff] = _first_older(times, cutoff, *_bounds(times, cutoff, n))
    return counts
