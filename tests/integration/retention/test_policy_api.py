"""POST /plan and /apply through the real handler against the emulator: they run at the wall clock, so the
domain is seeded an hour ahead of it (no version drifts across an age boundary while a test runs)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.harness import calls, disposed, invoke_api
from tests.integration.seeds import EXPECTED_UI_KIT, POLICY, UI_KIT, retention_seed


@pytest.fixture
def seed() -> dict[str, Any]:
    return retention_seed(datetime.now(UTC) + timedelta(hours=1))


def test_plan_api_lists_every_version_and_writes_nothing(lambda_context, emulator, client):
    # GIVEN the policy as an API body
    # WHEN it is previewed
    response = invoke_api(lambda_context, "POST", "/plan", POLICY)
    # THEN every version of both packages appears with a decision, and nothing was written
    assert response.status == 200
    body = response.body
    assert body["mode"] == "plan"
    assert body["totals"]["versions"] == 13 + 5
    assert len(body["items"]) == 18
    assert [i["action"] for i in body["items"]][:9] == ["dispose"] * 8 + ["keep"]
    assert "DisposePackageVersions" not in calls(emulator)
    assert disposed(client, UI_KIT) == set()


def test_apply_api_runs_policy_now(lambda_context, emulator, client):
    body = {k: v for k, v in POLICY.items() if k != "mode"}
    response = invoke_api(lambda_context, "POST", "/apply", body)
    assert response.status == 200
    assert response.body["mode"] == "apply"
    assert disposed(client, UI_KIT) == EXPECTED_UI_KIT


def test_apply_api_over_cap_is_409_and_disposes_nothing(lambda_context, emulator, client):
    response = invoke_api(lambda_context, "POST", "/apply", {**POLICY, "maxDisposalsPerRun": 2})
    assert response.status == 409
    assert response.body["error"]["code"] == "CapExceeded"
    assert "nothing was disposed" in response.body["error"]["message"]
    assert disposed(client, UI_KIT) == set()


def test_apply_api_policy_saying_plan_is_refused(lambda_context, emulator, client):
    response = invoke_api(lambda_context, "POST", "/apply", {**POLICY, "mode": "plan"})
    assert response.status == 422
    assert response.body["error"]["code"] == "ModeConflict"
    assert calls(emulator) == {}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"select": {"versionPattern": "("}}, "select.versionPattern"),
        ({"keep": {"latest": -1}, "select": {"olderThanDays": 1}}, "keep.latest"),
        ({"format": "docker"}, "format"),
        ({"select": {"statuses": ["Disposed"]}}, "select.statuses"),
        ({"schedule": "cron(0 3 * * * *)"}, "schedule"),
        ({"select": {}, "keep": {}}, "body"),
    ],
)
def test_plan_api_invalid_policy_is_422_naming_field(lambda_context, emulator, change, field):
    response = invoke_api(lambda_context, "POST", "/plan", {**POLICY, **change})
    assert response.status == 422, response.body
    assert field in response.body["error"]["message"]
    assert calls(emulator) == {}


def test_plan_api_regex_that_crashes_the_compiler_is_422(lambda_context, emulator):
    response = invoke_api(
        lambda_context, "POST", "/plan", {**POLICY, "select": {"versionPattern": "(" * 499 + ")" * 499}}
    )
    assert response.status == 422
    assert "select.versionPattern" in response.body["error"]["message"]


def test_plan_api_missing_repository_named_literally_is_404(lambda_context, emulator, monkeypatch):
    # GIVEN a deployment that manages a repository which does not exist (any more)
    monkeypatch.setenv("DISPOSER_REPOSITORIES", "releases,snapshots,no-such-repo")
    # WHEN a policy names it THEN CodeArtifact's answer is the caller's: 404, naming it
    response = invoke_api(lambda_context, "POST", "/plan", {**POLICY, "repository": "no-such-repo"})
    assert response.status == 404
    assert "no-such-repo" in response.body["error"]["message"]
