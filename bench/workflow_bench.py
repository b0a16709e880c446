"""Workflow benchmark (`make bench`): scheduled runs of a policy over a million versions, as the run workflow
runs them in AWS: planned in shards by a Distributed Map, merged, applied in parts, reported.

- The domain (bench.workflow_seed): 20,000 packages of 50 versions in four repositories the policy covers
  and a few in one it does not, written to the seed file as a stream. The policy disposes about a tenth
  of the versions, within its maxDisposalsPerRun of 100,000.
- CodeArtifact: the emulator as a subprocess, 10 ms added to every call and CodeArtifact's account quotas
  enforced (ThrottlingException above them), as bench.scale_bench runs it. moto in server mode stands in
  for S3 (the reports bucket), DynamoDB (the ledger), SSM (the kill switch) and EventBridge.
- The state machine: the definition the stack synthesizes (local.workflow), run by the local Step
  Functions (local/asl) at the deployment's defaults: quota share, shard size, each Map's concurrency.
- The steps function: every invocation in a warm Lambda environment of its own (bench.lambda_pool), with
  the environment variables the stack gives the function, so each one paces itself to its own share of
  the quotas; each invocation's duration, CPU and peak memory are measured there.

The first run replays the schedule of 23 hours ago (nothing remembered yet); `next_day`, the same policy
runs again now, a day later, with the publish times the first one remembered in the ledger (a steady
run). The quota floor is the fewest calls that find and dispose the first run's plan (bench.scale_bench's
floor) at the configured share of the quotas. A workflow run applies nothing before its whole plan is
merged (the cap and the other guards judge the whole plan), so its floor is planning + disposing; the
early-start floor of a run in one invocation is given beside it. After the runs the emulator's faults
are lifted and every version's status read back: every version newly Disposed must be in a run's plan.
Prints one JSON line (docs/benchmarks.md explains each figure).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.lambda_pool import LambdaPool
from bench.retention_bench import OPERATIONS, POLICY, VersionKey
from bench.scale_bench import LATENCY_MS, _control, _CpuSampler, _lift_faults
from bench.workflow_figures import (
    call_profile,
    final_statuses,
    lambda_figures,
    phase_cores,
    planned_disposals,
    quota_floors,
    state_times,
    step_functions,
)
from bench.workflow_seed import SeedFacts, WorkflowShape, write_seed
from bench.workflow_stack import function_variables, map_concurrency, memory_mb, processes, stand_ins
from disposer.reports import layout
from disposer.retention.policy import RetentionPolicy
from disposer.settings import DEFAULT_QUOTA_SHARE
from local.workflow import runner
from local.workflow.definition import STEPS_FUNCTION

TARGETS = {"wall_over_quota_floor": 1.3, "peak_rss_mb": 300.0}
PHASES = ("Start", "Inventory", "PlanShards", "Merge", "ApplyParts", "Report")
# The first run replays the schedule of this long ago, the second runs now: a day later, as the next
# scheduled run would (an event may be up to 24 hours old).
DAY_BEFORE = timedelta(hours=23)


@dataclass(frozen=True)
class WorkflowConfig:
    """One benchmark run's size and settings; the integration test runs a small one."""

    shape: WorkflowShape = WorkflowShape()
    latency_ms: float = LATENCY_MS
    quota_share: float = DEFAULT_QUOTA_SHARE
    # Packages per plan shard; None: the deployment's default.
    shard_packages: int | None = None
    policy: RetentionPolicy = POLICY
    # Run the policy again a day after the first run, with what it remembered (a steady run).
    next_day: bool = True
    targets: Mapping[str, float] = field(default_factory=lambda: dict(TARGETS))


@dataclass
class _Run:
    """What one run left behind, read before the stand-ins stop."""

    report: dict[str, Any]
    status: str
    wall: float
    figures: dict[str, Any]
    planned: set[VersionKey]
    emulator_stats: dict[str, Any]

    @property
    def calls(self) -> Counter[str]:
        return Counter({op: int(n) for op, n in (self.report.get("calls") or {}).items()})


