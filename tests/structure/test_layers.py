"""The import contracts hold, and they can fail: the layers reversed, lint-imports says so."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(config: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(str(ROOT / folder) for folder in ("lambda", "cli"))}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(config), "--no-cache"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _layers(config: str) -> list[str]:
    """The floors of the function's layers contract, top first."""
    block = config.split("[importlinter:contract:layers]")[1].split("\n[")[0]
    return [line.strip() for line in block.split("layers =")[1].splitlines() if line.startswith("    ")]


def test_import_contracts_hold():
    result = _lint_imports(CONFIG)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


@pytest.mark.parametrize(
    ("upper", "lower"),
    [
        ("runs | services", "safety | workflow"),
        ("safety | workflow", "codeartifact | ledger | ssm | reports | stepfunctions | trail"),
        ("settings | versions", "model | errors | constants | budget | aws | version | clock"),
        ("api | run_events | steps | recorder", "runs | services"),
    ],
)
def test_import_contracts_fail_when_two_floors_swap(tmp_path: Path, upper: str, lower: str):
    # GIVEN the layers contract with two floors in the wrong order (a lower floor now above one it imports)
    config = CONFIG.read_text()
    assert upper in _layers(config) and lower in _layers(config)
    swapped = re.sub(rf"^    {re.escape(upper)}$", "@@UPPER@@", config, flags=re.M)
    swapped = re.sub(rf"^    {re.escape(lower)}$", f"    {upper}", swapped, flags=re.M).replace(
        "@@UPPER@@", f"    {lower}"
    )
    (tmp_path / ".importlinter").write_text(swapped)
    # WHEN lint-imports checks the code against it / THEN it fails, naming the broken contract
    result = _lint_imports(tmp_path / ".importlinter")
    assert result.returncode != 0 and "BROKEN" in result.stdout


def test_engine_import_loads_no_aws_sdk_and_no_powertools():
    # The engine is pure: importing it (in a process of its own) loads none of these.
    code = (
        "import disposer.retention.engine, sys; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('botocore', 'boto3', 'aws_lambda_powertools')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT / "lambda", capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
