"""The errors of the States Language, the refusal of a definition, and the service's API errors."""

from __future__ import annotations

from collections.abc import Sequence

ALL = "States.ALL"
TASK_FAILED = "States.TaskFailed"
TIMEOUT = "States.Timeout"
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
RUNTIME = "States.Runtime"
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"
PARAMETER_PATH_FAILURE = "States.ParameterPathFailure"
RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
INTRINSIC_FAILURE = "States.IntrinsicFailure"
EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
ITEM_READER_FAILED = "States.ItemReaderFailed"
RESULT_WRITER_FAILED = "States.ResultWriterFailed"

# AWS: "States.ALL ... can't catch the States.DataLimitExceeded terminal error or the Runtime error types".
TERMINAL = frozenset({RUNTIME, DATA_LIMIT_EXCEEDED})
_TIMEOUTS = frozenset({TIMEOUT, HEARTBEAT_TIMEOUT})


class StatesError(Exception):
    """An error a state reports: its name (what Retry and Catch match) and its cause."""

    def __init__(self, error: str, cause: str | None = None) -> None:
        super().__init__(f"{error}: {cause}" if cause else error)
        self.error = error
        self.cause = cause


class DefinitionError(ValueError):
    """A definition the interpreter refuses: invalid ASL, or a feature it does not implement."""


class ExecutionAborted(Exception):
    """The execution was stopped (StopExecution), or the Map run around this iteration ended early."""


class ExecutionTimedOut(Exception):
    """The execution ran past the definition's top-level TimeoutSeconds."""


class ServiceError(Exception):
    """An error of the Step Functions API, named as botocore's model names it (`TaskDoesNotExist`...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def matches(error: str, error_equals: Sequence[str]) -> bool:
    """Whether a Retrier's or Catcher's ErrorEquals covers `error`.

    An exact name always matches. The wildcards never match the terminal errors; States.TaskFailed
    matches every other error except the timeouts (States.Timeout, which also covers heartbeats).
    """
    if error in error_equals:
        return True
    if error == HEARTBEAT_TIMEOUT and TIMEOUT in error_equals:
        return True
    if error in TERMINAL:
        return False
    if ALL in error_equals:
        return True
    return TASK_FAILED in error_equals and error not in _TIMEOUTS
