"""The same plan, the same digest and the same disposals whatever the sharding, and the same as the run function
running the policy in one invocation."""

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disposer.handler import lambda_handler
from local.events import LambdaContext, process_clock
from local.launcher import emulator_process
from local.workflow.runner import LocalWorkflow, run_event
from tests.integration.workflow.conftest import RUN_TIME, domain_seed

Statuses = Callable[[], dict[tuple[str, str, str], str]]


def _disposed(before: dict[tuple[str, str, str], str], after: dict[tuple[str, str, str], str]) -> set[Any]:
    return {key for key, status in after.items() if status == "Disposed" and before[key] != "Disposed"}


@pytest.mark.parametrize("shard_packages", [1, 7, 1000])
def test_a_sharded_run_disposes_exactly_what_one_invocation_would(
    workflow: LocalWorkflow, statuses: Statuses, policies_file: Path, shard_packages: int
):
    # GIVEN what the run function plans for the policy in one invocation (plan mode: nothing written)
    with process_clock(RUN_TIME):
        inline = lambda_handler(run_event("preview", RUN_TIME), LambdaContext())
    before = statuses()
    # WHEN the workflow applies the same policy cut into shards of `shard_packages` packages
    result = workflow.run("prune", as_of=RUN_TIME, shard_packages=shard_packages)
    # THEN it finished, in as many shards as the cut makes
    assert result.execution.status.value == "SUCCEEDED", result.execution.cause
    report = result.report
    assert report is not None
    assert result.shards == -(-inline["totals"]["packages"] // shard_packages)
    # AND its plan is the one-invocation plan: same digest, same totals, every disposal made
    assert report["planDigest"] == inline["planDigest"]
    assert report["totals"] == inline["totals"]
    disposed = _disposed(before, statuses())
    planned = {("releases", i["package"], i["version"]) for i in inline["items"] if i["action"] == "dispose"}
    assert disposed == planned
    assert report["outcomes"] == {"disposed": len(planned)}


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), packages=st.integers(1, 30), shard_packages=st.integers(1, 12))
def test_the_digest_never_depends_on_the_sharding(
    workflow: LocalWorkflow,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    seed: int,
    packages: int,
    shard_packages: int,
):
    # GIVEN a random domain on an emulator of its own
    path = tmp_path / f"seed-{seed}-{packages}.json"
    path.write_text(json.dumps(domain_seed(packages, 15, seed=seed)))
    with emulator_process(path) as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL_CODEARTIFACT", url)
        # WHEN the policy is planned in one invocation and by the workflow in shards of `shard_packages`
        with process_clock(RUN_TIME):
            inline = lambda_handler(run_event("preview", RUN_TIME), LambdaContext())
        result = workflow.run("preview", as_of=RUN_TIME, shard_packages=shard_packages)
    # THEN both plans write the same versions, pinned the same way, and count the same
    assert result.report is not None
    assert result.report["planDigest"] == inline["planDigest"]
    assert result.report["totals"] == inline["totals"]


def _with_dependencies(document: dict[str, Any], seed: int) -> dict[str, Any]:
    """Each version of a released package depends on another package of the repository: a pin or a range."""
    rng = random.Random(seed)
    (domain,) = document["domains"]
    packages = domain["repositories"][0]["packages"]
    for package in packages:
        for version in package["versions"]:
            target = rng.choice(packages)
            wanted = rng.choice([v["version"] for v in target["versions"]])
            requirement = rng.choice([wanted, f"^{wanted}", f"~{wanted}", ">=1.0.0 <1.3.0"])
            version["dependencies"] = [
                {
                    "namespace": "acme",
                    "package": target["name"],
                    "dependencyType": "regular",
                    "versionRequirement": requirement,
                }
            ]
    return document


@pytest.mark.parametrize("shard_packages", [1, 5])
def test_a_dependency_policy_plans_the_same_whatever_the_sharding(
    workflow: LocalWorkflow, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shard_packages: int
):
    # GIVEN a domain whose packages depend on each other, on an emulator of its own
    path = tmp_path / "dependent.json"
    path.write_text(json.dumps(_with_dependencies(domain_seed(23, 12, seed=11), seed=11)))
    with emulator_process(path) as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL_CODEARTIFACT", url)
        # WHEN a policy with keep.dependencies is planned in one invocation, and by the workflow in small shards
        with process_clock(RUN_TIME):
            inline = lambda_handler(run_event("needed", RUN_TIME), LambdaContext())
        result = workflow.run("needed", as_of=RUN_TIME, shard_packages=shard_packages)
    # THEN a repository is never split, so every dependency is known where its target is planned: same plan
    assert inline["totals"]["rules"].get("keep:dependency", 0) > 0
    assert result.report is not None
    assert result.shards == 1
    assert result.report["planDigest"] == inline["planDigest"]
    assert result.report["totals"] == inline["totals"]
