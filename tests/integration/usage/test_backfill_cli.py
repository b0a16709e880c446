"""`codeartifact-disposer usage backfill` end to end: in this process over a local ledger table, and through Lambda's
Invoke (the local endpoint of local/invoke.py running the recorder's real handler, since moto's Lambda runs code
only in Docker), invocation after invocation from where the last stopped, with the exit codes of the CLI."""

import io
import socket
from datetime import datetime, timedelta
from typing import Any

import pytest

import disposer.recorder
from disposer import clock
from disposer.model.usage import first_gap
from disposer.recorder.backfill import BACKFILL_MARGIN_SECONDS
from disposer.trail.history import CONNECT_SECONDS, READ_SECONDS
from disposer.usage.history import last_hour_end
from disposer_cli import backfill as command
from disposer_cli.main import main
from local.invoke import LocalLambda
from tests.integration.usage.backfill_days import HOUR, LODASH, hour_records
from tests.integration.usage.conftest import Trail

# An invocation that leaves about 2 s of reading (after its margin and one attempt's time): a day takes several.
SHORT_MS = int((BACKFILL_MARGIN_SECONDS + CONNECT_SECONDS + READ_SECONDS + 2) * 1000)
FUNCTION = "CodeArtifactDisposer-UsageRecorder-EXAMPLE"


def last_day(trail: Trail) -> tuple[datetime, datetime]:
    """The hours `usage backfill --days 1` reads, each with the trail's files of two lodash downloads."""
    end = last_hour_end(clock.now())
    start = end - timedelta(days=1)
    for index in range(24):
        hour = start + index * HOUR
        trail.writer.deliver_hour(hour, [hour_records(hour, index)])
    return start, end


def cli(*words: str) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = main(["usage", "backfill", *words], stdout=out)
    return code, out.getvalue().splitlines()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def assert_covered(trail: Trail, start: datetime, end: datetime) -> None:
    assert first_gap(trail.ledger.covered(start, end), start, end - timedelta(seconds=1)) is None
    assert len(trail.ledger.downloads(LODASH)) == 5  # 4.17.0 to 4.17.4, each hour's latest


def test_cli_backfills_a_local_ledger_in_process_step_by_step(
    trail: Trail, history: Any, monkeypatch: pytest.MonkeyPatch
):
    # GIVEN the last day's downloads in event history, and in-process steps of a short invocation's time
    start, end = last_day(trail)
    history()
    monkeypatch.setattr(command, "LOCAL_STEP_SECONDS", SHORT_MS / 1000)
    # WHEN the CLI backfills the day into the local ledger table
    code, lines = cli("--days", "1", "--ledger-table", trail.ledger.name)
    # THEN it went step by step to the end, saying so, and every hour is covered
    assert code == 0, lines
    steps = [line for line in lines if " covered, " in line and not line.startswith("done:")]
    assert lines[0].startswith("backfilling 24 hours") and "in this process" in lines[0]
    assert len(steps) >= 2 and steps[0].startswith(start.strftime("%Y-%m-%dT%H:%M:%SZ to "))
    assert lines[-1] == f"done: 24 of 24 hours covered, 24 downloads recorded, {len(steps)} invocations"
    assert_covered(trail, start, end)


