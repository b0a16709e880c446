"""The CLI as a user installs it: `pip install .` into a new virtual environment gives `codeartifact-disposer`,
which works from any folder, says its version, answers every mistake a user can make with one line and exit 2,
and leaves the checkout as it found it."""

import json
import os
import subprocess
import sys
import venv
from pathlib import Path
from typing import NamedTuple

import pytest

from disposer.version import __version__
from tests.integration.test_cli import POLICIES

# A pip install into a new virtual environment takes a minute or more.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# Only what a shell has: no AWS variables, no PYTHONPATH pointing into the checkout.
BARE = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"}


class Install(NamedTuple):
    command: Path
    left_behind: set[Path]


def build_leftovers() -> set[Path]:
    """What a build backend can leave in the checkout: build/ trees and *.egg-info (setuptools put them beside
    pyproject.toml and in lambda/ and cli/)."""
    return {path for folder in (ROOT, ROOT / "lambda", ROOT / "cli") for path in folder.glob("*.egg-info")} | {
        path for folder in (ROOT, ROOT / "lambda", ROOT / "cli") if (path := folder / "build").exists()
    }


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory) -> Install:
    """`pip install .` into a fresh virtual environment, and what it left in the checkout."""
    home = tmp_path_factory.mktemp("venv")
    venv.create(home, with_pip=True)
    pip = [str(home / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    before = build_leftovers()
    subprocess.run([*pip, str(ROOT)], check=True, capture_output=True, text=True, timeout=600)
    command = home / "bin" / "codeartifact-disposer"
    assert command.exists()
    return Install(command, build_leftovers() - before)


@pytest.fixture(scope="module")
def installed(install: Install) -> Path:
    """`codeartifact-disposer` from `pip install .`."""
    return install.command


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A folder outside the checkout, holding a policies file."""
    (tmp_path / "policies.json").write_text(json.dumps(POLICIES))
    return tmp_path


def run(command: Path, folder: Path, *args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(command), *args], cwd=folder, env={**BARE, **environment}, capture_output=True, text=True, timeout=120
    )


def test_installed_cli_plans_against_the_emulator_from_another_folder(installed, elsewhere, emulator):
    # WHEN planned with no AWS settings at all, only the emulator's URL
    result = run(
        installed, elsewhere, "--policies", "policies.json", "--endpoint-url", emulator.url, "plan", "prune-ui"
    )
    # THEN it plans (placeholder region and credentials set for the local endpoint) and prints the table
    assert result.returncode == 0, result.stderr
    assert "prune-ui" in result.stdout and "plan digest: v1:" in result.stdout
    assert "Traceback" not in result.stderr
    # AND the audit records stay off the terminal
    assert '"message":"plan"' not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("setup", "args", "environment", "expected"),
    [
        (None, ("plan", "prune-ui"), {}, "no AWS region"),
        (None, ("plan", "prune-ui"), {"AWS_REGION": "us-east-1"}, "no AWS credentials"),
        (None, ("--policies", "missing.json", "list"), {}, "missing.json: no such file"),
        ("", ("--policies", "p.json", "list"), {}, "p.json: the file is empty"),
        ("[]", ("--policies", "p.json", "list"), {}, 'one JSON object, {"policies": ['),
        (
            '{"policies": [{"name": "x", "domain": "acme", "select": {"olderThenDays": 3}}]}',
            ("--policies", "p.json", "validate"),
            {},
            "did you mean 'olderThanDays'?",
        ),
        (None, ("plan", "prune-ui", "--as-of", "yesterday"), {}, "'yesterday' is not an ISO-8601 time"),
        (None, ("plan", "nope"), {}, "no policy named 'nope'"),
    ],
    ids=["no-region", "no-credentials", "no-file", "empty-file", "bare-list", "typo", "bad-clock", "no-policy"],
)
def test_installed_cli_mistakes_are_one_line_and_exit_2(installed, elsewhere, setup, args, environment, expected):
    if setup is not None:
        (elsewhere / "p.json").write_text(setup)
    result = run(installed, elsewhere, *args, **environment)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    # One line of message (argparse adds its usage line above its own)
    assert len([line for line in result.stderr.splitlines() if "error" in line]) == 1


def test_installed_cli_is_the_one_in_the_virtual_environment(installed):
    # The command runs the installed package, not the checkout (nothing of the checkout is on its path).
    result = subprocess.run(
        [str(installed.parent / "python"), "-c", "import disposer_cli, disposer; print(disposer_cli.__file__)"],
        env=BARE,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(ROOT) not in result.stdout and "site-packages" in result.stdout
    assert sys.version_info >= (3, 11)
    assert os.access(installed, os.X_OK)


def test_installing_leaves_the_checkout_clean(install):
    # The wheel is built outside the checkout: no build/ tree or *.egg-info for a commit to sweep in.
    assert install.left_behind == set()


def test_installed_cli_says_the_version_the_package_carries(installed, elsewhere):
    result = run(installed, elsewhere, "--version")
    assert (result.returncode, result.stdout) == (0, f"codeartifact-disposer {__version__}\n")
    query = "import importlib.metadata as m; print(m.version('codeartifact-disposer'))"
    metadata = subprocess.run(
        [str(installed.parent / "python"), "-c", query],
        env=BARE,
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    )
    assert metadata.stdout.strip() == __version__
