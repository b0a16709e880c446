"""A backfill through the recorder's real handler (its direct invocation), from event history served by the local
LookupEvents endpoint, into the ledger in moto: the downloads the trail's files hold, each hour covered only once
read to its last page, paced to LookupEvents' 2 requests a second, stopping inside the invocation's time."""

import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from disposer import clock, services
from disposer.model.usage import Covered, first_gap
from disposer.recorder import lambda_handler
from disposer.recorder.backfill import BACKFILL_MARGIN_SECONDS
from disposer.services import LOOKUP_EVENTS_PACE, LOOKUP_EVENTS_TPS
from disposer.trail.history import CONNECT_SECONDS, READ_SECONDS
from disposer.usage.cloudtrail import DOWNLOAD_EVENTS
from local.events import LambdaContext
from local.trail.server import RunningHistory, max_in_window
from tests.iam import RECORDER, missing_permissions, synthesized, without
from tests.integration.usage.backfill_days import DAY, HOUR, UI_KIT, backfill, deliver_hours, stamp
from tests.integration.usage.conftest import Trail

Serve = Callable[[], RunningHistory]
# The moments the endpoint stamps come after the loopback and its thread's scheduling, which on a loaded test
# machine can lag a quarter of a second: over this many seconds that lag cannot add a request to the count.
LONG_WINDOW = 5.0


@pytest.fixture
def turns(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """When each LookupEvents attempt of this process got its turn from the shared pacer, the last step before the
    attempt is sent (time.monotonic)."""
    pacer = services.lookup_pacer()
    taken: list[float] = []
    acquire = pacer.acquire

    def recorded() -> float:
        waited = acquire()
        taken.append(time.monotonic())
        return waited

    monkeypatch.setattr(pacer, "acquire", recorded)
    return taken


def assert_paced(turns: list[float], served: RunningHistory) -> None:
    """At most 2 attempts a second: as sent (never two closer than the pace), and as the endpoint received them."""
    arrivals = served.app.arrivals()
    assert len(turns) == len(arrivals) >= 2
    assert max_in_window(turns) <= LOOKUP_EVENTS_TPS
    assert min(b - a for a, b in zip(turns, turns[1:], strict=False)) >= 1 / LOOKUP_EVENTS_PACE - 1e-3
    assert max_in_window(arrivals, LONG_WINDOW) <= LOOKUP_EVENTS_TPS * LONG_WINDOW
    assert (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]) <= LOOKUP_EVENTS_TPS


def recorded_by_the_trail(trail: Trail, keys: list[list[str]]) -> dict[str, Any]:
    """What the recorder makes of the same files through its queue, in a table of its own."""
    backfilled = trail.ledger
    trail.use_table(f"ledger-{uuid.uuid4().hex[:8]}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DISPOSER_LEDGER_TABLE", trail.ledger.name)
        assert trail.notify(*(key for hour in keys for key in hour)) == {"batchItemFailures": []}
        from_files = trail.downloads()
    trail.ledger = backfilled
    return from_files


def test_backfill_records_a_past_days_downloads_and_covers_its_hours(trail: Trail, history: Serve, turns: list[float]):
    # GIVEN a day of the trail's files that the recorder never read (hour 5 with 70 downloads: two pages)
    keys = deliver_hours(trail, 24, many={5: 70})
    served = history()
    # WHEN the day is backfilled
    answer = backfill(DAY, DAY + 24 * HOUR)
    # THEN every hour is covered, and each version's latest download is what the recorder makes of the files
    assert answer == {"hoursCovered": 24, "downloadsRecorded": 24 + 70, "next": None, "hoursFailed": []}
    covered = trail.ledger.covered(DAY, DAY + 24 * HOUR)
    assert sorted(covered, key=lambda c: c.start) == [
        Covered(DAY + i * HOUR, DAY + (i + 1) * HOUR, "backfill") for i in range(24)
    ]
    assert first_gap(covered, DAY, DAY + 24 * HOUR - timedelta(seconds=1)) is None
    assert first_gap(trail.ledger.covered(DAY - HOUR, DAY), DAY - HOUR, DAY) == DAY - HOUR
    assert trail.downloads() == recorded_by_the_trail(trail, keys)
    # AND it asked for each hour's pages of each kind of download, oldest hour first, a page of at most 50 events
    kinds = {name: rank for rank, name in enumerate(DOWNLOAD_EVENTS)}
    asked = [(received.start, kinds[received.event or ""], received.page) for received in served.app.requests]
    assert asked == sorted(asked) and len(asked) == 24 * len(DOWNLOAD_EVENTS) + 1
    assert_paced(turns, served)
    # AND backfilled again, nothing changes
    before = trail.state()
    assert backfill(DAY, DAY + 24 * HOUR)["downloadsRecorded"] == 0
    assert trail.state() == before


