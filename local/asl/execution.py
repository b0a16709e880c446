"""An execution as the API shows it: its status, input, output or error, dates and event history; and the
Map runs of its Distributed Map states."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from local.asl.clock import Clock, Signal


class Status(StrEnum):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    ABORTED = "ABORTED"


_CLOSING_EVENTS = {
    Status.SUCCEEDED: "ExecutionSucceeded",
    Status.FAILED: "ExecutionFailed",
    Status.TIMED_OUT: "ExecutionTimedOut",
    Status.ABORTED: "ExecutionAborted",
}


def to_json(value: Any) -> str:
    """JSON text as Step Functions writes it into history and results: compact."""
    return json.dumps(value, separators=(",", ":"))


def iso(moment: datetime) -> str:
    """A time as the context object writes it: `2024-01-01T00:00:00.000Z`."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class HistoryEvent:
    """One event: `details` are the members of its `<type>EventDetails` in GetExecutionHistory."""

    id: int
    previous_id: int
    type: str
    timestamp: datetime
    details: dict[str, Any]

    @property
    def details_key(self) -> str | None:
        """The HistoryEvent member that carries the details (`stateEnteredEventDetails`...), if any."""
        if not self.details:
            return None
        for suffix in ("StateEntered", "StateExited"):
            if self.type.endswith(suffix):
                return f"state{suffix.removeprefix('State')}EventDetails"
        return f"{self.type[0].lower()}{self.type[1:]}EventDetails"

    @property
    def state_name(self) -> str | None:
        """The state an event is about, where the event names one."""
        name = self.details.get("name")
        return name if isinstance(name, str) else None


@dataclass
class MapRun:
    """The child executions of one run of a Distributed Map state."""

    arn: str
    execution_arn: str
    max_concurrency: int
    executions: list[Execution] = field(default_factory=list)
    status: str = "RUNNING"


class Execution:
    """One execution; thread-safe. Its status changes once, from RUNNING to a final status."""

    def __init__(
        self, *, arn: str, name: str, state_machine_arn: str, input: Any, clock: Clock, role_arn: str = ""
    ) -> None:
        self.arn = arn
        self.name = name
        self.state_machine_arn = state_machine_arn
        self.role_arn = role_arn
        self.input = input
        self.status = Status.RUNNING
        self.output: Any = None
        self.error: str | None = None
        self.cause: str | None = None
        self.start_date = clock.now()
        self.stop_date: datetime | None = None
        self.history: list[HistoryEvent] = []
        self.map_runs: list[MapRun] = []
        self.map_run_arn: str | None = None
        self.signal = Signal()
        self._clock = clock
        self._lock = threading.Lock()
        self._done = threading.Event()

    def __repr__(self) -> str:
        return f"Execution({self.name!r}, {self.status}, error={self.error!r}, cause={self.cause!r})"

    def record(self, event_type: str, **details: Any) -> HistoryEvent:
        """Append an event; `details` as GetExecutionHistory names them (None values left out)."""
        with self._lock:
            return self._record(event_type, details)

    def _record(self, event_type: str, details: dict[str, Any]) -> HistoryEvent:
        number = len(self.history) + 1
        event = HistoryEvent(
            id=number,
            previous_id=number - 1,
            type=event_type,
            timestamp=self._clock.now(),
            details={key: value for key, value in details.items() if value is not None},
        )
        self.history.append(event)
        return event

    def finish(self, status: Status, *, output: Any = None, error: str | None = None, cause: str | None = None) -> bool:
        """Close the execution with `status` unless it is already closed; whether this call closed it."""
        with self._lock:
            if self.status is not Status.RUNNING:
                return False
            self.status, self.error, self.cause = status, error, cause
            self.output = output if status is Status.SUCCEEDED else None
            self.stop_date = self._clock.now()
            if status is Status.SUCCEEDED:
                details: dict[str, Any] = {"output": to_json(output), "outputDetails": {"truncated": False}}
            else:
                details = {"error": error, "cause": cause}
            self._record(_CLOSING_EVENTS[status], details)
        self._done.set()
        return True

    def stop(self, error: str | None = None, cause: str | None = None) -> datetime:
        """StopExecution: ABORTED now; what still runs for it is woken and told to end."""
        self.finish(Status.ABORTED, error=error, cause=cause)
        self.signal.fire()
        assert self.stop_date is not None
        return self.stop_date

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the execution is closed; whether it is."""
        return self._done.wait(timeout)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def context(self) -> dict[str, Any]:
        """The context object's `Execution` member."""
        return {
            "Id": self.arn,
            "Input": self.input,
            "Name": self.name,
            "RoleArn": self.role_arn,
            "StartTime": iso(self.start_date),
            "RedriveCount": 0,
        }

    def states_entered(self) -> list[str]:
        """The names of the states entered, in order (Map iterations' states included)."""
        with self._lock:
            return [event.details["name"] for event in self.history if event.type.endswith("StateEntered")]

    def events(self, event_type: str) -> list[HistoryEvent]:
        """The events of one type, in order."""
        with self._lock:
            return [event for event in self.history if event.type == event_type]
