"""`make demo`: dispose versions through the real handler, with real event shapes, against the emulator."""

import io
import json
import os
import sys
from collections import Counter
from contextlib import redirect_stdout
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3

from disposer.model.report import RunReportBody
from disposer.pages.view import PlanView
from disposer.retention.loader import load_policies
from disposer_cli.output import print_summary, print_table
from local import demo_safety, demo_usage, demo_workflow
from local.events import LambdaContext, api_gateway_event, process_clock, run_event
from local.launcher import emulator_process, moto_process

METRICS_SHOWN = (
    "VersionsPlanned",
    "VersionsKept",
    "VersionsDisposed",
    "VersionsArchived",
    "VersionsHeld",
    "VersionsFailed",
    "RunAborted",
    "DisposalsDisabled",
)
SEED = Path(__file__).parent / "seeds" / "demo.json"
POLICIES = Path(__file__).parent.parent / "policies.json"
# The seed's clock: publish times are counted back from 2026-11-20, and the schedule fires after it.
RUN_TIME = datetime(2026, 11, 21, 3, 30, tzinfo=UTC)
SERVICE = {
    "domain": "acme",
    "repository": "snapshots",
    "format": "maven",
    "namespace": "com.acme",
    "package": "service",
}
SERVICE_LABEL = "maven com.acme:service in acme/snapshots"
UI_KIT = {"domain": "acme", "repository": "releases", "format": "npm", "namespace": "acme", "package": "ui-kit"}


class Demo:
    """Drives the handler and keeps what it prints (audit records, EMF metrics) apart from the story."""

    def __init__(self, url: str) -> None:
        os.environ["AWS_ENDPOINT_URL_CODEARTIFACT"] = url
        os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
        self.captured = io.StringIO()
        import disposer.handler
        from disposer.observability import logger

        # The function's log records (audit trail) and EMF lines are kept apart from the story told here.
        logger.registered_handler.setStream(self.captured)  # type: ignore[attr-defined]
        self.handler: ModuleType = disposer.handler
        self.client = boto3.client("codeartifact", endpoint_url=url)

    def call(self, method: str, path: str, body: Any) -> tuple[int, dict[str, Any]]:
        event = api_gateway_event(method, path, body)
        with redirect_stdout(self.captured):
            response = self.handler.lambda_handler(event, LambdaContext())
        return response["statusCode"], json.loads(response["body"])

    def run_policy(self, policy: dict[str, Any], when: datetime) -> dict[str, Any]:
        """Deliver the policy as its EventBridge schedule rule would, at `when` (the process's clock moved there:
        the demo replays runs of the past, whose events the function would otherwise refuse as stale)."""
        with redirect_stdout(self.captured), process_clock(when):
            report: dict[str, Any] = self.handler.lambda_handler(run_event(policy, time=when), LambdaContext())
        return report

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.captured.getvalue().splitlines() if line.startswith("{")]

    def versions(self, coordinates: dict[str, str]) -> dict[str, str]:
        pages = self.client.get_paginator("list_package_versions").paginate(**coordinates)  # type: ignore[arg-type]
        return {v["version"]: v["status"] for page in pages for v in page["versions"]}

    def statuses(self, coordinates: dict[str, str]) -> Counter[str]:
        return Counter(self.versions(coordinates).values())


def revision_of(demo: Demo, version: str) -> str:
    described = demo.client.describe_package_version(**UI_KIT, packageVersion=version)  # type: ignore[arg-type]
    return described["packageVersion"]["revision"]


def show(title: str, status: int, body: dict[str, Any]) -> None:
    print(f"\n== {title}\n   -> HTTP {status}")
    if "error" in body:
        print(f"   error {body['error']['code']}: {body['error']['message']}")
        return
    for version, ok in body["successfulVersions"].items():
        verb = "would dispose" if body["dryRun"] else "disposed"
        print(f"   {version:<18} {verb:<14} status={ok['status']:<10} revision={(ok.get('revision') or '')[:12]}…")
    for version, failed in body["failedVersions"].items():
        print(f"   {version:<18} {'FAILED':<14} {failed['errorCode']}: {failed['errorMessage']}")


