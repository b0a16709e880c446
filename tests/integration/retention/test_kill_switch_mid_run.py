"""The kill switch flipped while a run writes: no write starts more than 10 s later (the switch is read
at most every `DISPOSER_SWITCH_CACHE_SECONDS`, then one call may be in flight); what was not sent is
reported DISPOSALS_DISABLED and the run aborted."""

import threading
import time
from typing import Any

import pytest

from disposer.codeartifact.client import CodeArtifactClient
from tests.integration.harness import control, run_scheduled
from tests.integration.seeds import CI_BUILDS_POLICY, ci_builds_seed

PACKAGES = [f"lib-{i:02d}" for i in range(10)]
CACHE_SECONDS = 1


@pytest.fixture
def seed() -> dict[str, Any]:
    # 10 packages of 8 versions 20 days apart: 3 disposals each, one dispose call per package.
    return ci_builds_seed(PACKAGES, 8, days_apart=20)


def test_switch_flipped_mid_run_no_write_starts_ten_seconds_later(lambda_context, emulator, switch, monkeypatch):
    # GIVEN a slow run (120 ms a call, one package written at a time), the switch read at most every
    # second, and the start of every dispose call that was sent (not refused before sending) recorded
    monkeypatch.setenv("DISPOSER_SWITCH_CACHE_SECONDS", str(CACHE_SECONDS))
    monkeypatch.setenv("DISPOSER_THREADS", "1")
    control(emulator, "faults", {"latencyMs": 120})
    started: list[float] = []
    original = CodeArtifactClient.dispose

    def timed(self: CodeArtifactClient, *args: Any, **kwargs: Any) -> Any:
        at = time.monotonic()
        answer = original(self, *args, **kwargs)
        started.append(at)
        return answer

    monkeypatch.setattr(CodeArtifactClient, "dispose", timed)
    flipped: list[float] = []

    def flip_after_the_first_dispose() -> None:
        while not started:
            time.sleep(0.01)
        switch.off()
        flipped.append(time.monotonic())

    flipper = threading.Thread(target=flip_after_the_first_dispose, daemon=True)
    flipper.start()
    # WHEN the run goes
    report = run_scheduled(lambda_context, **CI_BUILDS_POLICY)
    flipper.join(timeout=30)
    # THEN writes stopped: none started more than 10 s after the flip (here: the cache and one call)
    assert flipped
    late = [at - flipped[0] for at in started if at > flipped[0]]
    assert all(delay <= 10 for delay in late)
    assert all(delay <= CACHE_SECONDS + 1 for delay in late), late
    # AND the packages not written are reported DISPOSALS_DISABLED, the run aborted by the switch
    outcomes = report["outcomes"]
    assert outcomes.get("DISPOSALS_DISABLED", 0) > 0, outcomes
    assert outcomes.get("disposed", 0) + outcomes["DISPOSALS_DISABLED"] == 3 * len(PACKAGES)
    assert report["aborted"] and report["disposalsDisabled"]
