"""Start the emulator, and moto for the other AWS services, as processes of their own, and stop them cleanly."""

import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

READY_URL = re.compile(r"ready.*?(http://127\.0\.0\.1:\d+)")


@contextmanager
def emulator_process(seed: Path | None = None, extra_args: Sequence[str] = (), timeout: float = 30.0) -> Iterator[str]:
    """Run `python -m local.emulator --port 0 [--seed FILE]`; yield its URL once it prints `ready`."""
    command = [sys.executable, "-m", "local.emulator", "--port", "0", *extra_args]
    if seed is not None:
        command += ["--seed", str(seed)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent)
    try:
        url = _wait_until_ready(process)
        # Keep reading what it prints so a full pipe can never stall the server.
        threading.Thread(target=process.stdout.read, daemon=True).start()  # type: ignore[union-attr]
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_ready(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    seen: list[str] = []
    for line in process.stdout:
        seen.append(line)
        match = READY_URL.search(line)
        if match:
            return match.group(1)
    raise RuntimeError(f"emulator exited ({process.wait()}) before it was ready: {''.join(seen)[-2000:]}")


@contextmanager
def moto_process(timeout: float = 30.0, *, module: str = "moto.server") -> Iterator[str]:
    """moto in server mode on a free loopback port (DynamoDB, SQS, SSM, STS); yield its URL once it answers.
    `module` runs another entry point taking moto.server's arguments (a benchmark's patched moto)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", module, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
