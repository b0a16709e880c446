"""The policies file at synth: validated by the Lambda's loader, checked against the config, errors named."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra.config import ConfigError, parse_config
from infra.constants import REPO_ROOT
from infra.policies import PolicyFileError
from infra.stack import build_app
from tests.infra.cdk_testkit import cdk_json_context, make_app

GOOD: dict[str, Any] = {
    "name": "keep-ten",
    "schedule": "cron(0 3 * * ? *)",
    "domain": "acme",
    "repository": "releases",
    "keep": {"latest": 10},
}


def _policies_file(tmp_path: Path, *policies: dict[str, Any]) -> str:
    path = tmp_path / "policies.json"
    path.write_text(json.dumps({"policies": list(policies)}), encoding="utf-8")
    return str(path)


def _assert_rejected(policies_file: str, match: str) -> None:
    """Building the app as app.py does fails with `match`, before any construct is made."""
    app = make_app({"policiesFile": policies_file})
    with pytest.raises(PolicyFileError, match=match):
        build_app(app)
    assert app.node.children == []


def test_parse_config_policies_file_defaults_to_repo_root_policies_json():
    # GIVEN no policiesFile key / WHEN parsed / THEN the file is policies.json at the repository root
    config = parse_config({"domain": "acme", "repositories": ["releases"]})
    assert config.policies_file == "policies.json"
    assert config.policies_path == REPO_ROOT / "policies.json"


def test_parse_config_absolute_policies_file_kept(tmp_path: Path):
    # GIVEN an absolute path / WHEN parsed / THEN it is used as is
    config = parse_config({"domain": "acme", "repositories": ["releases"], "policiesFile": str(tmp_path / "p.json")})
    assert config.policies_path == tmp_path / "p.json"


def test_build_app_invalid_policy_raises_naming_policy_and_field(tmp_path: Path):
    # GIVEN a policies file whose second policy has a bad regex
    bad = {**GOOD, "name": "bad-one", "select": {"versionPattern": "*-beta"}}
    policies_file = _policies_file(tmp_path, GOOD, bad)

    # WHEN / THEN building the app fails with the loader's message: policy, field, problem
    _assert_rejected(policies_file, r"policies\[1\] \(bad-one\): select\.versionPattern: invalid regex")


def test_build_app_invalid_schedule_raises_naming_schedule(tmp_path: Path):
    # GIVEN a policy whose schedule EventBridge would reject
    policies_file = _policies_file(tmp_path, {**GOOD, "schedule": "every day"})

    # WHEN / THEN
    _assert_rejected(policies_file, r"policies\[0\] \(keep-ten\): schedule: ")


def test_build_app_missing_policies_file_raises_clear_error(tmp_path: Path):
    # GIVEN a policiesFile that does not exist
    missing = tmp_path / "nope.json"

    # WHEN / THEN the error says which file and which key; a ConfigError, so app.py prints it
    assert issubclass(PolicyFileError, ConfigError)
    _assert_rejected(str(missing), r"policies file not found: .*nope\.json \(context key 'policiesFile'")


def test_build_app_policy_for_another_domain_raises(tmp_path: Path):
    # GIVEN a policy for a domain this deployment does not manage (the function would refuse every run)
    policies_file = _policies_file(tmp_path, {**GOOD, "domain": "other"})

    # WHEN / THEN
    _assert_rejected(policies_file, r"policies\[0\] \(keep-ten\): domain: 'other' is not")


def test_build_app_policy_for_another_owner_raises(tmp_path: Path):
    # GIVEN a policy naming another domain owner than cdk.json's 111122223333
    policies_file = _policies_file(tmp_path, {**GOOD, "domainOwner": "444455556666"})

    # WHEN / THEN
    _assert_rejected(policies_file, r"policies\[0\] \(keep-ten\): domainOwner: '444455556666'")


def test_build_app_policy_for_unconfigured_repository_raises(tmp_path: Path):
    # GIVEN a policy on a literal repository outside cdk.json's releases and snapshots
    policies_file = _policies_file(tmp_path, {**GOOD, "repository": "archive"})

    # WHEN / THEN
    _assert_rejected(policies_file, r"repository: 'archive' is not among this deployment's repositories")


def test_build_app_scheduled_policy_too_long_for_input_template_raises(tmp_path: Path):
    # GIVEN a scheduled policy whose run event would exceed EventBridge's 8192-character input template
    # (patterns of at most 256 characters, but each `<` is written \u003c in the template)
    policies_file = _policies_file(tmp_path, {**GOOD, "keep": {"versionPatterns": ["<" * 256] * 10}})

    # WHEN / THEN
    _assert_rejected(policies_file, r"policies\[0\] \(keep-ten\): its scheduled run event is \d+ characters")


def test_build_app_policy_with_pattern_over_its_bound_raises(tmp_path: Path):
    # GIVEN a pattern of 252 characters whose RE2 program is far over its memory bound
    policies_file = _policies_file(tmp_path, {**GOOD, "select": {"versionPattern": ".{0,1000}" * 28}})

    # WHEN / THEN synth refuses it as the API would, naming the field
    _assert_rejected(policies_file, r"policies\[0\] \(keep-ten\): select\.versionPattern: pattern too complex")


def test_build_app_policy_with_repository_glob_accepted(tmp_path: Path):
    # GIVEN a glob that only partly overlaps the configured repositories (narrowed at run time)
    policies_file = _policies_file(tmp_path, {**GOOD, "repository": "*"})

    # WHEN / THEN the app builds, with the policy's rule
    stack = build_app(make_app({"policiesFile": policies_file}))
    assert list(stack.schedules.schedule_rules) == ["keep-ten"]


def test_app_py_invalid_policies_file_fails_synth_with_message(tmp_path: Path):
    # GIVEN the context the CDK CLI passes (cdk.json plus -c policiesFile=...) and a bad policy
    bad = {**GOOD, "name": "bad-one", "keep": {"latest": -1}}
    context = {**cdk_json_context(), "policiesFile": _policies_file(tmp_path, bad)}
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps(context), "CDK_OUTDIR": str(tmp_path / "cdk.out")}

    # WHEN app.py runs as `cdk synth` runs it
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )

    # THEN synth fails, printing the policy and the field, without a traceback
    assert result.returncode != 0
    assert "error: invalid policies file" in result.stderr
    assert "policies[0] (bad-one): keep.latest: Input should be greater than or equal to 0" in result.stderr
    assert "Traceback" not in result.stderr
