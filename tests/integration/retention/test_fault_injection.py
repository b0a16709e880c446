"""Scheduled runs under injected faults, with versions changed between plan and apply: nothing outside the
logged plan is disposed, and every planned disposal's fate is reported.

About a fifth of the calls are throttled and one in twenty fails with a 500, each call waits a few
milliseconds, and between the plan and the apply someone archives one version, republishes another
(a new revision), deletes a third and unlists a fourth. Runs apply inline (the run function) and through the
run workflow (its parts applied after the changes); `make fuzz` repeats them with more random seeds.
"""

import hashlib
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from disposer.model.plans import PackagePlan
from disposer.runs.executors import InlineExecutor
from local.asl import FakeClock
from local.emulator import RunningEmulator
from local.workflow.definition import STEPS_FUNCTION
from local.workflow.runner import local_workflow, steps_function
from tests.integration.harness import control, run_scheduled
from tests.integration.seeds import RUN_TIME, ci_builds_seed
from tests.support import report_line

PACKAGES = [f"svc-{i:02d}" for i in range(6)]
VERSIONS = 15  # 1.0.0 (oldest, 140 days) .. 1.0.14 (newest, 0 days): ten days apart
# More seeds under `make fuzz` (FAULT_SEEDS="11 23 47 ..."): throttles' backoff makes each run take seconds.
SEEDS = [int(seed) for seed in os.environ.get("FAULT_SEEDS", "11").split()]
POLICY: dict[str, Any] = {
    "name": "prune-builds",
    "mode": "apply",
    "domain": "acme",
    "repository": "releases",
    "format": "generic",
    "namespace": "ci",
    "package": "svc-*",
    # Published and Unlisted only: a version archived since the plan no longer qualifies, and its disposal
    # is pinned to the status it had (with all three selected, a status change changes nothing).
    "select": {"olderThanDays": 60, "statuses": ["Published", "Unlisted"]},
    "keep": {"latest": 3},
}
# What someone does between the plan and the apply, and what the run must then report for it.
CHANGES = {
    "svc-00": ("archived", "MISMATCHED_STATUS"),
    "svc-01": ("republished", "MISMATCHED_REVISION"),
    "svc-02": ("deleted", "NOT_FOUND"),
    "svc-03": ("unlisted", "MISMATCHED_STATUS"),
}
CHANGED_VERSION = "1.0.0"


@pytest.fixture
def seed() -> dict[str, Any]:
    return ci_builds_seed(PACKAGES, VERSIONS, days_apart=10)


def _call(emulator: RunningEmulator, operation: str, package: str, **params: Any) -> Any:
    """A change made by someone else, straight into the emulator's state (no fault applies to it)."""
    coordinates = {"domain": "acme", "repository": "releases", "format": "generic", "namespace": "ci"}
    return emulator.store.call(operation, {**coordinates, "package": package, **params})


def _change(emulator: RunningEmulator, package: str) -> None:
    """What someone does to `package`'s CHANGED_VERSION after the run planned it (see CHANGES)."""
    if package == "svc-00":
        _call(emulator, "UpdatePackageVersionsStatus", package, versions=[CHANGED_VERSION], targetStatus="Archived")
    elif package == "svc-01":
        _call(emulator, "DeletePackageVersions", package, versions=[CHANGED_VERSION])
        body = b"rebuilt"
        _call(
            emulator,
            "PublishPackageVersion",
            package,
            packageVersion=CHANGED_VERSION,
            assetName="svc-01-1.0.0.bin",
            assetContent=body,
            assetSHA256=hashlib.sha256(body).hexdigest(),
        )
    elif package == "svc-02":
        _call(emulator, "DeletePackageVersions", package, versions=[CHANGED_VERSION])
    elif package == "svc-03":
        _call(emulator, "UpdatePackageVersionsStatus", package, versions=[CHANGED_VERSION], targetStatus="Unlisted")


def _change_between_plan_and_apply(emulator: RunningEmulator) -> None:
    for package in CHANGES:
        _change(emulator, package)


def _state(emulator: RunningEmulator) -> dict[tuple[str, str], tuple[str, str]]:
    """(package, version) -> (status, revision), for every version the emulator holds."""
    state = {}
    for package in PACKAGES:
        for summary in _call(emulator, "ListPackageVersions", package, maxResults=1000)["versions"]:
            state[(package, summary["version"])] = (summary["status"], summary["revision"])
    return state


