"""Warm Lambda execution environments for the workflow benchmark: each invocation of the steps function runs in
a process of its own, as Lambda runs it.

An environment is a Python process started with the function's environment variables, which imports the
handler (Lambda's init phase), then answers one invocation at a time. An invocation goes to an idle
environment, or to a new one when every one is busy (a cold start), so a Map state running N items at
once holds N environments, each pacing itself to its own share of the quotas, as in AWS. Its log lines
(formatted as in Lambda) go to /dev/null.

For each invocation the environment measures its duration, its CPU time and its peak resident memory:
the high-water mark (VmHWM) is reset before the invocation (`/proc/self/clear_refs`), so the figure is
what Lambda's "Max Memory Used" reports for that invocation, the warm process's own memory included.

`python -m bench.lambda_pool ADDRESS` is an environment (the pool starts them).
"""

from __future__ import annotations

import os
import resource
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HANDLER_TIMEOUT_MS = 900_000
_KEY_VARIABLE = "BENCH_LAMBDA_POOL_KEY"


@dataclass(frozen=True)
class Invocation:
    """One invocation as Lambda would bill and report it, and the AWS calls it made: by service, how many and
    the seconds they took, summed over its threads (a diagnostic: which stand-in kept it waiting)."""

    step: str
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    cold: bool
    error: str | None
    calls: dict[str, tuple[int, float]]


class FunctionError(Exception):
    """Stands for the exception an invocation raised: renamed to its class, so Step Functions names the error."""


def _error(name: str, message: str) -> Exception:
    kind: type[FunctionError] = type(name, (FunctionError,), {})
    return kind(message)


@dataclass
class _Environment:
    process: subprocess.Popen[bytes]
    connection: Connection
    invocations: int = 0


class LambdaPool:
    """Environments of one function; `invoke` is the callable the local Step Functions invokes."""

    def __init__(self, memory_mb: int, *, limit: int = 64) -> None:
        # What the function's configuration sets (`configure`), over this process's environment when an
        # environment starts.
        self._variables: dict[str, str] = {}
        self.memory_mb = memory_mb
        self._limit = limit
        self._idle: list[_Environment] = []
        self._all: list[_Environment] = []
        self._lock = threading.Lock()
        self._folder = tempfile.TemporaryDirectory(prefix="lambda-pool-")
        self._key = secrets.token_bytes(16)
        self.invocations: list[Invocation] = []

    def configure(self, variables: Mapping[str, str]) -> None:
        """The function's environment variables, for every environment started from now on."""
        with self._lock:
            self._variables.update(variables)

    def invoke(self, event: Any) -> Any:
        environment, cold = self._take()
        try:
            environment.connection.send(event)
            ok, value, stats = environment.connection.recv()
        except (EOFError, OSError) as error:
            raise _error("Runtime.ExitError", f"the execution environment ended: {error}") from None
        environment.invocations += 1
        with self._lock:
            self._idle.append(environment)
            self.invocations.append(Invocation(step=str(event.get("step")), cold=cold, **stats))
        if not ok:
            raise _error(*value)
        return value

    def _take(self) -> tuple[_Environment, bool]:
        with self._lock:
            if self._idle:
                return self._idle.pop(), False
            if len(self._all) >= self._limit:
                raise _error("Lambda.TooManyRequestsException", f"more than {self._limit} invocations at once")
            address = str(Path(self._folder.name) / f"{uuid.uuid4().hex}.sock")
            listener = Listener(address, family="AF_UNIX", authkey=self._key)
        try:
            environment = self._start(listener, address)
        finally:
            listener.close()
        with self._lock:
            self._all.append(environment)
        return environment, True

    def _start(self, listener: Listener, address: str) -> _Environment:
        with self._lock:
            variables = {**os.environ, **self._variables, _KEY_VARIABLE: self._key.hex()}
        variables["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = str(self.memory_mb)
        with open(Path(self._folder.name) / "stderr.log", "ab") as errors:
            process = subprocess.Popen(
                [sys.executable, "-m", "bench.lambda_pool", address],
                cwd=ROOT,
                env=variables,
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
        return _Environment(process, listener.accept())

    @property
    def environments(self) -> int:
        return len(self._all)

    def stderr(self) -> str:
        """What the environments wrote to stderr (tracebacks of a crash)."""
        path = Path(self._folder.name) / "stderr.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def close(self) -> None:
        for environment in self._all:
            environment.connection.close()
        for environment in self._all:
            try:
                environment.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                environment.process.kill()
                environment.process.wait()
        self._folder.cleanup()


# ---------------------------------------------------------------------------------------------------
# The environment's side


def _peak_rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    (line,) = [line for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(line.split()[1]) / 1024


def _reset_peak() -> None:
    """VmHWM back to the current resident memory (Linux 4.0 and later)."""
    Path("/proc/self/clear_refs").write_text("5")


class _CallTimer:
    """Counts every AWS call this process makes and the seconds it takes, by service (botocore's client)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: dict[str, list[float]] = {}

    def install(self) -> None:
        from botocore.client import BaseClient

        timed, timer = BaseClient._make_api_call, self  # type: ignore[attr-defined]

        def make_api_call(client: Any, operation: str, parameters: Any) -> Any:
            started = time.perf_counter()
            try:
                return timed(client, operation, parameters)
            finally:
                timer.add(client.meta.service_model.service_name, time.perf_counter() - started)

        BaseClient._make_api_call = make_api_call  # type: ignore[attr-defined]

    def add(self, service: str, seconds: float) -> None:
        with self._lock:
            entry = self.calls.setdefault(service, [0, 0.0])
            entry[0] += 1
            entry[1] += seconds

    def take(self) -> dict[str, tuple[int, float]]:
        with self._lock:
            taken = {service: (int(n), seconds) for service, (n, seconds) in self.calls.items()}
            self.calls.clear()
        return taken


_TIMER = _CallTimer()


def _invoke(handler: Any, event: Any) -> tuple[bool, Any, dict[str, Any]]:
    from local.events import LambdaContext

    context = LambdaContext(
        function_name="steps",
        memory_limit_in_mb=int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]),
        aws_request_id=str(uuid.uuid4()),
        remaining_time_in_millis=HANDLER_TIMEOUT_MS,
    )
    _reset_peak()
    before, started = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    error: str | None = None
    try:
        answer: tuple[bool, Any] = (True, handler(event, context))
    # Lambda turns any exception into an error response: its class name and message.
    except Exception as raised:
        error = type(raised).__name__
        answer = (False, (error, str(raised)))
        traceback.print_exc()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    stats = {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_rss_mb": _peak_rss_mb(),
        "error": error,
        "calls": _TIMER.take(),
    }
    return answer[0], answer[1], stats


def serve(address: str) -> None:
    """Import the handler (the init phase), then answer invocations until the pool hangs up."""
    _TIMER.install()
    # Connected first: an environment whose init fails hangs up, and the pool reports the invocation failed.
    connection = Client(address, family="AF_UNIX", authkey=bytes.fromhex(os.environ[_KEY_VARIABLE]))
    from disposer.steps import lambda_handler

    while True:
        try:
            event = connection.recv()
        except (EOFError, OSError):
            return
        connection.send(_invoke(lambda_handler, event))


if __name__ == "__main__":
    serve(sys.argv[1])
