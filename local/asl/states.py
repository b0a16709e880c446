"""The states that call nothing outside: Pass, Wait, Choice, Succeed and Fail. Each takes the state's raw input
and returns its output and the next state's name (None at an end)."""

from __future__ import annotations

from typing import Any

from local.asl import choice, paths
from local.asl.errors import RUNTIME, StatesError
from local.asl.processing import effective_input, next_state, output_path, state_output
from local.asl.runtime import Scope

Outcome = tuple[Any, str | None]


def run_pass(scope: Scope, data: Any) -> Outcome:
    """Pass: its Result, or its effective input, placed by ResultPath."""
    state, context = scope.state, scope.context()
    effective = effective_input(state, data, context, "Parameters")
    result = state.get("Result", effective)
    return state_output(state, data, result, context), next_state(state)


def run_wait(scope: Scope, data: Any) -> Outcome:
    """Wait: Seconds, SecondsPath, Timestamp or TimestampPath, through the clock."""
    state, context = scope.state, scope.context()
    effective = effective_input(state, data, context)
    scope.run.sleep(_wait_seconds(scope, effective))
    return output_path(state, effective, context), next_state(state)


def _wait_seconds(scope: Scope, effective: Any) -> float:
    state = scope.state
    if "Seconds" in state or "SecondsPath" in state:
        seconds = state.get("Seconds")
        if "SecondsPath" in state:
            seconds = paths.select(state["SecondsPath"], effective, scope.context(), field="SecondsPath")
        if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
            raise StatesError(RUNTIME, f"The Wait state {scope.name!r} got {seconds!r} seconds, not a number >= 0")
        return float(seconds)
    stamp = state.get("Timestamp")
    if "TimestampPath" in state:
        stamp = paths.select(state["TimestampPath"], effective, scope.context(), field="TimestampPath")
    moment = choice.parse_timestamp(stamp)
    if moment is None:
        raise StatesError(RUNTIME, f"The Wait state {scope.name!r} got {stamp!r}, not an RFC 3339 timestamp")
    return max(0.0, (moment - scope.run.clock.now()).total_seconds())


def run_choice(scope: Scope, data: Any) -> Outcome:
    """Choice: the Next of the first matching rule, or Default."""
    state, context = scope.state, scope.context()
    effective = effective_input(state, data, context)
    return output_path(state, effective, context), choice.choose(state, effective, context)


def run_succeed(scope: Scope, data: Any) -> Outcome:
    """Succeed: ends its workflow (an iteration's, in a Map)."""
    state, context = scope.state, scope.context()
    return output_path(state, effective_input(state, data, context), context), None


def run_fail(scope: Scope, data: Any) -> Outcome:
    """Fail: its Error and Cause (or ErrorPath and CausePath)."""
    state, context = scope.state, scope.context()
    error = state.get("Error")
    cause = state.get("Cause")
    if "ErrorPath" in state:
        error = paths.select(state["ErrorPath"], data, context, field="ErrorPath")
    if "CausePath" in state:
        cause = paths.select(state["CausePath"], data, context, field="CausePath")
    raise StatesError(str(error) if error is not None else "", None if cause is None else str(cause))
