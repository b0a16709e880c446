"""A run workflow's execution as Step Functions reports it: its name, status and times."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ExecutionStatus(StrEnum):
    """Step Functions' own statuses of an execution (ABORTED: someone stopped it with StopExecution)."""

    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    ABORTED = "ABORTED"
    PENDING_REDRIVE = "PENDING_REDRIVE"


@dataclass(frozen=True, slots=True)
class Execution:
    """One execution of the state machine; `input` (the JSON it was started with) only when described."""

    arn: str
    name: str
    status: str
    started_at: datetime
    stopped_at: datetime | None = None
    input: str | None = None
