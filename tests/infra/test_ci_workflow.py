"""The GitHub Actions workflow runs .ci/run on Python 3.11 and 3.13 with Node 20 and the pip and npm caches, is
valid against the workflow schema, and passes actionlint where it is installed."""

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


@pytest.fixture(scope="module")
def test_job() -> dict[str, Any]:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    job: dict[str, Any] = workflow["jobs"]["test"]
    return job


def step(job: dict[str, Any], action: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [s for s in job["steps"] if s.get("uses", "").startswith(f"{action}@")]
    assert len(found) == 1, f"one {action} step"
    return found[0]


def test_workflow_runs_ci_on_the_oldest_and_newest_python(test_job):
    # GIVEN the test job's matrix
    assert test_job["strategy"]["matrix"]["python"] == ["3.11", "3.13"]
    # THEN each leg runs .ci/run with the Makefile pointed at the leg's Python (not the runner's first 3.11+)
    (run,) = [s for s in test_job["steps"] if "run" in s]
    assert run["run"] == "bash .ci/run"
    assert run["env"]["PYTHON"] == "python${{ matrix.python }}"
    # AND Lambda's 3.13 is there in every leg, for the asset's import test
    versions = step(test_job, "actions/setup-python")["with"]["python-version"].splitlines()
    assert versions == ["3.13", "${{ matrix.python }}"]
    assert (ROOT / ".ci" / "run").exists()


def test_workflow_caches_pip_for_every_requirements_file(test_job):
    setup = step(test_job, "actions/setup-python")["with"]
    assert setup["cache"] == "pip"
    patterns = setup["cache-dependency-path"].splitlines()
    requirements = {
        path.relative_to(ROOT) for path in [*ROOT.glob("requirements*.txt"), *ROOT.glob("*/requirements.txt")]
    }
    covered = {path.relative_to(ROOT) for pattern in patterns for path in ROOT.glob(pattern)}
    assert requirements and requirements <= covered


def test_workflow_uses_node_20_with_the_npm_cache(test_job):
    node = step(test_job, "actions/setup-node")["with"]
    assert (str(node["node-version"]), node["cache"]) == ("20", "npm")
    assert (ROOT / "package-lock.json").exists()


def test_workflow_matches_the_github_workflow_schema():
    checker = Path(sys.executable).parent / "check-jsonschema"
    if not checker.exists():
        pytest.skip("check-jsonschema is not installed (requirements.txt pins it)")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_passes_actionlint():
    actionlint = shutil.which("actionlint")
    if actionlint is None:
        pytest.skip("actionlint is not installed here (the workflow's actionlint job runs it on GitHub)")
    result = subprocess.run([actionlint, str(WORKFLOW)], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
