"""The CLI's `usage backfill`: the last N days of downloads read from CloudTrail's event history into the ledger,
so that keep.downloadedWithinDays need not keep every candidate for N days after the recorder is deployed.

    usage backfill --days N [--function-name NAME]

Against a deployment it invokes the recorder (--function-name, the stack's RecorderFunctionName, or
$DISPOSER_RECORDER_FUNCTION) again and again, each time from where the last stopped (`next`), then once more
for each hour that failed. Without one but with a ledger table (--ledger-table: a local one, moto, the demo)
it runs the same backfill in this process, with the CLI's credentials, a step at a time. It prints a line per
invocation and a summary; an hour still failed at the end is named, and the exit code says why (4: AWS
refused or failed, 7: nothing answered).
"""

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TextIO

from disposer import clock
from disposer.errors import LedgerError
from disposer.recorder.handler import run_backfill
from disposer.settings import Settings
from disposer.usage.history import HOUR, first_hour_held, last_hour_end
from disposer_cli.exits import EXIT_AWS, EXIT_BAD_INPUT, EXIT_OK, EXIT_UNREACHABLE, fail
from disposer_cli.recorder_api import RecorderError, RecorderFunction, stamp

FUNCTION_VARIABLE = "DISPOSER_RECORDER_FUNCTION"
# The hours a CLI starts on are computed a little ahead of the recorder's check: the oldest one is left out
# rather than refused as more than 90 days old by the time the recorder reads the clock.
CLOCK_SLACK = timedelta(minutes=10)
# An in-process step stands for an invocation of this many seconds (the recorder keeps its margin of them).
LOCAL_STEP_SECONDS = 120
# LookupEvents at (just under) 2 requests a second: an hour of fewer than 50 downloads is one request.
PAGES_PER_MINUTE = 60 * 1.9
UNREACHABLE_CODES = frozenset({"EventHistoryUnreachable"})

Step = Callable[[datetime, datetime], dict[str, Any]]


class BackfillCommandError(Exception):
    """Something the operator can fix (no recorder named, no ledger): printed, exit 2."""


@dataclass
class Progress:
    """What the invocations did so far."""

    hours: int
    covered: int = 0
    downloads: int = 0
    invocations: int = 0
    failed: dict[datetime, tuple[str, str]] = field(default_factory=dict)

    def count(self, answer: dict[str, Any]) -> None:
        self.invocations += 1
        self.covered += int(answer["hoursCovered"])
        self.downloads += int(answer["downloadsRecorded"])
        for failed in answer.get("hoursFailed", []):
            self.failed[_time(failed["hour"])] = (failed["errorCode"], failed["errorMessage"])


def run(arguments: argparse.Namespace, stdout: TextIO) -> int:
    now = clock.now()
    end = last_hour_end(now)
    start = max(end - timedelta(days=arguments.days), first_hour_held(now + CLOCK_SLACK))
    step, where = _step(arguments)
    progress = Progress(hours=int((end - start) / HOUR))
    print(
        f"backfilling {_count(progress.hours, 'hour')} from {stamp(start)} to {stamp(end)} {where}; event history "
        f"answers 2 requests a second, a request an hour and one more for every 50 downloads in it: at least "
        f"{_duration(progress.hours / PAGES_PER_MINUTE)}",
        file=stdout,
    )
    try:
        stopped = _forward(step, start, end, progress, stdout) or _again(step, progress, stdout)
    except RecorderError as error:
        return fail(str(error), EXIT_UNREACHABLE if error.unreachable else EXIT_AWS)
    except LedgerError as error:
        return fail(f"{error.code}: {error.message}", EXIT_AWS)
    print(
        f"done: {progress.covered} of {_count(progress.hours, 'hour')} covered, "
        f"{_count(progress.downloads, 'download')} recorded, {_count(progress.invocations, 'invocation')}",
        file=stdout,
    )
    if stopped is not None:
        return stopped
    if progress.failed:
        return _failed(progress)
    return EXIT_OK


