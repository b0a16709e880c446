"""The CLI in a real pseudo-terminal, its output rendered as a person's screen (pyte): what pipes never show,
a live progress display redrawing over a prompt or a message."""

import os
import sys
import time
from pathlib import Path

import pytest

from tests.integration.test_cli import AS_OF, POLICIES, disposed

pexpect = pytest.importorskip("pexpect")
pyte = pytest.importorskip("pyte")

ROOT = Path(__file__).resolve().parents[2]
COLUMNS, LINES = 160, 48
PROMPT = "Dispose 5 versions (irreversible)? Type the policy name to confirm:"


class Terminal:
    """A command in a pseudo-terminal and the screen its output draws."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(str(ROOT / part) for part in ("lambda", "cli", ".")),
            "TERM": "xterm-256color",
        }
        env.pop("NO_COLOR", None)
        self.child = pexpect.spawn(
            sys.executable, ["-m", "disposer_cli", *args], env=env, cwd=str(cwd), dimensions=(LINES, COLUMNS)
        )
        self.screen = pyte.Screen(COLUMNS, LINES)
        self.stream = pyte.ByteStream(self.screen)

    def wait_for(self, text: str, timeout: float = 60) -> None:
        self.child.expect_exact(text.encode(), timeout=timeout)
        self.stream.feed(self.child.before + self.child.after)

    def settle(self, seconds: float) -> None:
        """Take in whatever is drawn for `seconds` (a live display refreshes several times a second)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                self.stream.feed(self.child.read_nonblocking(65536, timeout=0.1))
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                break

    def shown(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def exit_status(self) -> int:
        self.child.expect(pexpect.EOF, timeout=60)
        self.stream.feed(self.child.before)
        self.child.close()
        return int(self.child.exitstatus)


@pytest.fixture
def policies_file(tmp_path: Path) -> Path:
    import json

    path = tmp_path / "policies.json"
    path.write_text(json.dumps(POLICIES))
    return path


@pytest.mark.slow
def test_cli_apply_in_a_terminal_keeps_the_prompt_and_the_refusal_on_screen(emulator, client, policies_file, tmp_path):
    # GIVEN an apply in a terminal, where the progress display is live while it plans
    args = ["--policies", str(policies_file), "apply", "prune-ui", "--as-of", AS_OF]
    terminal = Terminal([*args, "--endpoint-url", emulator.url, "--without-safety-controls"], tmp_path)
    # WHEN the question is asked, and the terminal left to redraw for a while
    terminal.wait_for("Type the policy name to confirm: ")
    terminal.settle(1.0)
    # THEN the plan's table and the question are on the screen, with no progress bar over or beside them
    screen = terminal.shown()
    assert PROMPT in screen, screen
    assert "packages planned" not in screen and "versions written" not in screen, screen
    header = next(line for line in screen.splitlines() if "REPOSITORY" in line)
    assert header.lstrip().startswith("REPOSITORY"), screen
    # WHEN a wrong answer is typed
    terminal.child.sendline(b"no")
    status = terminal.exit_status()
    # THEN the question, the answer and the refusal stay on the screen; exit 5, nothing disposed
    screen = terminal.shown()
    assert f"{PROMPT} no" in screen, screen
    assert "not confirmed: nothing disposed" in screen, screen
    assert status == 5 and disposed(client) == set()
