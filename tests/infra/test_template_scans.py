"""The synthesized template under the standard scanners: cfn-lint finds no error, checkov no failed check.

checkov skips only what infra/checkov.py writes into the template, each with its reason; everything
else it checks must pass. Both scan the template as `cdk synth` writes it, for the cdk.json deployment
and for the variant one (no reservation, a repository glob) and the tuned one (operator roles, notification mail,
a usage trail with a prefix, ignored principals and a KMS key).
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra.checkov import SKIPS
from infra.stack import DisposerStack
from tests.infra.cdk_testkit import REPO_ROOT

CHECKOV = Path(os.environ.get("CHECKOV", REPO_ROOT / ".venv-scan" / "bin" / "checkov"))
CFN_LINT = Path(sys.executable).with_name("cfn-lint")


def _written(tmp_path: Path, stack: DisposerStack) -> Path:
    path = tmp_path / "template.json"
    path.write_text(json.dumps(Template.from_stack(stack).to_json()))
    return path


@pytest.fixture(params=["default_stack", "variant_stack", "tuned_stack"])
def template_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    stack: tuple[cdk.App, DisposerStack] = request.getfixturevalue(request.param)
    return _written(tmp_path, stack[1])


def test_cfn_lint_finds_no_error(template_file: Path):
    # GIVEN / WHEN cfn-lint (the console script of this interpreter's environment: cfn-lint 1 has no
    # `python -m cfnlint`) checks the template against CloudFormation's resource specification
    result = subprocess.run(
        [str(CFN_LINT), "--format", "json", str(template_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    # THEN it ran and reported (its JSON list, empty or not; nothing on stdout would mean it never linted)
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    # AND no finding is an error (CDK's own redundant DependsOn shows as a warning, W3005)
    errors = [f for f in findings if f["Level"] == "Error"]
    assert errors == [], errors


def test_checkov_fails_no_check_and_skips_only_what_is_acknowledged(template_file: Path):
    # GIVEN checkov, installed by make test in its own virtual environment, kept offline (it would fetch
    # Prisma Cloud's guideline mappings otherwise)
    assert CHECKOV.exists(), f"{CHECKOV} is missing: make test installs it (requirements-scan.txt)"
    # WHEN it scans the template
    result = subprocess.run(
        [str(CHECKOV), "-f", str(template_file), "--framework", "cloudformation", "--output", "json", "--quiet"]
        + ["--skip-download"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    report = json.loads(result.stdout)
    # THEN nothing fails, and it parsed every resource
    assert report["results"]["failed_checks"] == []
    assert report["summary"]["parsing_errors"] == 0
    # AND the only skips are those infra/checkov.py wrote into the template, each with its reason
    acknowledged = {skip.check: skip.reason for skips in SKIPS.values() for skip in skips}
    resources = json.loads(template_file.read_text())["Resources"].values()
    written = [s for r in resources for s in r.get("Metadata", {}).get("checkov", {}).get("skip", [])]
    assert all(acknowledged[s["id"]] == s["comment"] for s in written)
    assert report["summary"]["skipped"] == len(written)