def _one_run(flow: runner.LocalWorkflow, pool: LambdaPool, url: str, policy: str, at: datetime) -> _Run:
    definition = flow.service.state_machine(flow.machine_arn)[0].definition
    first = len(pool.invocations)
    _control(url, "reset-stats", {})
    with _CpuSampler(processes()) as sampler:
        started = time.perf_counter()
        result = flow.run(policy, event=runner.run_event(policy, at))
        wall = time.perf_counter() - started
    stats = _control(url, "stats")
    report = result.report or {}
    run_id = str(report.get("runId"))
    lines = (line for n in range(result.shards) for line in flow.store.lines(layout.plan_lines_key(run_id, n)))
    planned = planned_disposals(lines)
    invocations = pool.invocations[first:]
    times = state_times(result.execution, PHASES)
    figures = {
        "shards": result.shards,
        "parts": len(flow.store.get_json(layout.parts_key(run_id)) or []),
        "state_seconds": {name: round(end - start, 2) for name, (start, end) in times.items()},
        "cpu_cores": phase_cores(sampler, times, invocations),
        "aws_calls": call_profile(invocations),
        "map_concurrency": map_concurrency(definition),
        "step_functions": step_functions(result.execution, definition),
        "lambda": lambda_figures(invocations, pool.memory_mb) | {"environments": pool.environments},
        "error": result.execution.error,
        "cause": (result.execution.cause or "")[:500] or None,
    }
    return _Run(report, result.execution.status.value, wall, figures, planned, stats)


def _run(config: WorkflowConfig, seed: Path, policies: Path, facts: SeedFacts, at: datetime) -> list[_Run]:
    """The first run at `at`, then (next_day) another now; the emulator's statuses after them in facts.final."""
    with stand_ins(seed, config.latency_ms, config.policy, config.quota_share) as endpoints:
        pool = LambdaPool(memory_mb())
        functions = {STEPS_FUNCTION: pool.invoke}
        try:
            with runner.local_workflow(policies, shard_packages=config.shard_packages, functions=functions) as flow:
                # The definition as the stack synthesizes it: each Map's concurrency sets the function's pacing.
                pool.configure(function_variables(flow.service.state_machine(flow.machine_arn)[0].definition))
                runs = [_one_run(flow, pool, endpoints.codeartifact, config.policy.name, at)]
                if config.next_day:
                    now = datetime.now(UTC).replace(microsecond=0)
                    runs.append(_one_run(flow, pool, endpoints.codeartifact, config.policy.name, now))
        except BaseException:
            print(pool.stderr()[-5000:], file=sys.stderr)
            raise
        finally:
            pool.close()
        _lift_faults(endpoints.codeartifact)
        facts.final = final_statuses(endpoints.codeartifact, facts.packages)
    return runs


def _run_summary(run: _Run, facts: SeedFacts) -> dict[str, Any]:
    """One run's figures: its calls (all and per package), its outcomes and what it cost."""
    calls, outcomes = run.calls, run.report.get("outcomes") or {}
    return {
        "status": run.status,
        "wall_seconds": round(run.wall, 1),
        "planned_disposals": len(run.planned),
        "disposed": outcomes.get("disposed", 0),
        "failed": {code: n for code, n in outcomes.items() if code != "disposed"},
        "calls": dict(sorted(calls.items())),
        "calls_per_package": {op: round(n / facts.packages_in_scope, 3) for op, n in sorted(calls.items())},
        # Retries would show here: the run counts a call once, the emulator every attempt.
        "emulator_agrees": +Counter(run.emulator_stats["calls"]) == +calls,
        "throttles": run.report.get("throttles"),
        "emulator_throttles": sum(run.emulator_stats["throttles"].values()),
        **run.figures,
    }


