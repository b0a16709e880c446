"""The holds' perimeter through the real handler, the emulator and a ledger in moto: holds are bounded and
paged, only their creator removes them (anyone else through the override), they are placed only on a
package that exists, named literally, and an unreadable ledger item stops nothing."""

import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from disposer.ledger.table import LedgerTable
from disposer.model.holds import Hold
from disposer.model.packages import PackageFormat, PackageRef
from tests.integration.harness import disposed, invoke_api, run_scheduled
from tests.integration.seeds import CI_BUILDS_POLICY, UI_KIT, ci_builds_seed

CALLER = "arn:aws:sts::111122223333:assumed-role/PlatformOps/jane.doe"
SAME_ROLE = "arn:aws:sts::111122223333:assumed-role/PlatformOps/ci-session-42"
SOMEONE_ELSE = "arn:aws:sts::111122223333:assumed-role/Developers/mallory"
UI_KIT_REF = PackageRef("acme", None, "releases", PackageFormat.NPM, "acme", "ui-kit")


def _until(days: int = 30) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat(timespec="seconds")


def hold(context: Any, version: str, caller_arn: str | None = None, **changes: Any) -> Any:
    body = {**UI_KIT, "version": version, "until": _until(), "reason": "release pinned", **changes}
    return invoke_api(context, "POST", "/holds", body, caller_arn=caller_arn)


def table(ledger_name: str) -> LedgerTable:
    return LedgerTable(ledger_name, boto3.client("dynamodb", endpoint_url=os.environ["AWS_ENDPOINT_URL_DYNAMODB"]))


def seed_holds(ledger_name: str, versions: list[str], ref: PackageRef = UI_KIT_REF) -> list[str]:
    """Holds put straight into the ledger (as many as a test needs, fast); their ids."""
    ledger, now = table(ledger_name), datetime.now(UTC)
    ids = []
    for version in versions:
        ids.append(str(uuid.uuid4()))
        ledger.put_hold(Hold(ids[-1], ref, version, now + timedelta(days=30), "seeded", CALLER, now))
    return ids


def listed_ids(context: Any, **query: str) -> list[str]:
    return [h["holdId"] for h in invoke_api(context, "GET", "/holds", None, query=query or None).body["holds"]]


# -- Literal, existing packages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"package": "ui-*"}, "package"), ({"package": "ui-ki?"}, "package"), ({"namespace": "ac*"}, "namespace")],
    ids=["star", "question-mark", "namespace-glob"],
)
def test_hold_on_a_package_glob_is_422_naming_the_field(lambda_context, emulator, ledger_name, changes, field):
    response = hold(lambda_context, "1.3.0", **changes)
    assert response.status == 422
    assert field in {detail["field"] for detail in response.body["error"]["details"]}
    assert listed_ids(lambda_context) == []


def test_hold_on_a_package_that_does_not_exist_is_404_and_stores_nothing(lambda_context, emulator, ledger_name):
    response = hold(lambda_context, "1.3.0", package="ui-kitt")
    assert (response.status, response.body["error"]["code"]) == (404, "PackageNotFound")
    assert "ui-kitt" in response.body["error"]["message"]
    assert listed_ids(lambda_context) == []


# -- Ownership --------------------------------------------------------------------------------------


def test_hold_removed_by_someone_else_is_403_and_the_version_stays_held(lambda_context, emulator, client, ledger_name):
    # GIVEN a hold placed by jane.doe (role PlatformOps)
    hold_id = hold(lambda_context, "1.3.0").body["hold"]["holdId"]
    # WHEN another principal removes it / THEN 403 NotHoldOwner, and the version is still held
    refused = invoke_api(lambda_context, "DELETE", f"/holds/{hold_id}", None, caller_arn=SOMEONE_ELSE)
    assert (refused.status, refused.body["error"]["code"]) == (403, "NotHoldOwner")
    assert "override" in refused.body["error"]["message"]
    answer = invoke_api(lambda_context, "POST", "/dispose", {**UI_KIT, "versions": ["1.3.0"]}, caller_arn=SOMEONE_ELSE)
    assert answer.body["failedVersions"]["1.3.0"]["errorCode"] == "HELD"
    assert disposed(client, UI_KIT) == set()
    assert listed_ids(lambda_context) == [hold_id]


