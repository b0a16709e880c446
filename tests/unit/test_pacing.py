"""The pacer keeps this invocation's calls within its share of every CodeArtifact quota."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from disposer.codeartifact.pacing import (
    ACCOUNT_READ_TPS,
    ACCOUNT_WRITE_TPS,
    BURST_SECONDS,
    PacingPlan,
    QuotaPacer,
    RatePacer,
)
from disposer.services import LOOKUP_EVENTS_PACE, LOOKUP_EVENTS_TPS


class FakeClock:
    """Time that only moves when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def send(pacer: QuotaPacer, clock: FakeClock, operations: list[str]) -> list[tuple[float, str]]:
    sent = []
    for operation in operations:
        pacer.acquire(operation)
        sent.append((clock.now, operation))
    return sent


def busiest_second(sent: list[tuple[float, str]], which=lambda operation: True) -> int:
    times = sorted(t for t, operation in sent if which(operation))
    return max(sum(1 for t in times if start <= t < start + 1) for start in times)


@pytest.mark.parametrize(("share", "invocations"), [(1.0, 1), (0.5, 1), (0.5, 4)])
def test_pacer_list_calls_stay_under_their_share_of_the_operation_quota(share, invocations):
    # GIVEN a share of the 200 TPS ListPackageVersions quota split between invocations
    clock = FakeClock()
    pacer = QuotaPacer(PacingPlan(share=share, invocations=invocations), clock=clock, sleep=clock.sleep)
    rate = 200 * share / invocations
    # WHEN far more calls than one second allows are sent as fast as possible
    sent = send(pacer, clock, ["ListPackageVersions"] * int(rate * 5))
    # THEN no one-second window holds more than the rate and its small burst, and the pace is the rate
    assert busiest_second(sent) <= rate * (1 + BURST_SECONDS) + 1
    assert clock.now == pytest.approx(len(sent) / rate, rel=0.05)


def test_pacer_describes_share_the_read_quota_with_lists():
    clock = FakeClock()
    pacer = QuotaPacer(PacingPlan(share=1.0), clock=clock, sleep=clock.sleep)
    sent = send(pacer, clock, ["DescribePackageVersion", "ListPackageVersions"] * 1000)
    assert busiest_second(sent) <= ACCOUNT_READ_TPS * (1 + BURST_SECONDS) + 1
    assert busiest_second(sent, lambda op: op == "ListPackageVersions") <= 200 * (1 + BURST_SECONDS) + 1


def test_pacer_writes_have_their_own_quota():
    clock = FakeClock()
    pacer = QuotaPacer(PacingPlan(share=0.5), clock=clock, sleep=clock.sleep)
    sent = send(pacer, clock, ["DisposePackageVersions"] * 200)
    assert busiest_second(sent) <= ACCOUNT_WRITE_TPS * 0.5 * (1 + BURST_SECONDS) + 1
    assert Counter(op for _, op in sent) == {"DisposePackageVersions": 200}


def test_pacer_botocore_event_name_names_the_operation():
    clock = FakeClock()
    pacer = QuotaPacer(PacingPlan(share=1.0), clock=clock, sleep=clock.sleep)
    for _ in range(300):
        pacer.before_send(event_name="before-send.codeartifact.ListPackages")
    assert clock.now == pytest.approx(300 / 200, rel=0.05)


def test_pacer_a_waiting_list_does_not_hold_back_a_read_the_quota_allows():
    # GIVEN the ListPackageVersions bucket drained, while the read quota has room
    clock = FakeClock()
    pacer = QuotaPacer(PacingPlan(share=1.0), clock=clock, sleep=clock.sleep)
    send(pacer, clock, ["ListPackageVersions"] * 50)
    lists_resume_at = clock.now
    # WHEN a describe is sent
    waited = pacer.acquire("DescribePackageVersion")
    # THEN it goes at once: only the list had to wait for its own quota
    assert waited == 0.0 and clock.now == lists_resume_at


def test_rate_pacer_spaces_every_call_by_its_rate_across_threads_and_never_bursts():
    # GIVEN the process's LookupEvents pacer (2 a second less its guard), shared by several threads
    clock = FakeClock()
    pacer = RatePacer(LOOKUP_EVENTS_PACE, clock=clock, sleep=clock.sleep)
    sent: list[float] = []

    def one(_: int) -> None:
        pacer.before_send(event_name="before-send.cloudtrail.LookupEvents")
        sent.append(clock.now)

    # WHEN 40 calls are sent at once, from four threads
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, range(40)))
    # THEN the first goes at once, each other at least 1/rate after the one before: never 3 in one second
    times = sorted(sent)
    assert times[0] == 0.0
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 1 / LOOKUP_EVENTS_PACE - 1e-6
    assert busiest_second([(t, "LookupEvents") for t in times]) <= LOOKUP_EVENTS_TPS
