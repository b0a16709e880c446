"""Task tokens of `.waitForTaskToken` tasks: issued to a waiting task, answered from any thread by
SendTaskSuccess, SendTaskFailure or SendTaskHeartbeat, refused as the API refuses them once closed."""

from __future__ import annotations

import base64
import binascii
import json
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from local.asl.clock import Clock, Signal
from local.asl.errors import ServiceError


@dataclass(frozen=True)
class Answer:
    """What a token was answered with: an output, or an error and a cause."""

    succeeded: bool
    output: Any = None
    error: str | None = None
    cause: str | None = None


@dataclass
class _Task:
    execution_arn: str
    signal: Signal
    last_beat: datetime
    answer: Answer | None = None
    closed: str | None = None


class TaskTokens:
    """Every token this process issued, open or closed."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._tasks: dict[str, _Task] = {}
        self._lock = threading.Lock()

    def issue(self, execution_arn: str, parent: Signal) -> str:
        """A new token for a task of `execution_arn`; its signal fires when answered, or with `parent`."""
        body = json.dumps({"executionArn": execution_arn, "id": uuid.uuid4().hex}).encode()
        token = base64.urlsafe_b64encode(body).decode()
        with self._lock:
            self._tasks[token] = _Task(execution_arn, parent.child(), self._clock.now())
        return token

    def signal(self, token: str) -> Signal:
        """What a waiting task waits on."""
        with self._lock:
            return self._tasks[token].signal

    def answer(self, token: str) -> Answer | None:
        """The answer, once there is one."""
        with self._lock:
            return self._tasks[token].answer

    def last_beat(self, token: str) -> datetime:
        """When the task was issued or last sent a heartbeat."""
        with self._lock:
            return self._tasks[token].last_beat

    def close(self, token: str, reason: str) -> Answer | None:
        """The task no longer waits (`timed out` makes later answers TaskTimedOut, anything else
        TaskDoesNotExist); the answer, if one came first."""
        with self._lock:
            task = self._tasks[token]
            task.closed = task.closed or reason
            return task.answer

    def succeed(self, token: str, output: Any) -> None:
        """SendTaskSuccess."""
        self._answer(token, Answer(True, output=output))

    def fail(self, token: str, error: str | None, cause: str | None) -> None:
        """SendTaskFailure."""
        self._answer(token, Answer(False, error=error, cause=cause))

    def heartbeat(self, token: str) -> None:
        """SendTaskHeartbeat."""
        with self._lock:
            self._open(token).last_beat = self._clock.now()

    def _answer(self, token: str, answer: Answer) -> None:
        with self._lock:
            task = self._open(token)
            task.answer, task.closed = answer, "answered"
        task.signal.fire()

    def _open(self, token: str) -> _Task:
        task = self._tasks.get(token)
        if task is None:
            _check_format(token)
            raise ServiceError("TaskDoesNotExist", "Task Does Not Exist")
        if task.closed == "timed out":
            raise ServiceError("TaskTimedOut", "Task Timed Out")
        if task.closed:
            raise ServiceError("TaskDoesNotExist", "Task Does Not Exist")
        return task


def _check_format(token: str) -> None:
    try:
        json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError):
        raise ServiceError("InvalidToken", f"Invalid Token: {token[:64]!r}") from None