def test_hold_removed_by_another_session_of_the_same_role(lambda_context, emulator, ledger_name):
    hold_id = hold(lambda_context, "1.3.0").body["hold"]["holdId"]
    removed = invoke_api(lambda_context, "DELETE", f"/holds/{hold_id}", None, caller_arn=SAME_ROLE)
    assert (removed.status, removed.body["hold"]["holdId"], removed.body["override"]) == (200, hold_id, False)
    assert removed.body["removedBy"] == SAME_ROLE


def test_hold_override_removes_anyones_hold_audited_with_both_principals(
    lambda_context, emulator, ledger_name, printed
):
    hold_id = hold(lambda_context, "1.3.0").body["hold"]["holdId"]
    removed = invoke_api(lambda_context, "DELETE", f"/holds/{hold_id}/override", None, caller_arn=SOMEONE_ELSE)
    assert (removed.status, removed.body["override"], removed.body["removedBy"]) == (200, True, SOMEONE_ELSE)
    assert listed_ids(lambda_context) == []
    (record,) = [r for r in printed() if r.get("message") == "hold removed"]
    assert (record["created_by"], record["removed_by"], record["override"]) == (CALLER, SOMEONE_ELSE, True)
    again = invoke_api(lambda_context, "DELETE", f"/holds/{hold_id}/override", None, caller_arn=SOMEONE_ELSE)
    assert (again.status, again.body["error"]["code"]) == (404, "HoldNotFound")


# -- Bounds -----------------------------------------------------------------------------------------


def test_hold_beyond_100_on_one_package_is_422_too_many_holds(lambda_context, emulator, ledger_name):
    # GIVEN 100 holds on ui-kit
    seed_holds(ledger_name, [f"9.{i}.*" for i in range(100)])
    # WHEN one more is placed / THEN 422 TooManyHolds naming the limit; another package still takes one
    response = hold(lambda_context, "1.3.0")
    assert (response.status, response.body["error"]["code"]) == (422, "TooManyHolds")
    assert "(100)" in response.body["error"]["message"]
    assert hold(lambda_context, "0.1.0", package="ui-icons").status == 201


def test_hold_beyond_the_deployments_limit_is_422_too_many_holds(lambda_context, emulator, ledger_name, monkeypatch):
    # GIVEN a deployment at its limit (lowered here: 10,000 holds would only make the test slow)
    monkeypatch.setattr("disposer.safety.holds.MAX_HOLDS", 3)
    seed_holds(ledger_name, ["9.0.0", "9.1.0", "9.2.0"])
    response = hold(lambda_context, "1.3.0")
    assert (response.status, response.body["error"]["code"]) == (422, "TooManyHolds")
    assert "(3)" in response.body["error"]["message"]


def test_holds_listed_a_page_at_a_time_following_next_token(lambda_context, emulator, ledger_name):
    # GIVEN 230 holds
    ids = seed_holds(ledger_name, [f"9.{i}.0" for i in range(230)])
    # WHEN listed 100 at a time, following nextToken / THEN every hold once, no page over the limit
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        query = {"limit": "100", **({"nextToken": token} if token else {})}
        body = invoke_api(lambda_context, "GET", "/holds", None, query=query).body
        assert len(body["holds"]) <= 100
        seen += [h["holdId"] for h in body["holds"]]
        pages += 1
        token = body.get("nextToken")
        if not token:
            break
    assert sorted(seen) == sorted(ids) and pages == 3
    # AND the default page is 100
    assert len(invoke_api(lambda_context, "GET", "/holds", None).body["holds"]) == 100


@pytest.mark.parametrize(
    "query", [{"limit": "501"}, {"limit": "0"}, {"nextToken": "bm90LWEta2V5"}, {"nextToken": "%%%"}]
)
def test_holds_list_out_of_bounds_limit_or_forged_token_is_422(lambda_context, emulator, ledger_name, query):
    response = invoke_api(lambda_context, "GET", "/holds", None, query=query)
    assert response.status == 422


# -- An unreadable ledger item ----------------------------------------------------------------------


def put_raw(ledger_name: str, sk: str, **attributes: str) -> None:
    item = {"pk": {"S": "holds"}, "sk": {"S": sk}, **{k: {"S": v} for k, v in attributes.items()}}
    boto3.client("dynamodb", endpoint_url=os.environ["AWS_ENDPOINT_URL_DYNAMODB"]).put_item(
        TableName=ledger_name, Item=item
    )


