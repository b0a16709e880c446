"""Retention runs through the real handler: EventBridge events, /plan and /apply, against the emulator."""

from typing import Any

import pytest
from pydantic import ValidationError

from disposer.codeartifact.client import CodeArtifactClient
from disposer.errors import CapExceededError, PolicyError
from tests.integration.harness import calls, control, disposed, run_scheduled, scheduled_event, statuses
from tests.integration.seeds import EXPECTED_UI_ICONS, EXPECTED_UI_KIT, SERVICE, UI_ICONS, UI_KIT, package_seed


def test_scheduled_run_disposes_exactly_the_plan_and_keeps_what_rules_keep(lambda_context, emulator, client):
    # GIVEN the prune-ui policy delivered by its schedule rule
    # WHEN the run happens
    report = run_scheduled(lambda_context)
    # THEN exactly the planned versions are disposed, in both matching packages, and nothing else
    assert disposed(client, UI_KIT) == EXPECTED_UI_KIT
    assert disposed(client, UI_ICONS) == EXPECTED_UI_ICONS
    assert disposed(client, SERVICE) == set()
    assert statuses(client, UI_KIT)["2.0.0-rc.1"] == "Unfinished"
    assert report["mode"] == "apply"
    assert report["outcomes"] == {"disposed": len(EXPECTED_UI_KIT) + len(EXPECTED_UI_ICONS)}
    assert report["runId"] == "7bf73129-1428-4cd3-a780-95db273d1602"
    assert report["asOf"].startswith("2026-11-25T03:00:00")
    reasons = {(i["package"], i["version"]): i["reason"] for i in report["items"]}
    assert reasons[("ui-kit", "1.0.0")] == "kept: matches keep pattern ^1\\.0\\.0$"
    assert reasons[("ui-kit", "1.11.0")] == "kept: not selected (not older than 90 days)"
    assert reasons[("ui-kit", "1.7.0")] == "kept: not selected (not older than 90 days)"
    assert reasons[("ui-kit", "1.3.0")] == "dispose: older than 90 days"
    assert reasons[("ui-kit", "2.0.0-rc.1")] == "kept: not selected (status Unfinished)"
    assert reasons[("ui-icons", "0.4.0")] == "kept: latest 3 of 5"
    assert {i["outcome"] for i in report["items"] if i["action"] == "dispose"} == {"disposed"}


def test_scheduled_run_again_disposes_nothing_new(lambda_context, emulator, client):
    # GIVEN a run already applied
    run_scheduled(lambda_context)
    control(emulator, "reset-stats", {})
    # WHEN the schedule fires again
    report = run_scheduled(lambda_context)
    # THEN the plan has nothing left to dispose and no dispose call is made
    assert report["totals"]["dispose"] == 0
    assert "DisposePackageVersions" not in calls(emulator)
    assert disposed(client, UI_KIT) == EXPECTED_UI_KIT


def test_scheduled_run_plan_mode_reports_and_writes_nothing(lambda_context, emulator, client):
    report = run_scheduled(lambda_context, mode="plan")
    assert report["mode"] == "plan"
    assert report["totals"]["dispose"] == len(EXPECTED_UI_KIT) + len(EXPECTED_UI_ICONS)
    assert disposed(client, UI_KIT) == set()
    assert "DisposePackageVersions" not in calls(emulator)


def test_scheduled_run_describes_only_log_n_versions_per_package(lambda_context, emulator):
    # GIVEN 13 ui-kit and 5 ui-icons versions, two age cutoffs
    report = run_scheduled(lambda_context, mode="plan")
    # THEN each package costs one list and a binary search of describes, not one describe per version
    assert report["calls"]["ListPackages"] == 1
    assert report["calls"]["ListPackageVersions"] == 2
    assert report["calls"]["DescribePackageVersion"] <= 2 * 4 + 2 * 3
    assert "ListRepositoriesInDomain" not in report["calls"]


