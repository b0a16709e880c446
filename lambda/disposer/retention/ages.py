"""Age cutoffs by binary search over versions listed newest first, whose publish times cost a call each."""

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

PublishedTimeAt = Callable[[int], datetime]


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


def _first_older(published_time_at: PublishedTimeAt, cutoff: datetime, low: int, high: int) -> int:
    # Invariant: every index < low is newer (>= cutoff), every index >= high is older (< cutoff).
    while low < high:
        middle = (low + high) // 2
        if published_time_at(middle) >= cutoff:
            low = middle + 1
        else:
            high = middle
    return low


def count_newer_than(n: int, published_time_at: PublishedTimeAt, cutoff: datetime) -> int:
    """How many leading versions of `n` (newest first) were published at or after `cutoff`.

    Precondition: `published_time_at(i)` does not increase with `i` (ListPackageVersions with
    sortBy=PUBLISHED_TIME). Calls it at most ceil(log2(n + 1)) times.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, not {n}")
    return _first_older(published_time_at, cutoff, 0, n)


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
        if cutoff in counts:
            continue
        low, high = 0, n
        for index, time in times.known.items():
            if index >= n:
                continue
            if time >= cutoff:
                low = max(low, index + 1)
            else:
                high = min(high, index)
        counts[cutoff] = _first_older(times, cutoff, low, max(low, high))
    return counts
