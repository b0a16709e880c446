"""Client-side pacing under CodeArtifact's account quotas, so a run never starves other users of them.

CodeArtifact allows, per account and region, about 200 TPS for each of ListPackages,
ListPackageVersions and ListPackageVersionAssets, 800 TPS of reads in all and 100 TPS of writes
(CodeArtifact's documented quotas). This service takes a configured share of each, split evenly between the
invocations that may run at once; every HTTP attempt (retries included) waits for a token from its
operation's bucket and from the read or write bucket before it is sent. Throttles that still happen
(other users, a smaller quota than documented) are retried by botocore with backoff and counted.
"""

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

ACCOUNT_OPERATION_TPS: Mapping[str, float] = {
    "ListPackages": 200.0,
    "ListPackageVersions": 200.0,
    "ListPackageVersionAssets": 200.0,
}
ACCOUNT_READ_TPS = 800.0
ACCOUNT_WRITE_TPS = 100.0
_READ_PREFIXES = ("List", "Describe", "Get")
# A bucket may run this far ahead of its rate: small, so that no one-second window sees more than
# about rate * (1 + BURST_SECONDS) calls.
BURST_SECONDS = 0.05
# A token this close to whole is whole: a wait shorter than the clock can tell would never end.
_ROUNDING = 1e-6


@dataclass(frozen=True, slots=True)
class PacingPlan:
    """This invocation's share: `share` of each account quota, divided by `invocations` at once."""

    share: float
    invocations: int = 1

    def rate(self, account_tps: float) -> float:
        return account_tps * self.share / self.invocations


class _TokenBucket:
    """`rate` tokens a second, at most `capacity` saved up."""

    def __init__(self, rate: float, clock: Callable[[], float]) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate * BURST_SECONDS)
        self.tokens = self.capacity
        self.stamp = clock()

    def _tokens_at(self, moment: float) -> float:
        return min(self.capacity, self.tokens + (moment - self.stamp) * self.rate)

    def wait_at(self, now: float) -> float:
        """Seconds from `now` until a token is there (0 if one is, to within rounding)."""
        tokens = self._tokens_at(now)
        return 0.0 if tokens >= 1 - _ROUNDING else (1 - tokens) / self.rate

    def take(self, now: float) -> None:
        self.tokens = self._tokens_at(now) - 1
        self.stamp = now


class QuotaPacer:
    """Thread-safe token buckets; `before_send` plugs into botocore's event system."""

    def __init__(
        self,
        plan: PacingPlan,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._operations = {name: _TokenBucket(plan.rate(tps), clock) for name, tps in ACCOUNT_OPERATION_TPS.items()}
        self._reads = _TokenBucket(plan.rate(ACCOUNT_READ_TPS), clock)
        self._writes = _TokenBucket(plan.rate(ACCOUNT_WRITE_TPS), clock)

    def acquire(self, operation: str) -> float:
        """Block until `operation` may be sent; returns the seconds waited.

        A call goes when each of its buckets (its operation's, and the read or write one) has a token,
        and takes one from each at that moment. Nothing is reserved ahead: a ListPackageVersions waiting
        for its 200 TPS does not hold back a DescribePackageVersion that the 800 TPS of reads allow now.
        """
        buckets = [self._reads if operation.startswith(_READ_PREFIXES) else self._writes]
        if operation in self._operations:
            buckets.append(self._operations[operation])
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                pause = max(bucket.wait_at(now) for bucket in buckets)
                if pause <= 0:
                    for bucket in buckets:
                        bucket.take(now)
                    return waited
            self._sleep(pause)
            waited += pause

    def before_send(self, event_name: str = "", **_: object) -> None:
        # "before-send.codeartifact.ListPackageVersions": fired for every attempt, retries included.
        self.acquire(event_name.rsplit(".", 1)[-1])


class RatePacer:
    """One thread-safe token bucket for every call of the clients that share it: at most `rate` calls a second,
    never more than one at once ahead of the rate (an account quota with no burst, such as CloudTrail's
    LookupEvents at 2 a second). `before_send` plugs into botocore's event system."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._bucket = _TokenBucket(rate, clock)
        self._bucket.capacity = self._bucket.tokens = 1.0

    def acquire(self) -> float:
        """Block until a call may be sent; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                pause = self._bucket.wait_at(now)
                if pause <= 0:
                    self._bucket.take(now)
                    return waited
            self._sleep(pause)
            waited += pause

    def before_send(self, **_: object) -> None:
        # Fired for every attempt, retries included.
        self.acquire()
