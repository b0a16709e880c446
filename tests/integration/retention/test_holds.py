"""Holds through the real handler, the emulator and a ledger in moto: placed, listed, removed, and kept by
every policy, by /dispose and by the writes of a run, even when placed after the plan."""

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from disposer.ledger.table import LedgerTable
from disposer.model.holds import Hold
from disposer.model.packages import PackageFormat, PackageRef
from disposer.runs.executors import InlineExecutor
from tests.integration.harness import calls, disposed, invoke_api, run_scheduled
from tests.integration.seeds import EXPECTED_UI_KIT, UI_KIT

CALLER = "arn:aws:sts::111122223333:assumed-role/PlatformOps/jane.doe"


def _until(days: int = 30) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat(timespec="seconds")


def hold(context: Any, version: str, reason: str = "release 1.3 is pinned by the mobile app", **changes: Any) -> Any:
    body = {**UI_KIT, "version": version, "until": _until(), "reason": reason}
    return invoke_api(context, "POST", "/holds", {**body, **changes})


def test_hold_placed_listed_and_removed_with_who_and_why(lambda_context, emulator, ledger_name):
    # GIVEN a hold placed through the API
    placed = hold(lambda_context, "1.3.0")
    assert placed.status == 201
    held = placed.body["hold"]
    # THEN it names who placed it (the caller's ARN), when, until when and why
    assert (held["createdBy"], held["version"], held["package"]) == (CALLER, "1.3.0", "ui-kit")
    assert held["reason"] == "release 1.3 is pinned by the mobile app"
    # WHEN listed (all, by package, by another package) / THEN it is there where it should be
    assert [h["holdId"] for h in invoke_api(lambda_context, "GET", "/holds", None).body["holds"]] == [held["holdId"]]
    by_package = invoke_api(lambda_context, "GET", "/holds", None, query={"package": "ui-kit"})
    assert len(by_package.body["holds"]) == 1
    assert invoke_api(lambda_context, "GET", "/holds", None, query={"package": "other"}).body["holds"] == []
    # WHEN removed / THEN it is answered back once, and a second removal is 404
    removed = invoke_api(lambda_context, "DELETE", f"/holds/{held['holdId']}", None)
    assert (removed.status, removed.body["hold"]["holdId"]) == (200, held["holdId"])
    again = invoke_api(lambda_context, "DELETE", f"/holds/{held['holdId']}", None)
    assert (again.status, again.body["error"]["code"]) == (404, "HoldNotFound")
    assert invoke_api(lambda_context, "GET", "/holds", None).body["holds"] == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"until": "2020-01-01T00:00:00Z"}, "until"),
        ({"until": (datetime.now(UTC) + timedelta(days=400)).isoformat()}, "until"),
        ({"until": "2027-01-01T00:00:00"}, "until"),
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        ({"version": "1.3.0#evil"}, "version"),
        ({"format": "maven", "namespace": None}, "namespace"),
    ],
    ids=["past", "beyond-366-days", "no-zone", "blank-reason", "long-reason", "bad-version", "maven-no-namespace"],
)
def test_hold_invalid_is_422_naming_the_field_and_stores_nothing(lambda_context, emulator, ledger_name, changes, field):
    response = invoke_api(
        lambda_context, "POST", "/holds", {**UI_KIT, "version": "1.3.0", "until": _until(), "reason": "r", **changes}
    )
    assert response.status == 422
    assert field in {detail["field"] for detail in response.body["error"]["details"]}
    assert invoke_api(lambda_context, "GET", "/holds", None).body["holds"] == []


def test_hold_without_a_ledger_is_422_and_out_of_scope_is_403(lambda_context, emulator, monkeypatch):
    # GIVEN no ledger table configured
    response = hold(lambda_context, "1.3.0")
    assert (response.status, response.body["error"]["code"]) == (422, "LedgerRequired")
    # AND a deployment scoped to other repositories
    monkeypatch.setenv("DISPOSER_REPOSITORIES", "snapshots")
    response = hold(lambda_context, "1.3.0")
    assert (response.status, response.body["error"]["code"]) == (403, "OutOfScope")