def main() -> int:
    with emulator_process(SEED) as url, moto_process() as moto_url:
        demo_safety.configure(moto_url)
        demo = Demo(url)
        print(f"CodeArtifact disposer demo: emulator at {url}, moto (ledger, switch) at {moto_url}")
        print(f"seed {SEED.relative_to(Path.cwd())}")
        print(f"npm @acme/ui-kit in acme/releases before: {dict(demo.statuses(UI_KIT))}")

        betas = ["2.0.0-beta.1", "2.0.0-beta.2", "2.0.0-beta.3"]
        status, body = demo.call("POST", "/dispose", {**UI_KIT, "versions": betas, "dryRun": True})
        show("1. Dry run: what disposing three betas would do (nothing is written)", status, body)

        pinned = {version: revision_of(demo, version) for version in betas}
        request = {**UI_KIT, "versions": betas, "versionRevisions": pinned, "expectedStatus": "Published"}
        status, body = demo.call("POST", "/dispose", request)
        show("2. Real run, pinned to the revisions and status just seen", status, body)

        mixed = ["2.0.0-beta.4", "2.0.0-beta.5", "9.9.9", "2.0.0-beta.6"]
        request = {**UI_KIT, "versions": mixed, "versionRevisions": {"2.0.0-beta.6": "stale-revision"}}
        status, body = demo.call("POST", "/dispose", request)
        show(
            "3. Partial failure: one missing version, one stale revision; the rest still disposed "
            "(CodeArtifact's SKIPPED answers are retried without the failures)",
            status,
            body,
        )

        status, body = demo.call("POST", "/dispose", {**UI_KIT, "format": "docker", "versions": []})
        show("4. A bad request names the fields and disposes nothing", status, body)
        print(f"\nnpm @acme/ui-kit in acme/releases after: {dict(demo.statuses(UI_KIT))}")

        scheduled_policy(demo)
        demo_safety.hold_story(demo, RUN_TIME)
        demo_safety.quarantine_story(demo, RUN_TIME)
        demo_safety.switch_story(demo, RUN_TIME, demo_safety.HOLD_POLICY)
        demo_usage.usage_story(demo, RUN_TIME, moto_url)
        summarize(demo.records())
        demo_workflow.workflow_story(moto_url, {})
    return 0


def scheduled_policy(demo: Demo) -> None:
    """5. The prune-snapshots policy from policies.json, delivered by its schedule: plan, then apply."""
    policy = next(p for p in load_policies(POLICIES) if p.name == "prune-snapshots")
    detail = policy.model_dump(mode="json", by_alias=True, exclude_none=True)
    before = dict(demo.statuses(SERVICE))
    print(f"\n== 5. Scheduled policy '{policy.name}' ({policy.schedule}) on {SERVICE_LABEL}; before: {before}")
    print("   Plan (mode plan, as deployed: nothing is disposed):")
    plan = RunReportBody.model_validate(demo.run_policy({**detail, "mode": "plan"}, RUN_TIME))
    print_table(PlanView(plan), sys.stdout, show_kept=True)
    print_summary(PlanView(plan), sys.stdout)
    print("\n   The same policy switched to mode apply, at the next scheduled time:")
    applied = RunReportBody.model_validate(demo.run_policy({**detail, "mode": "apply"}, RUN_TIME))
    print_summary(PlanView(applied), sys.stdout)
    after = demo.statuses(SERVICE)
    changed = sorted(v for v, s in demo.versions(SERVICE).items() if s == "Disposed")
    print(f"   {SERVICE_LABEL} after: {dict(after)}; disposed {changed[0]} .. {changed[-1]}")


def summarize(records: list[dict[str, Any]]) -> None:
    audit = [r for r in records if r.get("audit") and "outcome" in r]
    outcomes = Counter(r["outcome"] for r in audit)
    print(f"\nAudit trail: {len(audit)} version records {dict(outcomes)}; e.g.")
    disposed = next(r for r in audit if r["outcome"] == "disposed")
    keys = ("run_id", "caller", "repository", "package", "version", "revision", "outcome", "reason")
    print("   " + json.dumps({key: disposed.get(key) for key in keys}))
    # One EMF line per run (published under [service] and [service, policy, trigger]); failed versions
    # also per error code. Each metric value is counted once here.
    runs = [r for r in records if "Runs" in r]
    totals = Counter({name: sum(sum(r.get(name, [0])) for r in runs) for name in METRICS_SHOWN})
    by_code = Counter({r["errorCode"]: int(sum(r["VersionsFailed"])) for r in records if "errorCode" in r})
    print(
        f"Metrics (namespace CodeArtifactDisposal), summed over the {len(runs)} runs and requests above, as a "
        "dashboard would over this hour (VersionsPlanned counts each run's planned disposals and archives, "
        "so a version planned by a plan-mode run and again by its apply counts twice):"
    )
    print("   " + ", ".join(f"{name} {int(value)}" for name, value in totals.items()))
    print(f"   VersionsFailed by errorCode {dict(by_code)}")


if __name__ == "__main__":
    sys.exit(main())
