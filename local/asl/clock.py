"""Time as the interpreter sees it: a Clock to read and to wait on (the system's, or a fake that never sleeps),
and the Signal that wakes a wait early (a task token answered, an execution stopped)."""

from __future__ import annotations

import threading
import time
import weakref
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Signal:
    """A one-way flag to wait on; firing a signal fires every child it made (a Map's iterations, a task)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._children: weakref.WeakSet[Signal] = weakref.WeakSet()
        self._lock = threading.Lock()

    @property
    def fired(self) -> bool:
        return self.event.is_set()

    def fire(self) -> None:
        with self._lock:
            self.event.set()
            children = list(self._children)
        for child in children:
            child.fire()

    def child(self) -> Signal:
        """A signal that fires with this one, and may also fire alone."""
        signal = Signal()
        with self._lock:
            self._children.add(signal)
            if self.event.is_set():
                signal.event.set()
        return signal


class Clock(Protocol):
    """What the interpreter asks of time."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...

    def sleep(self, seconds: float | None, until: Signal | None = None) -> bool:
        """Wait `seconds` (None: until `until` fires), or less when `until` fires first; whether it fired."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float | None, until: Signal | None = None) -> bool:
        if until is not None:
            return until.event.wait(seconds)
        if seconds is None:
            raise ValueError("waiting forever for nothing")
        time.sleep(seconds)
        return False


class FakeClock:
    """A clock that jumps over every wait with a deadline, recording it: waits, retries and timeouts
    take no real time. A wait with no deadline (a task token with no timeout) waits in real time."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2024, 1, 1, tzinfo=UTC)
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)

    def sleep(self, seconds: float | None, until: Signal | None = None) -> bool:
        if until is not None and until.fired:
            return True
        if seconds is None:
            if until is None:
                raise ValueError("waiting forever for nothing")
            return until.event.wait()
        with self._lock:
            self.sleeps.append(seconds)
            self._now += timedelta(seconds=seconds)
        return until is not None and until.fired
