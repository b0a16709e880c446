"""`make demo`: dispose versions through the real handler, with real event shapes, against the emulator."""

import io
import json
import os
import sys
from collections import Counter
from contextlib import redirect_stdout
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3

from local.events import LambdaContext, api_gateway_event
from local.launcher import emulator_process

SEED = Path(__file__).parent / "seeds" / "demo.json"
UI_KIT = {"domain": "acme", "repository": "releases", "format": "npm", "namespace": "acme", "package": "ui-kit"}


class Demo:
    """Drives the handler and keeps what it prints (audit records, EMF metrics) apart from the story."""

    def __init__(self, url: str) -> None:
        os.environ["AWS_ENDPOINT_URL_CODEARTIFACT"] = url
        os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
        self.captured = io.StringIO()
        # Powertools binds its log stream when the Logger is created: import the handler while captured.
        with redirect_stdout(self.captured):
            import disposer.handler

        self.handler: ModuleType = disposer.handler
        self.client = boto3.client("codeartifact", endpoint_url=url)

    def call(self, method: str, path: str, body: Any) -> tuple[int, dict[str, Any]]:
        event = api_gateway_event(method, path, body)
        with redirect_stdout(self.captured):
            response = self.handler.lambda_handler(event, LambdaContext())
        return response["statusCode"], json.loads(response["body"])

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.captured.getvalue().splitlines() if line.startswith("{")]

    def statuses(self, coordinates: dict[str, str]) -> Counter[str]:
        pages = self.client.get_paginator("list_package_versions").paginate(**coordinates)  # type: ignore[arg-type]
        return Counter(v["status"] for page in pages for v in page["versions"])


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
    with emulator_process(SEED) as url:
        demo = Demo(url)
        print(f"CodeArtifact disposer demo: emulator at {url}, seed {SEED.relative_to(Path.cwd())}")
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
        summarize(demo.records())
    return 0


def summarize(records: list[dict[str, Any]]) -> None:
    audit = [r for r in records if r.get("audit")]
    outcomes = Counter(r["outcome"] for r in audit)
    print(f"\nAudit trail: {len(audit)} version records {dict(outcomes)}; e.g.")
    disposed = next(r for r in audit if r["outcome"] == "disposed")
    keys = ("run_id", "caller", "repository", "package", "version", "revision", "outcome", "reason")
    print("   " + json.dumps({key: disposed.get(key) for key in keys}))
    totals: Counter[str] = Counter()
    for record in records:
        for definition in record.get("_aws", {}).get("CloudWatchMetrics", []):
            for metric in definition["Metrics"]:
                value = record[metric["Name"]]
                totals[metric["Name"]] += sum(value) if isinstance(value, list) else value
    print(f"Metrics emitted (namespace CodeArtifactDisposal): {dict(totals)}")


if __name__ == "__main__":
    sys.exit(main())