def test_scheduled_run_over_cap_disposes_nothing_and_fails(lambda_context, emulator, client, printed):
    # GIVEN a cap below what the plan would dispose
    # WHEN the run happens
    with pytest.raises(CapExceededError, match="exceeds maxDisposalsPerRun 3"):
        run_scheduled(lambda_context, maxDisposalsPerRun=3)
    # THEN nothing was disposed and the run report is an error record saying why
    assert disposed(client, UI_KIT) == set()
    report = next(r for r in printed() if r.get("message") == "run report")
    assert (report["level"], report["aborted"]) == ("ERROR", True)


def test_scheduled_run_invalid_policy_fails_before_any_call(lambda_context, emulator):
    with pytest.raises(PolicyError, match="versionPattern"):
        run_scheduled(lambda_context, select={"versionPattern": "(unclosed"})
    assert calls(emulator) == {}


@pytest.mark.parametrize(
    ("statuses_selected", "kept"),
    [(["Published", "Unlisted"], True), (["Published", "Unlisted", "Archived"], False)],
    ids=["some-statuses-pinned", "all-statuses-not-pinned"],
)
def test_scheduled_run_status_changed_after_plan_is_pinned_where_it_decides(
    lambda_context, emulator, client, monkeypatch, statuses_selected, kept
):
    # GIVEN someone archives 1.2.0 between the plan and the dispose calls

    original = CodeArtifactClient.dispose

    def archive_then_dispose(self, ref, versions, **kwargs):
        if "1.2.0" in versions:
            client.update_package_versions_status(**UI_KIT, versions=["1.2.0"], targetStatus="Archived")
        return original(self, ref, versions, **kwargs)

    monkeypatch.setattr(CodeArtifactClient, "dispose", archive_then_dispose)
    # WHEN the run applies its plan
    report = run_scheduled(lambda_context, select={"olderThanDays": 90, "statuses": statuses_selected})
    item = next(i for i in report["items"] if (i["package"], i["version"]) == ("ui-kit", "1.2.0"))
    if kept:
        # THEN where the policy does not select Archived, the archived version no longer qualifies: the
        # disposal was pinned to Published, so it is reported MISMATCHED_STATUS and kept
        assert statuses(client, UI_KIT)["1.2.0"] == "Archived"
        assert disposed(client, UI_KIT) == EXPECTED_UI_KIT - {"1.2.0"}
        assert (item["outcome"], item["errorCode"]) == ("failed", "MISMATCHED_STATUS")
    else:
        # THEN where it selects all three, it still qualifies: no status pin, and it is disposed (a hold,
        # not a status change, is how an operator protects a version from every policy)
        assert disposed(client, UI_KIT) == EXPECTED_UI_KIT
        assert item["outcome"] == "disposed"


def test_scheduled_run_package_deleted_mid_run_reported_and_run_goes_on(lambda_context, emulator, client, monkeypatch):
    # GIVEN ui-icons is deleted after the plan, before its dispose call

    original = CodeArtifactClient.dispose

    def delete_then_dispose(self, ref, versions, **kwargs):
        if ref.package == "ui-icons":
            client.delete_package(**UI_ICONS)
        return original(self, ref, versions, **kwargs)

    monkeypatch.setattr(CodeArtifactClient, "dispose", delete_then_dispose)
    # WHEN the run applies
    report = run_scheduled(lambda_context)
    # THEN its versions are reported failed with the AWS code, and ui-kit is still pruned
    assert report["outcomes"] == {"disposed": len(EXPECTED_UI_KIT), "ResourceNotFoundException": 2}
    assert report["aborted"] is False
    assert disposed(client, UI_KIT) == EXPECTED_UI_KIT


def test_scheduled_run_throttled_dispose_retried_and_succeeds(lambda_context, emulator, client):
    control(emulator, "inject", {"operation": "DisposePackageVersions", "error": "ThrottlingException", "count": 1})
    report = run_scheduled(lambda_context)
    assert report["outcomes"]["disposed"] == len(EXPECTED_UI_KIT) + len(EXPECTED_UI_ICONS)
    assert calls(emulator)["DisposePackageVersions"] == 3  # two packages, one retried attempt


def test_scheduled_run_repository_outside_deployment_never_touched(lambda_context, emulator, client, monkeypatch):
    # GIVEN a deployment scoped to releases, and a policy over every repository
    monkeypatch.setenv("DISPOSER_REPOSITORIES", "releases")
    # WHEN it runs
    report = run_scheduled(lambda_context, drop=("format", "namespace", "package"), repository="*")
    # THEN snapshots is not even listed, let alone disposed
    assert disposed(client, SERVICE) == set()
    assert {i["repository"] for i in report["items"]} == {"releases"}
    assert report["calls"]["ListRepositoriesInDomain"] == 1


