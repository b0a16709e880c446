"""Start the emulator as its own process through its public command, and stop it cleanly."""

import re
import subprocess
import sys
import threading
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