def test_unreadable_hold_naming_its_package_holds_all_of_it_and_stops_nothing(
    lambda_context, emulator, client, ledger_name, printed
):
    # GIVEN an item in the holds partition that names ui-kit but is no hold (no until, an id not a UUID)
    put_raw(
        ledger_name,
        "hold#legacy-1",
        domain="acme",
        repository="releases",
        format="npm",
        namespace="acme",
        package="ui-kit",
        version="1.3.0",
    )
    # WHEN /dispose, /plan and a scheduled run meet it / THEN they answer, and ui-kit is held entirely
    answer = invoke_api(lambda_context, "POST", "/dispose", {**UI_KIT, "versions": ["1.4.0"]})
    assert answer.status == 200 and answer.body["failedVersions"]["1.4.0"]["errorCode"] == "HELD"
    report = run_scheduled(lambda_context)
    assert all(i["action"] == "keep" for i in report["items"] if i["package"] == "ui-kit")
    assert disposed(client, UI_KIT) == set()
    # AND it is reported: an error audit record naming it
    errors = [r for r in printed() if r.get("message") == "unreadable hold"]
    assert errors and errors[0]["hold_id"] == "legacy-1" and errors[0]["level"] == "ERROR"
    # AND listed flagged as unreadable
    body = invoke_api(lambda_context, "GET", "/holds", None).body
    assert body["holds"] == [] and [u["holdId"] for u in body["unreadable"]] == ["legacy-1"]
    # AND only the override removes it, though its id is not a UUID
    refused = invoke_api(lambda_context, "DELETE", "/holds/legacy-1", None)
    assert (refused.status, refused.body["error"]["code"]) == (403, "NotHoldOwner")
    removed = invoke_api(lambda_context, "DELETE", "/holds/legacy-1/override", None)
    assert removed.status == 200 and removed.body["unreadable"]["holdId"] == "legacy-1"
    assert invoke_api(lambda_context, "GET", "/holds", None).body["unreadable"] == []


def test_unreadable_hold_without_a_package_holds_nothing_and_stops_nothing(lambda_context, emulator, ledger_name):
    # GIVEN an item in the holds partition from which no package can be read, and a real hold
    put_raw(ledger_name, "hold#no-package", note="not a hold")
    seed_holds(ledger_name, ["1.3.0"])
    # WHEN versions are disposed / THEN the real hold still holds, the rest is disposed
    answer = invoke_api(lambda_context, "POST", "/dispose", {**UI_KIT, "versions": ["1.3.0", "1.4.0"]})
    assert answer.status == 200
    assert answer.body["failedVersions"]["1.3.0"]["errorCode"] == "HELD"
    assert set(answer.body["successfulVersions"]) == {"1.4.0"}
    body = invoke_api(lambda_context, "GET", "/holds", None).body
    assert [u["holdId"] for u in body["unreadable"]] == ["no-package"] and body["unreadable"][0]["package"] is None
    assert invoke_api(lambda_context, "DELETE", "/holds/no-package/override", None).status == 200


# -- Cost -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [ci_builds_seed(["lib-big"], versions=2000, days_apart=1)], ids=["2000-versions"])
def test_plan_of_2000_versions_with_100_holds_answers_in_under_5_s(lambda_context, emulator, ledger_name, seed):
    # GIVEN 100 holds on one package of 2,000 versions: 99 globs that match nothing and one literal
    ref = PackageRef("acme", None, "releases", PackageFormat.GENERIC, "ci", "lib-big")
    seed_holds(ledger_name, [*(f"9.{i}.*-never" for i in range(99)), "1.0.5"], ref=ref)
    # WHEN the policy is planned
    started = time.monotonic()
    response = invoke_api(lambda_context, "POST", "/plan", {**CI_BUILDS_POLICY, "package": "lib-big", "mode": "plan"})
    elapsed = time.monotonic() - started
    # THEN it answers within 5 s, with the held version kept by its hold
    assert response.status == 200, response.body
    assert response.body["totals"]["versions"] == 2000
    assert response.body["totals"]["rules"]["keep:hold"] == 1
    assert elapsed < 5, f"/plan took {elapsed:.1f} s"
