"""Figures of a workflow run: Step Functions state transitions and their cost, Lambda invocations and their
GB-seconds, the time each state took, and the check that every version disposed was planned."""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from bench.lambda_pool import Invocation
from bench.retention_bench import DOMAIN, LIST_PAGE, PackageKey, VersionKey
from bench.scale_bench import _CpuSampler, early_start_seconds, quota_seconds
from local.asl import Execution

# us-east-1 list prices: Step Functions Standard per state transition; Express per request and per GB-second
# (billed in 64 MB steps, 64 MB at least); Lambda on arm64 per GB-second and per request.
STANDARD_TRANSITION_USD = 0.025 / 1000
EXPRESS_REQUEST_USD = 1.0 / 1_000_000
EXPRESS_GB_SECOND_USD = 0.00001667
EXPRESS_MEMORY_GB = 64 / 1024
LAMBDA_GB_SECOND_USD = 0.0000133334
LAMBDA_REQUEST_USD = 0.20 / 1_000_000


def _transitions(execution: Execution) -> int:
    """States entered, and each retry of a task (AWS bills both as state transitions)."""
    kinds = Counter(event.type for event in execution.history)
    entered = sum(n for kind, n in kinds.items() if kind.endswith("StateEntered"))
    return entered + max(0, kinds["TaskScheduled"] - kinds["TaskStateEntered"])


def _execution_types(definition: Mapping[str, Any]) -> dict[str, str]:
    """Each Distributed Map state's children's type (STANDARD or EXPRESS), by the state's label or name."""
    types = {}
    for name, state in definition["States"].items():
        config = (state.get("ItemProcessor") or {}).get("ProcessorConfig") or {}
        if config.get("Mode") == "DISTRIBUTED":
            types[state.get("Label", name)] = config.get("ExecutionType", "STANDARD")
    return types


def step_functions(execution: Execution, definition: Mapping[str, Any]) -> dict[str, Any]:
    """State transitions of the execution and of its Map runs' children, and what AWS would charge for them."""
    types = _execution_types(definition)
    counts: dict[str, int] = {"execution": _transitions(execution)}
    standard, express_requests, express_seconds = counts["execution"], 0, 0.0
    for map_run in execution.map_runs:
        label = map_run.arn.rsplit(":", 1)[0].rsplit("/", 1)[1]
        children = list(map_run.executions)
        transitions = sum(_transitions(child) for child in children)
        counts[f"{label} children"] = counts.get(f"{label} children", 0) + transitions
        if types.get(label) == "EXPRESS":
            express_requests += len(children)
            express_seconds += sum(
                (child.stop_date - child.start_date).total_seconds() for child in children if child.stop_date
            )
        else:
            standard += transitions
    total = sum(counts.values())
    express_usd = express_requests * EXPRESS_REQUEST_USD + express_seconds * EXPRESS_MEMORY_GB * EXPRESS_GB_SECOND_USD
    return {
        "state_transitions": {**counts, "total": total},
        "cost_usd_all_at_standard": round(total * STANDARD_TRANSITION_USD, 4),
        # The Express children (PlanShards) are billed per request and duration, not per transition.
        "cost_usd_as_billed": round(standard * STANDARD_TRANSITION_USD + express_usd, 4),
    }


def lambda_figures(invocations: Sequence[Invocation], memory_mb: int) -> dict[str, Any]:
    """Invocations per step, their peak memory, CPU and duration, and the function's GB-seconds and cost."""
    by_step: dict[str, list[Invocation]] = defaultdict(list)
    for invocation in invocations:
        by_step[invocation.step].append(invocation)
    # Lambda bills each invocation's duration rounded up to the millisecond.
    gb_seconds = sum(-(-invocation.seconds // 0.001) * 0.001 for invocation in invocations) * memory_mb / 1024
    steps = {
        step: {
            "invocations": len(found),
            "cold": sum(1 for i in found if i.cold),
            "seconds_max": round(max(i.seconds for i in found), 2),
            "seconds_total": round(sum(i.seconds for i in found), 1),
            "cpu_seconds_total": round(sum(i.cpu_seconds for i in found), 1),
            # CPU over wall: a figure above 1 would need more than the one vCPU the deployed memory gets.
            "cpu_share_max": round(max(i.cpu_seconds / i.seconds for i in found if i.seconds > 0), 2),
            "peak_rss_mb_max": round(max(i.peak_rss_mb for i in found), 1),
            "errors": dict(Counter(i.error for i in found if i.error)),
        }
        for step, found in by_step.items()
    }
    return {
        "invocations": len(invocations),
        "peak_rss_mb": round(max((i.peak_rss_mb for i in invocations), default=0.0), 1),
        "seconds_max": round(max((i.seconds for i in invocations), default=0.0), 2),
        "gb_seconds": round(gb_seconds, 1),
        "cost_usd": round(gb_seconds * LAMBDA_GB_SECOND_USD + len(invocations) * LAMBDA_REQUEST_USD, 4),
        "memory_mb": memory_mb,
        "steps": steps,
    }


def state_times(execution: Execution, names: Iterable[str]) -> dict[str, tuple[float, float]]:
    """When each named state of the execution was entered and left (time.time(); the last time, if several)."""
    entered: dict[str, float] = {}
    times: dict[str, tuple[float, float]] = {}
    for event in execution.history:
        name = event.state_name
        if name is None or name not in names:
            continue
        if event.type.endswith("StateEntered"):
            entered[name] = event.timestamp.timestamp()
        elif event.type.endswith("StateExited") and name in entered:
            times[name] = (entered[name], event.timestamp.timestamp())
    return times


def call_profile(invocations: Sequence[Invocation]) -> dict[str, dict[str, Any]]:
    """By step, then by service: the AWS calls the invocations made and their mean duration in milliseconds."""
    totals: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0, 0.0]))
    for invocation in invocations:
        for service, (count, seconds) in invocation.calls.items():
            entry = totals[invocation.step][service]
            entry[0] += count
            entry[1] += seconds
    return {
        step: {service: {"calls": int(n), "ms_mean": round(1000 * s / n, 1)} for service, (n, s) in found.items() if n}
        for step, found in totals.items()
    }