def test_backfill_leaves_an_hour_whose_second_page_fails_uncovered(
    trail: Trail, history: Serve, monkeypatch: pytest.MonkeyPatch
):
    # GIVEN four hours, the second with 120 downloads (three pages), whose second page fails every time it is asked
    monkeypatch.setenv("DISPOSER_MAX_ATTEMPTS", "2")
    deliver_hours(trail, 4, many={1: 120})
    served = history()
    served.app.fail_page(DAY + HOUR, 2, times=2)
    # WHEN the four hours are backfilled
    answer = backfill(DAY, DAY + 4 * HOUR)
    # THEN the other three are covered, and that one is reported failed and left a gap
    assert (answer["hoursCovered"], answer["next"]) == (3, None)
    assert [(failed["hour"], failed["errorCode"]) for failed in answer["hoursFailed"]] == [
        (stamp(DAY + HOUR), "EventHistoryUnavailable")
    ]
    covered = trail.ledger.covered(DAY, DAY + 4 * HOUR)
    assert sorted(stretch.start for stretch in covered) == [DAY, DAY + 2 * HOUR, DAY + 3 * HOUR]
    assert first_gap(covered, DAY, DAY + 4 * HOUR - timedelta(seconds=1)) == DAY + HOUR
    # AND its first page's downloads (the 50 newest) were kept: real downloads only ever keep a version
    assert sorted(trail.ledger.downloads(UI_KIT), key=lambda v: int(v.rsplit(".", 1)[1])) == [
        f"1.0.{k}" for k in range(70, 120)
    ]
    # AND once the fault is gone, backfilling that hour covers it and records the rest
    assert backfill(DAY + HOUR, DAY + 2 * HOUR)["hoursCovered"] == 1
    assert first_gap(trail.ledger.covered(DAY, DAY + 4 * HOUR), DAY, DAY + 4 * HOUR - timedelta(seconds=1)) is None
    assert len(trail.ledger.downloads(UI_KIT)) == 120


def test_backfill_under_throttling_completes_at_most_two_requests_a_second(
    trail: Trail, history: Serve, turns: list[float]
):
    # GIVEN event history that refuses a request over 2 a second, and another user's burst that takes the next 3
    deliver_hours(trail, 6, many={1: 60, 2: 60, 4: 110})
    served = history()
    served.app.throttle_above(2)
    served.app.throttle_next(3)
    # WHEN six hours (ten pages of package managers' reads, six of assets fetched through the API) are backfilled
    answer = backfill(DAY, DAY + 6 * HOUR)
    # THEN botocore's retries got every page, and every hour is covered
    assert (answer["hoursCovered"], answer["hoursFailed"], answer["next"]) == (6, [], None)
    outcomes = [received.outcome for received in served.app.requests]
    assert outcomes.count("OK") == 16 and outcomes.count("ThrottlingException") >= 3
    # AND the attempts, throttled ones and retries included, went at most 2 a second
    assert_paced(turns, served)


def test_backfill_stops_inside_the_invocations_time_and_the_next_finishes(trail: Trail, history: Serve):
    # GIVEN eight hours, and an invocation left about 1.5 s of reading after its margin and one attempt's time
    deliver_hours(trail, 8)
    history()
    seconds = BACKFILL_MARGIN_SECONDS + CONNECT_SECONDS + READ_SECONDS + 1.5
    # WHEN the eight hours are backfilled in it
    first = backfill(DAY, DAY + 8 * HOUR, LambdaContext(remaining_time_in_millis=int(seconds * 1000)))
    # THEN it stopped at an hour boundary it names, with every hour before it covered and none after
    assert first["next"] is not None and 1 <= first["hoursCovered"] < 8
    resume = datetime.fromisoformat(first["next"].replace("Z", "+00:00"))
    assert resume == DAY + first["hoursCovered"] * HOUR
    assert sorted(c.start for c in trail.ledger.covered(DAY, DAY + 8 * HOUR)) == [
        DAY + i * HOUR for i in range(first["hoursCovered"])
    ]
    # AND a second invocation from there finishes the range
    second = backfill(resume, DAY + 8 * HOUR)
    assert (second["hoursCovered"], second["next"]) == (8 - first["hoursCovered"], None)
    covered = trail.ledger.covered(DAY, DAY + 8 * HOUR)
    assert first_gap(covered, DAY, DAY + 8 * HOUR - timedelta(seconds=1)) is None