def _planned(records: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """(package, version) -> revision of every disposal in the run's logged plan."""
    return {
        (record["package"], version): revision
        for record in records
        if record.get("message") == "plan"
        for version, revision, _, action, _ in record["decisions"]
        if action == "dispose"
    }


def _run_inline(context: Any, emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run function runs the policy; a package is disposed as soon as it is planned (early start), so each
    change lands between its package's plan and its disposal."""
    original = InlineExecutor.apply_package

    def change_then_apply(self: InlineExecutor, report: Any, package: PackagePlan, *args: Any) -> None:
        if package.ref.package in CHANGES:
            _change(emulator, package.ref.package)
        original(self, report, package, *args)

    monkeypatch.setattr(InlineExecutor, "apply_package", change_then_apply)
    run_scheduled(context, **POLICY)


def _run_workflow(emulator: RunningEmulator, moto_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The run workflow runs the deployed policy; the changes are made once its parts are staged, before any is
    applied. Step Functions' clock is a fake one: a part retried after throttles is retried at once."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    policies = tmp_path / "policies.json"
    policies.write_text(json.dumps({"policies": [POLICY]}))

    def steps(event: Any) -> Any:
        result = steps_function(event)
        if event.get("step") == "merge":
            _change_between_plan_and_apply(emulator)
        return result

    with local_workflow(policies, functions={STEPS_FUNCTION: steps}, clock=FakeClock()) as workflow:
        result = workflow.run(POLICY["name"], as_of=RUN_TIME)
    assert result.report is not None and result.report["mode"] == "apply", result.execution.cause


@pytest.mark.parametrize("seed_random", SEEDS)
@pytest.mark.parametrize("way", ["inline", "workflow"])
def test_faults_and_changes_never_dispose_outside_the_plan(
    lambda_context, emulator, moto_url, monkeypatch, tmp_path, printed, seed_random, way
):
    # GIVEN faults on every call, and enough attempts for a run to get through them
    monkeypatch.setenv("DISPOSER_MAX_ATTEMPTS", "5")
    control(emulator, "faults", {"throttleRate": 0.2, "errorRate": 0.05, "latencyMs": 2, "seedRandom": seed_random})
    before = _state(emulator)
    # WHEN the policy runs, and someone changes versions between its plan and its writes
    if way == "inline":
        _run_inline(lambda_context, emulator, monkeypatch)
    else:
        _run_workflow(emulator, moto_url, monkeypatch, tmp_path)
    records = printed()
    after = _state(emulator)
    planned = _planned(records)
    # THEN every version disposed now was in the logged plan, at the revision the plan saw
    newly_disposed = {
        key for key, (status, _) in after.items() if status == "Disposed" and before[key][0] != "Disposed"
    }
    assert newly_disposed <= set(planned)
    assert all(after[key][1] == planned[key] for key in newly_disposed)
    # AND no changed version was disposed: each is reported failed, with what changed
    (report,) = [r for r in records if r.get("message") == "run report"]
    failures = {
        (r["package"], r["version"]): r["error_code"]
        for r in records
        if r.get("message") == "version outcome" and r["outcome"] == "failed"
    }
    unread = {error["scope"] for error in report["errors"]}
    for package, (_, code) in CHANGES.items():
        assert (package, CHANGED_VERSION) not in newly_disposed
        if (package, CHANGED_VERSION) in planned:
            assert failures.get((package, CHANGED_VERSION)) == code, (package, failures)
        else:
            # A package the run could not read (CodeArtifact kept failing) is reported, and never planned.
            assert f"package releases/generic/ci/{package}" in unread
    # AND every planned disposal has its outcome in the report: disposed, or failed with its code
    assert sum(report["outcomes"].values()) == len(planned) == report["totals"]["dispose"]
    assert report["outcomes"].get("disposed", 0) == len(newly_disposed)
    stats = control(emulator, "stats")
    faults = Counter({"throttled": sum(stats["throttles"].values()), "5xx": sum(stats["injected"].values())})
    report_line(
        f"faults [{way}, seed {seed_random}]: {len(planned)} planned, "
        f"{len(newly_disposed)} disposed, 0 outside the plan; outcomes {report['outcomes']}; "
        f"{sum(stats['calls'].values())} calls, {faults['throttled']} throttled, {faults['5xx']} 5xx injected"
    )
