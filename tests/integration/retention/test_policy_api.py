"""POST /plan and /apply through the real handler against the emulator: they run at the wall clock, so the
domain is seeded an hour ahead of it (no version drifts across an age boundary while a test runs)."""

import dataclasses
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.harness import calls, control, disposed, invoke_api
from tests.integration.seeds import EXPECTED_UI_KIT, POLICY, UI_KIT, package_seed, retention_seed


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


@pytest.mark.parametrize(
    ("field", "policy"),
    [
        ("select.versionPattern", {"select": {"versionPattern": "(a)\\1"}}),  # a backreference
        ("keep.versionPatterns[0]", {"keep": {"versionPatterns": ["(?<=v)1"]}}),  # lookbehind
        ("select.versionPattern", {"select": {"versionPattern": "a{1001}"}}),  # RE2's repeat limit
    ],
)
def test_plan_api_regex_outside_re2_is_422_naming_the_field(lambda_context, emulator, field, policy):
    response = invoke_api(lambda_context, "POST", "/plan", {**POLICY, **policy})
    assert response.status == 422
    assert field in response.body["error"]["message"]
    assert "RE2" in response.body["error"]["message"]
    assert calls(emulator) == {}


def test_plan_api_regex_deeply_nested_is_fine(lambda_context, emulator):
    # Python's re could not even compile this; RE2 runs it in linear time.
    response = invoke_api(
        lambda_context, "POST", "/plan", {**POLICY, "select": {"versionPattern": "(" * 128 + ")" * 128}}
    )
    assert response.status == 200


def test_plan_api_missing_repository_named_literally_is_404(lambda_context, emulator, monkeypatch):
    # GIVEN a deployment that manages a repository which does not exist (any more)
    monkeypatch.setenv("DISPOSER_REPOSITORIES", "releases,snapshots,no-such-repo")
    # WHEN a policy names it THEN CodeArtifact's answer is the caller's: 404, naming it
    response = invoke_api(lambda_context, "POST", "/plan", {**POLICY, "repository": "no-such-repo"})
    assert response.status == 404
    assert "no-such-repo" in response.body["error"]["message"]


@pytest.mark.parametrize("route", ["/plan", "/apply"])
def test_policy_api_literal_repository_outside_the_deployment_is_403(lambda_context, emulator, monkeypatch, route):
    # GIVEN a deployment that manages snapshots only
    monkeypatch.setenv("DISPOSER_REPOSITORIES", "snapshots")
    # WHEN a policy names releases literally THEN it is refused as out of scope, never an empty plan
    response = invoke_api(lambda_context, "POST", route, {**POLICY, "mode": "apply"})
    assert (response.status, response.body["error"]["code"]) == (403, "OutOfScope")
    assert "releases" in response.body["error"]["message"]
    assert calls(emulator) == {}


@pytest.mark.parametrize("glob", ["r*", "?eleases", "*", ".r*"])
def test_plan_api_repository_glob_without_a_valid_prefix_lists_everything(lambda_context, emulator, glob):
    # GIVEN a repository glob whose literal start CodeArtifact would refuse as repositoryPrefix (under 2
    # characters, or starting with a dot) WHEN planned THEN the repositories are listed without a prefix
    response = invoke_api(lambda_context, "POST", "/plan", {**POLICY, "repository": glob})
    assert response.status == 200, response.body
    expected = {"r*": 2, "?eleases": 2, "*": 2, ".r*": 0}[glob]
    assert response.body["totals"]["packages"] == expected


def test_plan_api_catastrophic_regex_over_a_hostile_version_answers_at_once(lambda_context, emulator):
    # GIVEN a version crafted against backtracking engines, and the pattern that exploits them: in
    # Python's re, (a+)+$ takes about 18 s on 28 a's and a '!', and four times as long per two more a's
    hostile = "a" * 40 + "!"
    hostile_package = {"domain": "acme", "repository": "releases", "format": "npm", "package": "hostile"}
    control(emulator, "seed", package_seed(hostile_package, [{"version": hostile}]))
    started = time.monotonic()
    # WHEN a plan matches it with that pattern
    policy = {**POLICY, "namespace": None, "package": "hostile", "select": {"versionPattern": "(a+)+$"}}
    response = invoke_api(lambda_context, "POST", "/plan", {k: v for k, v in policy.items() if v is not None})
    # THEN RE2 answers in linear time: no match, and the plan is back at once
    assert response.status == 200, response.body
    assert response.body["totals"]["dispose"] == 0
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("route", ["/plan", "/apply"])
def test_policy_api_plan_not_finished_within_the_budget_is_504_and_disposes_nothing(
    lambda_context, emulator, client, route
):
    # GIVEN calls of 200 ms, and a request arriving with 2 s of the function left (a 1 s budget)
    control(emulator, "faults", {"latencyMs": 200})
    context = dataclasses.replace(lambda_context, remaining_time_in_millis=2000)
    # WHEN a plan needs more calls than that
    response = invoke_api(context, "POST", route, {**POLICY, "mode": "apply"} if route == "/apply" else POLICY)
    # THEN the request answers 504, saying the plan could not be finished, and nothing is disposed
    assert (response.status, response.body["error"]["code"]) == (504, "DeadlineExceeded")
    assert "could not be finished" in response.body["error"]["message"]
    assert disposed(client, UI_KIT) == set()


@pytest.fixture(autouse=True)
def at_run_time() -> None:
    """These run at the real wall clock (the domain is seeded an hour ahead of it)."""