def final_statuses(url: str, packages: Sequence[PackageKey], threads: int = 8) -> dict[VersionKey, str]:
    """Every version's status as the emulator reports it now, read with a plain boto3 client."""
    client = boto3.client("codeartifact", endpoint_url=url, config=Config(retries={"total_max_attempts": 1}))

    def one(package: PackageKey) -> list[tuple[VersionKey, str]]:
        repository, fmt, namespace, name = package
        coordinates: dict[str, Any] = {"domain": DOMAIN, "repository": repository, "format": fmt, "package": name}
        if namespace is not None:
            coordinates["namespace"] = namespace
        found: list[tuple[VersionKey, str]] = []
        for page in client.get_paginator("list_package_versions").paginate(
            **coordinates, PaginationConfig={"PageSize": LIST_PAGE}
        ):
            found += [((*package, v["version"]), v["status"]) for v in page["versions"]]
        return found

    statuses: dict[VersionKey, str] = {}
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for found in pool.map(one, packages):
            statuses.update(found)
    return statuses


def planned_disposals(lines: Iterable[Mapping[str, Any]]) -> set[VersionKey]:
    """The versions a plan's JSON Lines dispose."""
    return {
        (line["repository"], line["format"], line["namespace"], line["package"], line["version"])
        for line in lines
        if line["action"] == "dispose"
    }


def child_pids(marker: str) -> list[int]:
    """This process's children whose command line holds `marker`, oldest first (the launchers yield only URLs)."""
    me, found = str(os.getpid()), []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[1] == me and marker.encode() in (stat.parent / "cmdline").read_bytes():
                found.append((int(fields[19]), int(stat.parent.name)))
        except (OSError, IndexError, ValueError):
            continue
    return [pid for _, pid in sorted(found)]


def child_pid(marker: str) -> int | None:
    """The oldest such child, or None."""
    return next(iter(child_pids(marker)), None)


def phase_cores(
    sampler: _CpuSampler, times: Mapping[str, tuple[float, float]], invocations: Sequence[Invocation]
) -> dict[str, dict[str, float | None]]:
    """The CPU cores each process kept busy while the two Maps ran (1.0 = one core all along), the functions'
    from their invocations' own CPU time."""
    steps = {"PlanShards": "plan_shard", "ApplyParts": "apply_part"}
    cores: dict[str, dict[str, float | None]] = {}
    for phase, step in steps.items():
        if phase not in times:
            continue
        start, end = times[phase]
        functions = sum(i.cpu_seconds for i in invocations if i.step == step)
        cores[phase] = {name: sampler.cores(name, start, end) for name in ("emulator", "moto", "ledger", "interpreter")}
        cores[phase]["functions"] = round(functions / (end - start), 2) if end > start else None
    return cores


def quota_floors(floor: Mapping[str, int], calls: Mapping[str, int], share: float) -> dict[str, Any]:
    """The floor's calls, and the calls made, at `share` of the quotas (bench.scale_bench's arithmetic)."""
    plan_floor, apply_floor = quota_seconds(floor, share)
    made_plan, made_apply = quota_seconds(calls, share)
    return {
        "quota_floor_seconds": round(plan_floor + apply_floor, 1),
        "quota_floor_plan_seconds": round(plan_floor, 1),
        "quota_floor_apply_seconds": round(apply_floor, 1),
        # A run in one invocation could dispose from the moment every package is listed (scale_bench's floor).
        "quota_floor_early_start_seconds": round(early_start_seconds(floor, share), 1),
        # The calls this run made, at the share: how close the pacing came to the quotas it was given.
        "quota_seconds_of_calls_made": round(made_plan + made_apply, 1),
    }