def _summary(config: WorkflowConfig, facts: SeedFacts, runs: list[_Run]) -> dict[str, Any]:
    first = runs[0]
    floors = quota_floors(facts.floor, first.calls, config.quota_share)
    newly = {key for key, status in facts.final.items() if status == "Disposed" and key not in facts.seeded_disposed}
    planned = set().union(*(run.planned for run in runs))
    summary: dict[str, Any] = {
        "benchmark": "workflow",
        "versions": facts.versions,
        "packages": facts.packages_in_scope,
        "versions_in_scope": facts.versions_in_scope,
        **floors,
        "wall_over_quota_floor": round(first.wall / floors["quota_floor_seconds"], 3),
        "wall_over_calls_made": round(first.wall / floors["quota_seconds_of_calls_made"], 3),
        "floor": {op: facts.floor[op] for op in OPERATIONS},
        **_run_summary(first, facts),
        "peak_rss_mb": max(run.figures["lambda"]["peak_rss_mb"] for run in runs),
        "plan_matches_expected": first.planned == facts.expected,
        # Every version newly Disposed, after both runs, against what their plans disposed.
        "disposed_outside_plan": len(newly - planned),
        "planned_not_disposed": len(planned - newly),
        "quota_share": config.quota_share,
        "latency_ms": config.latency_ms,
        "cpus": os.cpu_count(),
    }
    if len(runs) > 1:
        summary["next_day"] = _run_summary(runs[1], facts)
    return summary


def _targets(summary: Mapping[str, Any], targets: Mapping[str, float]) -> dict[str, bool]:
    runs = [summary, summary.get("next_day") or summary]
    return {
        f"wall_over_quota_floor<={targets['wall_over_quota_floor']:g}": summary["wall_over_quota_floor"]
        <= targets["wall_over_quota_floor"],
        f"peak_rss_mb<{targets['peak_rss_mb']:g}": summary["peak_rss_mb"] < targets["peak_rss_mb"],
        "disposed_outside_plan==0": summary["disposed_outside_plan"] == 0,
        "succeeded": all(run["status"] == "SUCCEEDED" and not run["failed"] for run in runs),
    }


def measure(config: WorkflowConfig = WorkflowConfig()) -> dict[str, Any]:
    """Seed, run the policy through the workflow (twice, a day apart), check; return the figures (one JSON object)."""
    bench_started = time.perf_counter()
    # Every process reads the real clock, as in AWS: the domain is dated from the first run's time.
    now = datetime.now(UTC).replace(microsecond=0)
    at = now - DAY_BEFORE if config.next_day else now
    with tempfile.TemporaryDirectory() as folder:
        seed, policies = Path(folder) / "seed.json", Path(folder) / "policies.json"
        facts = write_seed(seed, config.shape, config.policy, at)
        document = config.policy.model_dump(mode="json", by_alias=True, exclude_none=True)
        policies.write_text(json.dumps({"policies": [document]}))
        runs = _run(config, seed, policies, facts, at)
    summary = _summary(config, facts, runs)
    summary["targets"] = _targets(summary, config.targets)
    summary["bench_seconds"] = round(time.perf_counter() - bench_started, 1)
    return summary


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.workflow_bench", description=__doc__.splitlines()[0])
    shape = WorkflowShape()
    parser.add_argument("--packages", type=int, default=shape.packages, help="packages the policy covers")
    parser.add_argument("--versions", type=int, default=shape.versions, help="versions per package")
    parser.add_argument("--shard-packages", type=int, help="packages per plan shard (default: the deployment's)")
    parser.add_argument("--quota-share", type=float, default=DEFAULT_QUOTA_SHARE, help="DISPOSER_QUOTA_SHARE")
    parser.add_argument("--latency-ms", type=float, default=LATENCY_MS, help="emulator latency per call")
    parser.add_argument("--first-run-only", action="store_true", help="no second run a day later")
    args = parser.parse_args(argv)
    config = WorkflowConfig(
        shape=WorkflowShape(packages=args.packages, versions=args.versions),
        latency_ms=args.latency_ms,
        quota_share=args.quota_share,
        shard_packages=args.shard_packages,
        next_day=not args.first_run_only,
    )
    print(json.dumps(measure(config)), flush=True)


if __name__ == "__main__":
    main()
