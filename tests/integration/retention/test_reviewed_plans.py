"""The relative breaker (maxDisposalsPercent) and reviewed plans (planDigest, expectedPlanDigest), through
the real handler and the emulator."""

from typing import Any

import pytest

from disposer.codeartifact.client import CodeArtifactClient
from disposer.errors import PercentExceededError
from tests.integration.harness import disposed, invoke_api, run_scheduled
from tests.integration.seeds import EXPECTED_UI_ICONS, EXPECTED_UI_KIT, POLICY, UI_ICONS, UI_KIT

# ui-kit has 12 Published versions (and one Unfinished), ui-icons 5: 17 covered, 8 disposals = 47.06%.
PLANNED = len(EXPECTED_UI_KIT) + len(EXPECTED_UI_ICONS)
COVERED = 17


@pytest.mark.parametrize(("percent", "applies"), [(48, True), (47, False)], ids=["at-48", "over-47"])
def test_breaker_edge_at_the_percentage_disposes_above_it_aborts(lambda_context, emulator, client, percent, applies):
    # GIVEN 8 planned disposals of 17 covered versions (47.06%)
    # WHEN the policy allows 48% / 47%
    if applies:
        report = run_scheduled(lambda_context, maxDisposalsPercent=percent)
        # THEN within it, the plan is applied
        assert report["outcomes"] == {"disposed": PLANNED}
        return
    with pytest.raises(
        PercentExceededError, match=r"8 versions of the 17 .* \(47\.1%\), which exceeds maxDisposalsPercent 47"
    ):
        run_scheduled(lambda_context, maxDisposalsPercent=percent)
    # THEN above it, nothing is disposed
    assert disposed(client, UI_KIT) == disposed(client, UI_ICONS) == set()


def test_breaker_exactly_at_the_percentage_disposes(lambda_context, emulator, client):
    # GIVEN ui-icons alone: 2 disposals of 5 versions = exactly 40%
    # WHEN the policy allows exactly 40% / THEN it disposes
    report = run_scheduled(lambda_context, package="ui-icons", maxDisposalsPercent=40)
    assert report["outcomes"] == {"disposed": 2}
    assert disposed(client, UI_ICONS) == EXPECTED_UI_ICONS


def test_plan_digest_apply_exactly_what_was_reviewed(lambda_context, emulator, client):
    # GIVEN a reviewed plan
    plan = invoke_api(lambda_context, "POST", "/plan", {**POLICY, "mode": "plan"})
    digest = plan.body["planDigest"]
    assert digest.startswith("v1:")
    # AND the same plan made again has the same digest
    assert invoke_api(lambda_context, "POST", "/plan", POLICY).body["planDigest"] == digest
    # WHEN applied with that digest / THEN it is applied
    applied = invoke_api(lambda_context, "POST", "/apply", {**POLICY, "expectedPlanDigest": digest})
    assert applied.status == 200 and applied.body["outcomes"] == {"disposed": plan.body["totals"]["dispose"]}
    assert applied.body["planDigest"] == digest


def test_plan_digest_mismatch_after_one_version_changed_is_409_and_disposes_nothing(lambda_context, emulator, client):
    # GIVEN a reviewed plan, then one planned version archived by someone (its status changes)
    digest = invoke_api(lambda_context, "POST", "/plan", POLICY).body["planDigest"]
    _archive(emulator, "1.3.0")
    # WHEN applied with the reviewed digest
    response = invoke_api(lambda_context, "POST", "/apply", {**POLICY, "expectedPlanDigest": digest})
    # THEN 409 PlanChanged naming both digests, and nothing was disposed
    assert (response.status, response.body["error"]["code"]) == (409, "PlanChanged")
    assert digest in response.body["error"]["message"]
    assert disposed(client, UI_KIT) == disposed(client, UI_ICONS) == set()


def _archive(emulator: Any, version: str) -> None:
    coordinates = {key: UI_KIT[key] for key in ("domain", "repository", "format", "namespace", "package")}
    emulator.store.call(
        "UpdatePackageVersionsStatus", {**coordinates, "versions": [version], "targetStatus": "Archived"}
    )


def test_reviewed_apply_pins_every_write_to_the_status_reviewed_even_selecting_all_three(
    lambda_context, emulator, client, monkeypatch
):
    # GIVEN a reviewed plan of a policy that selects all three statuses (its writes need no status pin)
    reviewed = invoke_api(lambda_context, "POST", "/plan", POLICY).body
    planned = {i["version"] for i in reviewed["items"] if i["package"] == "ui-kit" and i["action"] == "dispose"}
    victim = sorted(planned)[0]
    original = CodeArtifactClient.dispose

    def unlist_then_dispose(self: CodeArtifactClient, ref: Any, versions: Any, **kwargs: Any) -> Any:
        # AND someone unlists one of the reviewed versions after the apply planned, before it writes
        coordinates = {key: UI_KIT[key] for key in ("domain", "repository", "format", "namespace", "package")}
        change = {**coordinates, "versions": [victim], "targetStatus": "Unlisted"}
        emulator.store.call("UpdatePackageVersionsStatus", change)
        return original(self, ref, versions, **kwargs)

    monkeypatch.setattr(CodeArtifactClient, "dispose", unlist_then_dispose)
    # WHEN applied with the reviewed digest
    applied = invoke_api(lambda_context, "POST", "/apply", {**POLICY, "expectedPlanDigest": reviewed["planDigest"]})
    # THEN the version no longer as reviewed is left alone; the rest are disposed
    failed = {i["version"]: i["errorCode"] for i in applied.body["items"] if i.get("outcome") == "failed"}
    assert failed == {victim: "MISMATCHED_STATUS"}
    assert disposed(client, UI_KIT) == planned - {victim}