@pytest.mark.parametrize(
    ("hours", "field", "says"),
    [
        (lambda now: {"from": stamp(DAY - timedelta(days=90)), "to": stamp(DAY)}, "backfill.from", "more than 90 days"),
        (
            lambda now: {"from": stamp(DAY), "to": stamp(now.replace(minute=0, second=0, microsecond=0))},
            "backfill.to",
            "an hour before now",
        ),
        (lambda now: {"from": stamp(DAY), "to": stamp(DAY)}, "backfill.to", "no hour"),
        (
            lambda now: {"from": stamp(DAY + timedelta(minutes=30)), "to": stamp(DAY + HOUR)},
            "backfill.from",
            "whole hour",
        ),
        (lambda now: {"from": "2026-11-01T00:00:00", "to": stamp(DAY)}, "backfill.from", "timezone"),
        (lambda now: {"from": stamp(DAY)}, "backfill.to", "Field required"),
        (lambda now: {"from": stamp(DAY), "to": stamp(DAY + HOUR), "records": []}, "backfill.records", "Extra inputs"),
    ],
    ids=["too-old", "too-recent", "empty", "not-whole", "no-zone", "no-end", "extra-field"],
)
def test_backfill_refuses_a_range_naming_the_field(
    trail: Trail, history: Serve, hours: Callable[[datetime], dict[str, Any]], field: str, says: str
):
    # GIVEN event history that would answer
    served = history()
    # WHEN a backfill asks for hours it cannot vouch for, or in another shape
    answer = lambda_handler({"backfill": hours(clock.now())}, LambdaContext())
    # THEN it is refused naming the field, nothing is asked of event history and nothing written
    assert answer["error"]["code"] == "InvalidBackfillRange"
    assert answer["error"]["message"].startswith(field) and says in answer["error"]["message"], answer
    assert served.app.requests == [] and trail.state() == []


def test_backfill_calls_are_held_to_the_recorders_role(trail: Trail, history: Serve):
    # GIVEN a backfill's calls as the recorder made them
    deliver_hours(trail, 1)
    history()
    RECORDER.take()
    assert backfill(DAY, DAY + HOUR)["hoursCovered"] == 1
    calls = RECORDER.take()
    assert {call.action for call in calls} == {"cloudtrail:LookupEvents", "dynamodb:UpdateItem", "dynamodb:PutItem"}
    # WHEN / THEN the recorder's role in the template allows them, and without LookupEvents it would not
    assert missing_permissions(calls, synthesized) == []

    def without_lookups(measure: bool, repositories: tuple[str, ...], usage_trail: tuple[str, str] | None) -> Any:
        return without(synthesized(measure, repositories, usage_trail), "recorder", "cloudtrail:LookupEvents")

    assert missing_permissions(calls, without_lookups) == ["recorder function: cloudtrail:LookupEvents on *"]


def test_sqs_batches_are_still_the_recorders(trail: Trail, history: Serve):
    # GIVEN a backfill's endpoint, and an hour's files announced through the queue
    served = history()
    (keys,) = deliver_hours(trail, 1)
    # WHEN the batch comes / THEN the recorder reads the files, and asks nothing of event history
    assert trail.notify(*keys) == {"batchItemFailures": []}
    assert trail.ledger.covered(DAY, DAY + HOUR) == [Covered(DAY, DAY + HOUR, "digest")]
    assert served.app.requests == []


def test_backfill_refuses_a_domain_owned_by_another_account(
    trail: Trail, history: Serve, monkeypatch: pytest.MonkeyPatch
):
    # GIVEN a domain owned by an account other than the function's (whose event history holds none of its reads)
    monkeypatch.setenv("DISPOSER_DOMAIN_OWNER", "444455556666")
    served = history()
    # WHEN a backfill is asked for / THEN it is refused, nothing asked of event history and nothing covered
    answer = lambda_handler({"backfill": {"from": stamp(DAY), "to": stamp(DAY + HOUR)}}, LambdaContext())
    assert answer["error"]["code"] == "InvalidBackfillRange"
    assert "444455556666" in answer["error"]["message"]
    assert served.app.requests == [] and trail.state() == []
