"""Retry and Catch. The first Retrier whose ErrorEquals matches decides, with its own count of attempts; once it
is used up the error goes to Catch (later Retriers are not tried). The wait before retry n (from 0) is
IntervalSeconds * BackoffRate ** n, at most MaxDelaySeconds, drawn at random below it with JitterStrategy FULL,
and goes through the clock, so a fake clock makes retries instant."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from local.asl.errors import StatesError, matches
from local.asl.processing import place_result
from local.asl.runtime import Scope

T = TypeVar("T")
DEFAULT_INTERVAL_SECONDS = 1
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_BACKOFF_RATE = 2.0


def retry_delay(retrier: Mapping[str, Any], retries_so_far: int) -> float:
    """Seconds to wait before this Retrier's next attempt."""
    interval = retrier.get("IntervalSeconds", DEFAULT_INTERVAL_SECONDS)
    delay = float(interval * retrier.get("BackoffRate", DEFAULT_BACKOFF_RATE) ** retries_so_far)
    if "MaxDelaySeconds" in retrier:
        delay = min(delay, float(retrier["MaxDelaySeconds"]))
    if retrier.get("JitterStrategy") == "FULL":
        delay = random.uniform(0, delay)
    return delay


def with_retry(scope: Scope, attempt: Callable[[], T]) -> T:
    """Run `attempt` until it succeeds or its error is not (or no longer) retried; the state's RetryCount
    (`$$.State.RetryCount`) counts the retries so far."""
    retriers: list[Mapping[str, Any]] = list(scope.state.get("Retry", []))
    counts = [0] * len(retriers)
    while True:
        try:
            return attempt()
        except StatesError as error:
            index = next((i for i, r in enumerate(retriers) if matches(error.error, r["ErrorEquals"])), None)
            if index is None or counts[index] >= retriers[index].get("MaxAttempts", DEFAULT_MAX_ATTEMPTS):
                raise
            delay = retry_delay(retriers[index], counts[index])
        counts[index] += 1
        scope.retry_count += 1
        scope.run.sleep(delay)


def catch(state: Mapping[str, Any], error: StatesError, data: Any) -> tuple[Any, str] | None:
    """The output and Next of the first Catcher that matches `error`, or None.

    The error output `{"Error", "Cause"}` goes into the state's raw input at the Catcher's ResultPath.
    """
    for catcher in state.get("Catch", []):
        if matches(error.error, catcher["ErrorEquals"]):
            output = {"Error": error.error} if error.cause is None else {"Error": error.error, "Cause": error.cause}
            return place_result(catcher.get("ResultPath", "$"), data, output), str(catcher["Next"])
    return None
