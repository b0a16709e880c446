"""`make demo`, sections 6 to 8: a hold, a quarantine cycle and the kill switch, through the real handler,
with the ledger table and the switch parameter in moto (started and stopped by the demo itself)."""

import os
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3

from disposer.model.report import RunReportBody
from disposer.pages.view import PlanView
from disposer_cli.output import print_summary
from local.tables import create_ledger_table

if TYPE_CHECKING:
    from local.demo import Demo

UI_KIT = {"domain": "acme", "repository": "releases", "format": "npm", "namespace": "acme", "package": "ui-kit"}
LODASH = {"domain": "acme", "repository": "releases", "format": "npm", "package": "lodash"}
HOLD_POLICY: dict[str, Any] = {
    "name": "trim-ui-kit",
    "domain": "acme",
    "repository": "releases",
    "format": "npm",
    "namespace": "acme",
    "package": "ui-kit",
    "select": {"olderThanDays": 200},
    "keep": {"latest": 3, "versionPatterns": []},
}
QUARANTINE_POLICY: dict[str, Any] = {
    "name": "quarantine-lodash",
    "domain": "acme",
    "repository": "releases",
    "format": "npm",
    "package": "lodash",
    "select": {"olderThanDays": 90},
    "keep": {"latest": 1},
    "quarantine": {"graceDays": 7},
}
SWITCH_PARAMETER = "/CodeArtifactDisposer/disposals"


def configure(moto_url: str) -> None:
    """A ledger table and an enabled kill switch in moto, named to the function as the stack would."""
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = moto_url
    os.environ["AWS_ENDPOINT_URL_SSM"] = moto_url
    os.environ["DISPOSER_LEDGER_TABLE"] = create_ledger_table(boto3.client("dynamodb"), "demo-ledger")
    boto3.client("ssm").put_parameter(Name=SWITCH_PARAMETER, Value="enabled", Type="String")
    os.environ["DISPOSER_SWITCH_PARAMETER"] = SWITCH_PARAMETER
    # Read at every write here, so the demo need not wait out the deployed 5 s.
    os.environ["DISPOSER_SWITCH_CACHE_SECONDS"] = "0"


def _plan(demo: "Demo", policy: dict[str, Any], when: datetime, *, mode: str = "plan") -> RunReportBody:
    return RunReportBody.model_validate(demo.run_policy({**policy, "mode": mode}, when))


def _decision(body: RunReportBody, version: str) -> str:
    item = next(item for item in body.items if item.version == version)
    outcome = f" -> {item.outcome}" if item.outcome else ""
    return f"{item.reason}{outcome}"


def hold_story(demo: "Demo", when: datetime) -> None:
    print(f"\n== 6. A hold: '{HOLD_POLICY['name']}' would dispose ui-kit versions older than 200 days")
    before = _plan(demo, HOLD_POLICY, when)
    target = next(item.version for item in before.items if item.action == "dispose")
    print(f"   plan: {target} -> {_decision(before, target)}")
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat(timespec="seconds")
    reason = "customer pins this release until their upgrade"
    status, body = demo.call("POST", "/holds", {**UI_KIT, "version": target, "until": until, "reason": reason})
    hold = body["hold"]
    print(f"   POST /holds {target} -> HTTP {status}, holdId {hold['holdId']}, createdBy {hold['createdBy']}")
    applied = _plan(demo, HOLD_POLICY, when, mode="apply")
    print(f"   apply: {target} -> {_decision(applied, target)}")
    print(f"          the rest: {applied.outcomes}; {target} is still {demo.versions(UI_KIT)[target]}")
    status, _ = demo.call("DELETE", f"/holds/{hold['holdId']}", None)
    after = _plan(demo, HOLD_POLICY, when)
    print(f"   DELETE /holds/{hold['holdId']} -> HTTP {status}; plan again: {target} -> {_decision(after, target)}")


def quarantine_story(demo: "Demo", when: datetime) -> None:
    print(f"\n== 7. Quarantine: '{QUARANTINE_POLICY['name']}' archives first and disposes after 7 days")
    first = _plan(demo, QUARANTINE_POLICY, when, mode="apply")
    archived = sorted(item.version for item in first.items if item.action == "archive")
    print(f"   day 0: archived {archived}; lodash now {demo.versions(LODASH)}")
    restored = archived[-1]
    demo.client.update_package_versions_status(**LODASH, versions=[restored], targetStatus="Published")  # type: ignore[arg-type]
    print(f"   someone restores {restored} (Archived -> Published): it was still needed")
    middle = _plan(demo, QUARANTINE_POLICY, when + timedelta(days=3), mode="apply")
    for version in archived:
        print(f"   day 3: {version} -> {_decision(middle, version)}")
    last = _plan(demo, QUARANTINE_POLICY, when + timedelta(days=7), mode="apply")
    for version in archived:
        print(f"   day 7: {version} -> {_decision(last, version)}")
    print(f"   lodash now {demo.versions(LODASH)}")


def switch_story(demo: "Demo", when: datetime, policy: dict[str, Any]) -> None:
    print(f"\n== 8. The kill switch: {SWITCH_PARAMETER} set to 'disabled' (no redeploy)")
    boto3.client("ssm").put_parameter(Name=SWITCH_PARAMETER, Value="disabled", Type="String", Overwrite=True)
    status, body = demo.call("POST", "/apply", {**policy, "mode": "apply"})
    print(f"   POST /apply -> HTTP {status} {body['error']['code']}: {body['error']['message']}")
    report = _plan(demo, policy, when, mode="apply")
    print(f"   scheduled run '{policy['name']}': aborted={report.aborted}, disposed {report.outcomes}")
    print(f"   abortedReason: {report.aborted_reason}")
    print_summary(PlanView(report), sys.stdout)
    boto3.client("ssm").put_parameter(Name=SWITCH_PARAMETER, Value="enabled", Type="String", Overwrite=True)
    print(f"   {SWITCH_PARAMETER} set back to 'enabled': writes resume at once")