def test_held_versions_kept_by_a_policy_with_the_hold_as_reason(lambda_context, emulator, client, ledger_name):
    # GIVEN a hold on one version and a glob hold on two more
    hold(lambda_context, "1.3.0")
    hold(lambda_context, "1.[56].0", reason="literal brackets: matches nothing")
    hold(lambda_context, "1.5.*", reason="audit of the 1.5 line")
    # WHEN the policy runs
    report = run_scheduled(lambda_context)
    # THEN those versions are kept with the hold named, and every other planned version disposed
    reasons = {i["version"]: i["reason"] for i in report["items"] if i["package"] == "ui-kit"}
    assert reasons["1.3.0"].startswith(f"kept: held by {CALLER} until ")
    assert reasons["1.3.0"].endswith(": release 1.3 is pinned by the mobile app")
    assert reasons["1.5.0"].endswith(": audit of the 1.5 line")
    assert disposed(client, UI_KIT) == EXPECTED_UI_KIT - {"1.3.0", "1.5.0"}
    assert report["totals"]["rules"]["keep:hold"] == 2


def test_dispose_answers_a_held_version_held_without_sending_it(lambda_context, emulator, client, ledger_name):
    # GIVEN a hold on 1.3.0
    hold(lambda_context, "1.3.0")
    # WHEN both 1.3.0 and 1.4.0 are asked for, dry run first
    body = {**UI_KIT, "versions": ["1.3.0", "1.4.0"]}
    dry = invoke_api(lambda_context, "POST", "/dispose", {**body, "dryRun": True})
    response = invoke_api(lambda_context, "POST", "/dispose", body)
    # THEN the held one is HELD (in the prediction too), the other disposed, and only it was sent
    for answer in (dry, response):
        assert answer.body["failedVersions"]["1.3.0"]["errorCode"] == "HELD"
        assert CALLER in answer.body["failedVersions"]["1.3.0"]["errorMessage"]
        assert set(answer.body["successfulVersions"]) == {"1.4.0"}
    assert disposed(client, UI_KIT) == {"1.4.0"}
    assert calls(emulator)["DisposePackageVersions"] == 1


def test_hold_placed_between_plan_and_apply_wins(lambda_context, emulator, client, ledger_name, monkeypatch):
    # GIVEN a hold placed after the plan, just before the package is written
    original = InlineExecutor.apply_package

    def hold_then_apply(self: InlineExecutor, report: Any, package: Any, *args: Any) -> None:
        if package.ref.package == "ui-kit":
            hold(lambda_context, "1.4.0", reason="placed after the plan")
        original(self, report, package, *args)

    monkeypatch.setattr(InlineExecutor, "apply_package", hold_then_apply)
    # WHEN the run applies
    report = run_scheduled(lambda_context)
    # THEN the plan had it disposed, but it was never sent: HELD, and still there
    reasons = {i["version"]: (i["action"], i.get("errorCode")) for i in report["items"] if i["package"] == "ui-kit"}
    assert reasons["1.4.0"] == ("dispose", "HELD")
    assert disposed(client, UI_KIT) == EXPECTED_UI_KIT - {"1.4.0"}


def test_expired_hold_keeps_nothing(lambda_context, emulator, client, ledger_name):
    # GIVEN a hold that ends before the run's clock (placed directly: the API refuses a past `until`)

    table = LedgerTable(ledger_name, boto3.client("dynamodb", endpoint_url=os.environ["AWS_ENDPOINT_URL_DYNAMODB"]))
    ref = PackageRef("acme", None, "releases", PackageFormat.NPM, "acme", "ui-kit")
    past = datetime(2026, 1, 1, tzinfo=UTC)
    table.put_hold(Hold("old", ref, "1.3.0", past, "long over", CALLER, past - timedelta(days=1)))
    # WHEN the policy runs / THEN the version is disposed as planned
    run_scheduled(lambda_context)
    assert "1.3.0" in disposed(client, UI_KIT)
