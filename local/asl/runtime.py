"""What a running state sees: the Run it belongs to (execution, environment, stop signal, deadline) and its Scope
(its name, definition, entry time, retries and task token), from which the context object is built."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from local.asl.clock import Clock, Signal
from local.asl.environment import Environment
from local.asl.errors import TIMEOUT, ExecutionAborted, ExecutionTimedOut, StatesError
from local.asl.execution import Execution, Status, iso, to_json


@dataclass(frozen=True)
class Run:
    """One workflow running: the top-level execution, an inline Map iteration, or a Distributed Map child."""

    execution: Execution
    environment: Environment
    signal: Signal
    state_machine: Mapping[str, str]
    deadline: datetime | None = None

    @property
    def clock(self) -> Clock:
        return self.environment.clock

    def derive(self, *, execution: Execution | None = None, signal: Signal | None = None) -> Run:
        """The Run of an iteration or child: another execution or stop signal, the same deadline."""
        return replace(self, execution=execution or self.execution, signal=signal or self.signal)

    def check(self) -> None:
        """ExecutionAborted once stopped, ExecutionTimedOut past the deadline."""
        if self.signal.fired:
            raise ExecutionAborted(self.execution.arn)
        if self.deadline is not None and self.clock.now() >= self.deadline:
            raise ExecutionTimedOut(self.execution.arn)

    def sleep(self, seconds: float | None, until: Signal | None = None) -> bool:
        """Wait up to `seconds` (None: no limit) or until `until` fires; whether it fired. A wait never runs
        past the deadline, and ends in ExecutionAborted or ExecutionTimedOut as `check` does."""
        limit = seconds
        if self.deadline is not None:
            left = max(0.0, (self.deadline - self.clock.now()).total_seconds())
            limit = left if limit is None else min(limit, left)
        fired = self.clock.sleep(limit, until or self.signal)
        self.check()
        return fired and until is not None


@dataclass
class Scope:
    """One state being run."""

    run: Run
    name: str
    state: Mapping[str, Any]
    entered: datetime
    retry_count: int = 0
    token: str | None = None
    map_item: dict[str, Any] | None = field(default=None)

    def context(self) -> dict[str, Any]:
        """The context object (`$$`) as the state sees it now."""
        context: dict[str, Any] = {
            "Execution": self.run.execution.context(),
            "StateMachine": dict(self.run.state_machine),
            "State": {"Name": self.name, "EnteredTime": iso(self.entered), "RetryCount": self.retry_count},
        }
        if self.token is not None:
            context["Task"] = {"Token": self.token}
        if self.map_item is not None:
            context["Map"] = {"Item": self.map_item}
        return context

    def record(self, event_type: str, **details: Any) -> None:
        """An event in the history of the execution this state runs in."""
        self.run.execution.record(event_type, **details)


def settle(run: Run, action: Callable[[], Any]) -> Execution:
    """Run `action` as the whole of `run.execution` and close the execution with what came of it.

    A stopped execution is already closed (ABORTED); a timed-out one stops what still runs for it.
    """
    execution = run.execution
    execution.record("ExecutionStarted", input=to_json(execution.input), roleArn=execution.role_arn or None)
    try:
        output = action()
    except StatesError as error:
        execution.finish(Status.FAILED, error=error.error or None, cause=error.cause)
    except ExecutionAborted:
        execution.finish(Status.ABORTED)
    except ExecutionTimedOut:
        execution.finish(Status.TIMED_OUT, error=TIMEOUT, cause="The execution ran longer than its TimeoutSeconds")
        run.signal.fire()
    else:
        execution.finish(Status.SUCCEEDED, output=output)
    return execution
