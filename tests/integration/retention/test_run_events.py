"""Run events: where the deployment ships its policies file, an event runs only a deployed policy, and the
caller it names is the one EventBridge vouches for."""

import json
from pathlib import Path
from typing import Any

import pytest

from disposer.errors import OutOfScopeError, PolicyNotDeployedError
from tests.integration.harness import calls, disposed, scheduled_event
from tests.integration.seeds import EXPECTED_UI_KIT, POLICY, UI_KIT

ATTACKER = "arn:aws:events:us-east-1:111122223333:rule/CodeArtifactDisposer-prune-ui"


@pytest.fixture
def deployed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The deployment ships one policy, prune-ui, in plan mode."""
    policy = {**POLICY, "mode": "plan"}
    path = tmp_path / "deployed-policies.json"
    path.write_text(json.dumps({"policies": [policy]}))
    monkeypatch.setenv("DISPOSER_POLICIES_FILE", str(path))
    return policy


def _send(context: Any, detail: dict[str, Any], **envelope: Any) -> dict[str, Any]:
    from disposer.handler import lambda_handler

    event = {**scheduled_event(), **envelope, "detail": detail}
    result: dict[str, Any] = lambda_handler(event, context)
    return result


@pytest.mark.parametrize(
    "detail",
    [
        # everything, now: a pattern that selects every version and a cap that lets it through
        {**POLICY, "select": {"versionPattern": ".*"}, "maxDisposalsPerRun": 100000},
        # the deployed policy, switched to apply by the sender
        {**POLICY, "mode": "apply"},
        {"name": "prune-ui", "mode": "apply"},
        # a policy the deployment never shipped, and no name at all
        {**POLICY, "name": "not-deployed"},
        {"name": "not-deployed"},
        {"select": {"versionPattern": ".*"}},
    ],
    ids=["wider-policy", "deployed-but-apply", "name-with-apply", "other-policy", "other-name", "no-name"],
)
def test_run_event_not_a_deployed_policy_is_refused_before_any_call(
    lambda_context, emulator, client, deployed, printed, detail
):
    # WHEN a PutEvents sender asks for anything but a deployed policy as deployed
    with pytest.raises(PolicyNotDeployedError):
        _send(lambda_context, detail, source="codeartifact-disposer")
    # THEN CodeArtifact is never called, nothing is disposed, and the refusal is on record
    assert calls(emulator) == {}
    assert disposed(client, UI_KIT) == set()
    (refusal,) = [r for r in printed() if r.get("message") == "run event refused"]
    assert refusal["error_code"] == "PolicyNotDeployed" and refusal["level"] == "ERROR"


@pytest.mark.parametrize(
    ("detail", "mode"),
    [
        ({"name": "prune-ui"}, "plan"),  # run it as deployed (plan mode here)
        ({"name": "prune-ui", "mode": "plan"}, "plan"),  # preview it
        ({**POLICY, "mode": "plan"}, "plan"),  # what the schedule rule delivers: the policy itself
    ],
    ids=["by-name", "preview", "as-scheduled"],
)
def test_run_event_deployed_policy_runs_as_deployed(lambda_context, emulator, client, deployed, detail, mode):
    report = _send(lambda_context, detail)
    assert (report["policy"], report["mode"]) == ("prune-ui", mode)
    assert report["totals"]["dispose"] == len(EXPECTED_UI_KIT) + 2
    assert disposed(client, UI_KIT) == set()


def test_run_event_deployed_apply_policy_by_name_disposes(lambda_context, emulator, client, tmp_path, monkeypatch):
    # GIVEN a deployment whose prune-ui policy is in apply mode
    path = tmp_path / "deployed.json"
    path.write_text(json.dumps({"policies": [POLICY]}))
    monkeypatch.setenv("DISPOSER_POLICIES_FILE", str(path))
    # WHEN someone asks EventBridge to run it now, by name
    report = _send(lambda_context, {"name": "prune-ui"}, source="codeartifact-disposer")
    # THEN it runs exactly as deployed
    assert report["mode"] == "apply"
    assert disposed(client, UI_KIT) == EXPECTED_UI_KIT


@pytest.mark.parametrize(
    ("source", "caller"),
    [("aws.events", ATTACKER), ("codeartifact-disposer", "account 111122223333 via PutEvents")],
    ids=["schedule", "put-events"],
)
def test_run_event_caller_is_the_rule_only_when_eventbridge_sent_it(lambda_context, emulator, printed, source, caller):
    # GIVEN an event naming a schedule rule in `resources`, from EventBridge itself or from PutEvents
    # WHEN it runs
    _send(lambda_context, POLICY, source=source, resources=[ATTACKER])
    # THEN every audit record names the rule as the caller only when the source is EventBridge's own
    callers = {r["caller"] for r in printed() if r.get("message") == "version outcome"}
    assert callers == {caller}


def test_run_event_repository_outside_the_deployment_is_refused(lambda_context, emulator, monkeypatch):
    monkeypatch.setenv("DISPOSER_REPOSITORIES", "snapshots")
    with pytest.raises(OutOfScopeError, match="releases"):
        _send(lambda_context, {**POLICY, "mode": "plan"})
    assert calls(emulator) == {}
