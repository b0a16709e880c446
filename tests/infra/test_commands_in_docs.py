"""Every shell command in README.md and docs/ works as written, or says why it cannot run here.

Each command of each ```bash / ```sh block is checked by the thing it would run: `make` targets exist;
`codeartifact-disposer` command lines parse with the CLI's own parser (every option and value as
written); the emulator's command line parses with its parser; `printf` and `cdk synth -c ...` are run
(the synth in-process, as app.py builds the stack, without bundling the asset). What needs an AWS
account (`aws`, `awscurl`, `curl` to the API, `cdk deploy`) is listed, not run. A command of any
other kind fails the test until this file learns how to check it.
"""

import re
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from disposer_cli.arguments import parser as cli_parser
from local.emulator.__main__ import build_parser as emulator_parser
from local.workflow.__main__ import build_parser as workflow_parser
from tests.infra.cdk_testkit import synth_stack

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```(?:bash|sh|shell)\n(.*?)```", re.DOTALL)
NEEDS_AWS = ("aws", "awscurl", "curl")
# Checked elsewhere: `pip install .` by tests/integration/test_cli_install.py.
INSTALLS = {("pip", "install", "."), ("pipx", "install", ".")}


def commands(text: str) -> Iterator[list[str]]:
    """The commands of one block: continuation lines and multi-line quotes joined, comments dropped."""
    pending = ""
    for line in text.splitlines():
        pending = f"{pending}\n{line}" if pending else line
        if pending.rstrip().endswith("\\"):
            pending = pending.rstrip()[:-1]
            continue
        try:
            words = shlex.split(pending, comments=True)
        except ValueError:  # an open quote: the command goes on on the next line
            continue
        pending = ""
        if words:
            yield words


def every_command() -> list[tuple[str, list[str]]]:
    found = []
    for document in DOCUMENTS:
        for block in BLOCK.findall(document.read_text(encoding="utf-8")):
            found += [(document.name, words) for words in commands(block)]
    return found


COMMANDS = every_command()
MAKE_TARGETS = set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), re.MULTILINE))


def test_docs_have_commands_to_check():
    assert len(COMMANDS) > 20
    assert any(words[0] == "codeartifact-disposer" for _, words in COMMANDS)


@pytest.mark.parametrize(("document", "words"), COMMANDS, ids=[f"{d}: {' '.join(w)[:60]}" for d, w in COMMANDS])
def test_command_works_as_written(document: str, words: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    program = words[0].split("=", 1)[-1] if "=" in words[0] else words[0]
    if program.startswith("$(") or words[0].startswith("QUERY="):
        program = "aws"
    if program in NEEDS_AWS or words[:2] == ["cdk", "deploy"]:
        pytest.skip(f"needs an AWS account or the AWS CLI: {' '.join(words)[:80]}")
    if program == "make":
        assert set(words[1:]) <= MAKE_TARGETS, f"no such make target in {words}"
    elif program == "export":
        assert all("=" in word for word in words[1:])
    elif tuple(words) in INSTALLS:
        assert (ROOT / "tests" / "integration" / "test_cli_install.py").exists()
    elif program == "codeartifact-disposer":
        _parses(cli_parser(), words[1:])
    elif words[:3] == ["python", "-m", "local.emulator"]:
        _parses(emulator_parser(), words[3:])
    elif words[:3] == ["python", "-m", "local.workflow"]:
        _parses(workflow_parser(), words[3:])
    elif program == "printf":
        subprocess.run(words, check=True, cwd=tmp_path, capture_output=True)
    elif words[:2] == ["cdk", "synth"]:
        _synth(words[2:], tmp_path, monkeypatch)
    else:
        pytest.fail(f"{document}: no check for this command yet: {' '.join(words)}")


def _parses(parser: "object", arguments: list[str]) -> None:
    try:
        parser.parse_args(arguments)  # type: ignore[attr-defined]
    except SystemExit as stopped:  # --help, or an error (argparse exits 2)
        assert stopped.code == 0, f"does not parse: {arguments}"


def _synth(arguments: list[str], folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`cdk synth -q -c key=value ...` as app.py would build it (files named relative to where it runs)."""
    overrides: dict[str, str] = {}
    for flag, value in zip(arguments, arguments[1:], strict=False):
        if flag == "-c":
            key, _, setting = value.partition("=")
            overrides[key] = setting
    if "policiesFile" in overrides:
        # The README's printf wrote it where the reader runs the commands (here: this test's folder).
        written = folder / overrides["policiesFile"]
        if not written.exists():
            written.write_text('{"policies": []}\n')
        overrides["policiesFile"] = str(written)
    if "repositories" in overrides:
        overrides["repositories"] = overrides["repositories"].split(",")  # type: ignore[assignment]
    synth_stack(overrides)