def _step(arguments: argparse.Namespace) -> tuple[Step, str]:
    """How one invocation's worth is run: the deployed recorder, or this process over a local ledger."""
    name = arguments.function_name or os.environ.get(FUNCTION_VARIABLE)
    if name:
        return RecorderFunction(name).backfill, f"by the recorder {name}"
    if Settings.from_environment().ledger_table is None:
        raise BackfillCommandError(
            f"no recorder to invoke: pass --function-name (the stack's RecorderFunctionName) or set "
            f"{FUNCTION_VARIABLE}; or --ledger-table for a local ledger table"
        )

    def local(start: datetime, end: datetime) -> dict[str, Any]:
        event = {"backfill": {"from": stamp(start), "to": stamp(end)}}
        return run_backfill(event, remaining_ms=LOCAL_STEP_SECONDS * 1000, function_arn="")

    return local, "in this process"


def _forward(step: Step, start: datetime, end: datetime, progress: Progress, stdout: TextIO) -> int | None:
    """Invoke from `start` until the recorder says it is done; an exit code if it has to stop before."""
    position: datetime | None = start
    while position is not None:
        answer = step(position, end)
        if "error" in answer:
            return _refused(answer["error"])
        progress.count(answer)
        following = None if answer["next"] is None else _time(answer["next"])
        reached = following or end
        failed = len(answer.get("hoursFailed", []))
        print(
            f"{stamp(position)} to {stamp(reached)}: {_count(answer['hoursCovered'], 'hour')} covered, "
            f"{_count(answer['downloadsRecorded'], 'download')} recorded"
            + (f", {_count(failed, 'hour')} failed" if failed else ""),
            file=stdout,
        )
        if following is not None and following <= position:
            # Not even one hour read within an invocation: asking again would read the same pages again.
            return fail(
                f"the recorder could not read the hour from {stamp(position)} within one invocation (more pages "
                "than its time allows); the hours from it on are not covered",
                EXIT_AWS,
            )
        if following is not None and failed and not answer["hoursCovered"]:
            # Nothing covered and event history failing: further hours would fare no better.
            return _failed(progress)
        position = following
    return None


def _again(step: Step, progress: Progress, stdout: TextIO) -> int | None:
    """Each failed hour once more, on its own (one event history no longer holds whole stays failed)."""
    if progress.failed:
        print(f"reading {_count(len(progress.failed), 'failed hour')} again", file=stdout)
    for hour in sorted(progress.failed):
        if hour < first_hour_held(clock.now() + CLOCK_SLACK):
            continue
        answer = step(hour, hour + HOUR)
        if "error" in answer:
            return _refused(answer["error"])
        if answer["hoursCovered"]:
            del progress.failed[hour]
        progress.covered += int(answer["hoursCovered"])
        progress.downloads += int(answer["downloadsRecorded"])
        progress.invocations += 1
    return None


def _refused(error: dict[str, Any]) -> int:
    code = EXIT_BAD_INPUT if error.get("code") == "InvalidBackfillRange" else EXIT_AWS
    return fail(f"the recorder refused the backfill: {error.get('code')}: {error.get('message')}", code)


def _failed(progress: Progress) -> int:
    hours = sorted(progress.failed)
    codes = {code for code, _ in progress.failed.values()}
    first_code, first_message = progress.failed[hours[0]]
    shown = ", ".join(stamp(hour) for hour in hours[:5]) + (f" and {len(hours) - 5} more" if len(hours) > 5 else "")
    code = EXIT_UNREACHABLE if codes <= UNREACHABLE_CODES else EXIT_AWS
    return fail(
        f"{_count(len(hours), 'hour')} not covered ({shown}): {first_code}: {first_message}; run the backfill "
        "again for them (a policy with keep.downloadedWithinDays keeps every candidate until they are covered)",
        code,
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _duration(minutes: float) -> str:
    return f"{minutes * 60:.0f} s" if minutes < 2 else f"{minutes:.0f} minutes"


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
