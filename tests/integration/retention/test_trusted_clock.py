"""Safety times come from the function's own clock: a backdated event may make versions look younger, never
shorten a quarantine's grace, and an event older than any EventBridge delivery is refused before any call."""

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disposer.errors import FutureClockError, StaleClockError
from disposer.handler import lambda_handler
from local.events import process_clock
from tests.integration.harness import calls, control, scheduled_event, statuses
from tests.integration.seeds import RUN_TIME, UI_KIT

QUARANTINE = {"package": "ui-kit", "quarantine": {"graceDays": 7}}


def _run(context: Any, event_time: str, **changes: Any) -> dict[str, Any]:
    event = scheduled_event(**{**QUARANTINE, **changes})
    event["time"] = event_time
    result: dict[str, Any] = lambda_handler(event, context)
    return result


def _at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_backdated_event_starts_the_quarantine_now_so_a_second_run_disposes_nothing(
    lambda_context, emulator, client, ledger_name
):
    # GIVEN a one-day quarantine run by an event sent as of 23 hours ago (the latest EventBridge delivers)
    first = _run(lambda_context, _at(RUN_TIME - timedelta(hours=23)), quarantine={"graceDays": 1})
    archived = {i["version"] for i in first["items"] if i["action"] == "archive"}
    assert archived and first["outcomes"] == {"archived": len(archived)}
    # WHEN another run comes two hours later (a day after the first event's time, but two hours after the
    # function archived them)
    later = RUN_TIME + timedelta(hours=2)
    with process_clock(later):
        second = _run(lambda_context, _at(later), quarantine={"graceDays": 1})
    # THEN every archived version is still in quarantine: its grace started when the function archived it
    reasons = {i["version"]: i["reason"] for i in second["items"] if i["version"] in archived}
    assert all(reason.startswith("kept: in quarantine since") for reason in reasons.values()), reasons
    assert "disposed" not in second["outcomes"]
    assert {v for v, s in statuses(client, UI_KIT).items() if v in archived} == archived
    assert all(s == "Archived" for v, s in statuses(client, UI_KIT).items() if v in archived)


def test_quarantine_disposes_once_the_functions_own_clock_has_passed_the_grace(
    lambda_context, emulator, client, ledger_name
):
    # GIVEN versions archived by a run, and a week passing on the function's own clock
    archived = {i["version"] for i in _run(lambda_context, _at(RUN_TIME))["items"] if i["action"] == "archive"}
    later = RUN_TIME + timedelta(days=7)
    with process_clock(later):
        report = _run(lambda_context, _at(later))
    # THEN they are disposed, pinned to Archived
    disposed = {i["version"] for i in report["items"] if i["reason"].startswith("dispose: in quarantine")}
    assert disposed == archived and report["outcomes"]["disposed"] == len(archived)


@pytest.mark.parametrize(
    ("event_time", "error"),
    [
        ("0001-01-01T00:00:00Z", StaleClockError),
        (_at(RUN_TIME - timedelta(days=8)), StaleClockError),
        (_at(RUN_TIME - timedelta(hours=24, minutes=2)), StaleClockError),
        ("9999-12-31T23:59:59Z", FutureClockError),
        (_at(RUN_TIME + timedelta(minutes=10)), FutureClockError),
    ],
    ids=["year-1", "8-days-ago", "just-over-24h", "year-9999", "10-minutes-ahead"],
)
def test_run_event_outside_the_clock_bounds_is_refused_before_any_call(
    lambda_context, emulator, printed, event_time: str, error: type[Exception]
):
    # GIVEN an event whose time no EventBridge delivery has / WHEN delivered, in plan mode as in apply mode
    control(emulator, "reset-stats", {})
    for mode in ("plan", "apply"):
        with pytest.raises(error):
            _run(lambda_context, event_time, mode=mode)
    # THEN nothing was called, and an error record says why
    assert calls(emulator) == {}
    refusals = [r for r in printed() if r.get("message") == "run event refused"]
    assert len(refusals) == 2 and {r["error_code"] for r in refusals} == {error.code}  # type: ignore[attr-defined]


# make fuzz sends FUZZ_CASES API requests; a fiftieth as many event times here.
EVENT_TIME_CASES = max(25, int(os.environ.get("FUZZ_CASES", "1250")) // 50)
BOUNDED = (StaleClockError, FutureClockError)


@settings(max_examples=EVENT_TIME_CASES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    moment=st.one_of(
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59), timezones=st.just(UTC)),
        st.datetimes(
            min_value=(RUN_TIME - timedelta(hours=25)).replace(tzinfo=None),
            max_value=(RUN_TIME + timedelta(minutes=10)).replace(tzinfo=None),
            timezones=st.just(UTC),
        ),
    )
)
def test_any_event_time_is_run_or_refused_never_a_crash(lambda_context, emulator, moment: datetime):
    # GIVEN a plan-mode run event of any time, the process's clock at RUN_TIME
    moment = moment.replace(microsecond=0)
    event = scheduled_event(mode="plan")
    event["time"] = moment.isoformat().replace("+00:00", "Z")
    wall = RUN_TIME + timedelta(minutes=1)
    inside = wall - timedelta(hours=24) <= moment <= wall + timedelta(minutes=5)
    # WHEN delivered / THEN within the bounds it plans; outside them it is refused with the clock's error
    try:
        report = lambda_handler(event, lambda_context)
    except BOUNDED:
        assert not inside, event["time"]
    else:
        assert inside and report["mode"] == "plan", event["time"]