def test_cli_backfills_through_the_recorders_invocations(trail: Trail, history: Any, monkeypatch: pytest.MonkeyPatch):
    # GIVEN the recorder behind Lambda's Invoke, each invocation with about 2 s to read
    start, end = last_day(trail)
    history()
    recorder = LocalLambda(
        {FUNCTION: (lambda event, context: disposer.recorder.lambda_handler(event, context), SHORT_MS)}
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", recorder.url)
    monkeypatch.setenv("DISPOSER_RECORDER_FUNCTION", FUNCTION)
    # WHEN the CLI backfills the day (the function named by the stack's output, in the environment)
    with recorder:
        code, lines = cli("--days", "1")
    # THEN it invoked the recorder again and again, each time from where the last one stopped
    assert code == 0, lines
    events = [event["backfill"] for _, event in recorder.app.invocations]
    assert len(events) >= 2 and all(event["to"] == end.strftime("%Y-%m-%dT%H:%M:%SZ") for event in events)
    assert [event["from"] for event in events] == sorted({event["from"] for event in events})
    assert lines[-1] == f"done: 24 of 24 hours covered, 24 downloads recorded, {len(events)} invocations"
    assert_covered(trail, start, end)


def test_cli_reads_a_failed_hour_again_at_the_end(trail: Trail, history: Any, monkeypatch: pytest.MonkeyPatch):
    # GIVEN an hour whose first page fails on the first pass (every attempt of it), then answers
    monkeypatch.setenv("DISPOSER_MAX_ATTEMPTS", "2")
    start, end = last_day(trail)
    history().app.fail_page(start + 5 * HOUR, 1, times=2)
    # WHEN the CLI backfills the day
    code, lines = cli("--days", "1", "--ledger-table", trail.ledger.name)
    # THEN the first pass left it, the second covered it, and the day is covered
    assert code == 0, lines
    assert lines[1].endswith(", 1 hour failed") and "reading 1 failed hour again" in lines
    assert lines[-1].startswith("done: 24 of 24 hours covered")
    assert_covered(trail, start, end)


def test_cli_stops_when_event_history_fails_every_hour(
    trail: Trail, history: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    # GIVEN event history that throttles everything (others use the whole quota), botocore trying once
    monkeypatch.setenv("DISPOSER_MAX_ATTEMPTS", "1")
    last_day(trail)
    served = history()
    served.app.throttle_next(10**6)
    # WHEN the CLI backfills / THEN it stops after the recorder gave up (3 hours in a row), exit 4 naming them
    code, lines = cli("--days", "1", "--ledger-table", trail.ledger.name)
    assert code == 4 and len(served.app.requests) == 3
    error = capsys.readouterr().err
    assert "3 hours not covered" in error and "EventHistoryUnavailable" in error and "ThrottlingException" in error
    assert lines[-1] == "done: 0 of 24 hours covered, 0 downloads recorded, 1 invocation"


def test_cli_says_unreachable_when_event_history_does_not_answer(
    trail: Trail, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("DISPOSER_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDTRAIL", f"http://127.0.0.1:{free_port()}")
    code, _ = cli("--days", "1", "--ledger-table", trail.ledger.name)
    assert code == 7 and "EventHistoryUnreachable" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("function", "endpoint", "expected", "says"),
    [
        ("no-such-function", "lambda", 4, "ResourceNotFoundException"),
        (FUNCTION, "closed", 7, "could not reach Lambda"),
        (None, None, 2, "no recorder to invoke"),
    ],
    ids=["not-found", "unreachable", "none-named"],
)
def test_cli_exit_codes_when_the_recorder_cannot_be_invoked(
    trail: Trail,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    function: str | None,
    endpoint: str | None,
    expected: int,
    says: str,
):
    # GIVEN a recorder behind Lambda's Invoke, or Lambda not answering, or nothing named (and no ledger table)
    monkeypatch.delenv("DISPOSER_LEDGER_TABLE")
    recorder = LocalLambda(
        {FUNCTION: (lambda event, context: disposer.recorder.lambda_handler(event, context), SHORT_MS)}
    )
    url = recorder.url if endpoint == "lambda" else f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", url)
    # WHEN the CLI is asked to backfill through it
    with recorder:
        code, _ = cli("--days", "1", *(("--function-name", function) if function else ()))
    # THEN the exit code and the one line on stderr say what went wrong; nothing was invoked
    assert code == expected and says in capsys.readouterr().err
    assert recorder.app.invocations == [] and trail.state() == []


@pytest.mark.parametrize("days", ["0", "91", "ninety"])
def test_cli_refuses_days_event_history_does_not_keep(days: str, capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as stopped:
        main(["usage", "backfill", "--days", days])
    assert stopped.value.code == 2 and "from 1 to 90" in capsys.readouterr().err


def test_cli_stops_when_an_hour_does_not_fit_in_one_invocation(
    trail: Trail, history: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    # GIVEN a first hour of four pages, and steps with time for about one page
    start = last_hour_end(clock.now()) - timedelta(days=1)
    trail.writer.deliver_hour(start, [hour_records(start, 0, many=150)])
    history()
    monkeypatch.setattr(command, "LOCAL_STEP_SECONDS", BACKFILL_MARGIN_SECONDS + CONNECT_SECONDS + READ_SECONDS + 0.2)
    # WHEN the CLI backfills / THEN it stops rather than read the same pages again and again, exit 4 naming the hour
    code, lines = cli("--days", "1", "--ledger-table", trail.ledger.name)
    assert code == 4, lines
    assert f"could not read the hour from {start:%Y-%m-%dT%H:%M:%SZ} within one invocation" in capsys.readouterr().err
    assert trail.ledger.covered(start, start + HOUR) == []
