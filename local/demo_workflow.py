"""The demo's workflow part: `python -m local.workflow` run as a newcomer would, on a domain of its own.

Twelve packages of nightly builds; a policy that needs an approval, run in shards of four packages:
rejected first (nothing disposed), then approved (the plan applied); each run's notifications and its
one-line report are shown.
"""

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from local.launcher import emulator_process

RUN_TIME = datetime(2026, 11, 21, 3, 30, tzinfo=UTC)
POLICIES = {
    "policies": [
        {
            "name": "nightly-builds",
            "schedule": "cron(0 2 * * ? *)",
            "mode": "apply",
            "domain": "acme",
            "repository": "nightly",
            "format": "generic",
            "select": {"olderThanDays": 7},
            "keep": {"latest": 5},
            "approval": {"required": True, "timeoutHours": 12},
        }
    ]
}


def seed() -> dict[str, Any]:
    """Twelve generic packages in acme/nightly, one build a night for the last 20 nights."""

    def builds(package: int) -> list[dict[str, Any]]:
        return [
            {
                "version": f"2026.11.{20 - night:02d}-{package}",
                "publishedTime": (RUN_TIME - timedelta(days=night + 1, minutes=package)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            for night in range(20)
        ]

    packages = [
        {"format": "generic", "namespace": "ci", "name": f"build-{n:02d}", "versions": builds(n)} for n in range(12)
    ]
    return {
        "domains": [
            {"name": "acme", "owner": "111122223333", "repositories": [{"name": "nightly", "packages": packages}]}
        ]
    }


def workflow_story(moto_url: str, environment: Mapping[str, str]) -> None:
    """Run the policy through the synthesized state machine twice: a rejection, then an approval."""
    print("\n== 10. A scheduled run as a workflow: the state machine `cdk synth` produces, run locally")
    with tempfile.TemporaryDirectory() as folder:
        seed_file, policies_file = Path(folder, "seed.json"), Path(folder, "policies.json")
        seed_file.write_text(json.dumps(seed()))
        policies_file.write_text(json.dumps(POLICIES))
        with emulator_process(seed_file) as url:
            env = {**environment, "AWS_ENDPOINT_URL_CODEARTIFACT": url, "AWS_ENDPOINT_URL": moto_url}
            for decision, what in (("--reject", "someone rejects the plan"), ("--approve", "the plan approved")):
                _run(policies_file, decision, what, env)


def _run(policies_file: Path, decision: str, what: str, env: Mapping[str, str]) -> None:
    command = [
        sys.executable,
        "-m",
        "local.workflow",
        "--policies",
        str(policies_file),
        "--policy",
        "nightly-builds",
        "--as-of",
        RUN_TIME.isoformat(),
        "--shard-packages",
        "4",
        decision,
    ]
    shown = " ".join(["python", *command[1:]]).replace(str(policies_file), "policies.json")
    print(f"\n   $ {shown}    # {what}")
    done = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True, check=False)
    for line in done.stderr.splitlines():
        if line.startswith("event "):
            kind, _, detail = line.removeprefix("event ").partition(": ")
            print(f"   event {kind}: {_brief(json.loads(detail))}")
    if not done.stdout.strip():
        print(f"   failed (exit {done.returncode}): {done.stderr[-2000:]}")
        return
    report = json.loads(done.stdout.strip().splitlines()[-1])
    totals = report["totals"]
    print(
        f"   exit {done.returncode}: {report['status']}, {report['shards']} shards, planDigest {report['planDigest']}, "
        f"{totals['dispose']} of {totals['versions']} versions to dispose, outcomes {report['outcomes']}"
    )
    if report["aborted"]:
        print(f"   aborted: {report['abortedReason']}")


def _brief(detail: dict[str, Any]) -> str:
    totals = detail.get("totals") or {}
    parts = [
        f"policy {detail.get('policy')}",
        f"dispose {totals.get('dispose')}",
        f"planDigest {detail.get('planDigest')}",
    ]
    if detail.get("outcomes"):
        parts.append(f"outcomes {detail['outcomes']}")
    return ", ".join(parts)