def test_scheduled_run_future_clock_refused_before_any_call(lambda_context, emulator, client):
    # GIVEN an event claiming a time ten years ahead (a PutEvents caller can choose it)
    from disposer.errors import FutureClockError

    event = {"time": "2036-11-25T03:00:00Z"}
    # WHEN it asks to apply THEN it is refused: versions would look old enough to pass every keep window
    with pytest.raises(FutureClockError, match="future clock"):
        _run_at(lambda_context, event["time"])
    assert calls(emulator) == {}
    assert disposed(client, UI_KIT) == set()


def test_scheduled_run_time_without_zone_refused(lambda_context, emulator):
    with pytest.raises(ValidationError, match="time"):
        _run_at(lambda_context, "2026-11-25T03:00:00")
    assert calls(emulator) == {}


def _run_at(context, time: str) -> dict[str, Any]:
    from disposer.handler import lambda_handler

    event = scheduled_event()
    event["time"] = time
    result: dict[str, Any] = lambda_handler(event, context)
    return result


def test_scheduled_plan_mode_logs_every_decision(lambda_context, emulator, printed):
    # GIVEN a plan-mode run, which disposes nothing
    report = run_scheduled(lambda_context, mode="plan")
    # THEN the audit trail still holds every decision, kept or disposed, with its rule
    decisions = [d for r in printed() if r.get("audit_plan") for d in r["decisions"]]
    assert len(decisions) == report["totals"]["versions"] == 18
    assert {d[3] for d in decisions} == {"keep", "dispose"}
    assert sum(d[3] == "dispose" for d in decisions) == report["totals"]["dispose"]


def test_scheduled_run_keeps_a_version_without_publish_time_wherever_it_is_listed(lambda_context, emulator, client):
    # GIVEN a package of old versions and one that CodeArtifactClient gives no publish time, listed last (as
    # the oldest) when the listing is sorted by publish time
    legacy = {"domain": "acme", "repository": "releases", "format": "npm", "namespace": "acme", "package": "ui-legacy"}
    old = [{"version": f"0.{i}.0", "publishedTime": "2025-01-01T00:00:00Z"} for i in range(10)]
    control(emulator, "seed", package_seed(legacy, [*old, {"version": "0.0.1-untimed", "publishedTime": None}]))
    # WHEN the policy runs over it
    report = run_scheduled(lambda_context, package="ui-legacy", keep={"latest": 3})
    # THEN the version without a publish time is kept, saying why; the old ones beyond the latest 3 go
    item = next(i for i in report["items"] if i["version"] == "0.0.1-untimed")
    assert (item["action"], item["reason"]) == ("keep", "kept: no publish time (its age and rank cannot be known)")
    assert statuses(client, legacy)["0.0.1-untimed"] == "Published"
    assert len(disposed(client, legacy)) == 7


def test_scheduled_run_again_describes_only_what_it_has_not_seen(lambda_context, emulator, client, ledger_name):
    # GIVEN a run in plan mode that learnt the publish times it needed, and remembered them
    first = run_scheduled(lambda_context, mode="plan")
    assert first["calls"]["DescribePackageVersion"] > 0
    # AND a version deleted and published again since (a new revision: its publish time may have changed)
    client.delete_package_versions(**UI_KIT, versions=["1.3.0"])
    control(emulator, "seed", package_seed(UI_KIT, [{"version": "1.3.0", "publishedTime": "2026-05-01T00:00:00Z"}]))
    # WHEN the same run happens again
    second = run_scheduled(lambda_context, mode="plan")
    # THEN it describes no version it has seen at its revision, at most the republished one, and plans alike
    assert second["calls"].get("DescribePackageVersion", 0) <= 1
    assert second["totals"]["dispose"] == first["totals"]["dispose"]
    unchanged = run_scheduled(lambda_context, mode="plan")
    assert "DescribePackageVersion" not in unchanged["calls"]
