"""Scale benchmark (`make bench`): one retention policy over 100,000+ versions, against a naive baseline.

Two identical emulators, each a subprocess with 10 ms added per call and CodeArtifact's account quotas
enforced (ThrottlingException above them), seeded from one temporary file: 1,003 packages (1,000 of
100 versions, three of 2,000 to 5,000) in two repositories the policy covers, and 10 small ones in a
repository it does not, 110,700 versions in all (bench.retention_bench's seed, shape and plan).

- Ours: the real handler, `disposer.handler.lambda_handler(run_event(policy), LambdaContext())` with
  the policy in apply mode, in a fresh process (so its peak RSS is the run's alone), configured
  only through the deployment's environment variables; its log records go to a null sink.
- The baseline (bench.naive): list every version, describe every version, dispose, with the same
  number of threads, on the second emulator.
- The floor: the fewest calls that find and dispose the plan (retention_bench's per-package floor:
  bisection's worst case for describes), and the quota floor, those calls at the configured share of
  the quotas. A run disposes once every package is listed (early start: the listings bound the plan
  within maxDisposalsPerRun), so its floor is max(reads / 800, ListPackageVersions / 200 + disposals
  / 100) seconds over the share; `quota_floor_sequential_seconds` is the floor when the whole plan
  comes first (max(ListPackageVersions / 200, reads / 800) + disposals / 100).

After each run the emulator's faults are lifted and its final state read back: every version newly
Disposed must be in the run's plan. Prints one JSON line (docs/benchmarks.md explains each figure).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from unittest import mock

from bench.cpu_share import CpuLimit, cpu_limit, lambda_vcpus
from bench.naive import NaiveResult, run_naive
from bench.retention_bench import (
    LIST_PAGE,
    LOCAL_AWS,
    NOW,
    OPERATIONS,
    POLICY,
    Expected,
    PackageKey,
    SeedPackage,
    SeedShape,
    VersionKey,
    build_packages,
    expected_plan,
    final_statuses,
    seed_document,
)
from disposer.model.packages import PackageRef
from disposer.retention.patterns import is_glob
from disposer.retention.policy import RetentionPolicy
from disposer.settings import DEFAULT_THREADS
from local.emulator.faults import AWS_QUOTAS, AWS_READ_TPS, AWS_WRITE_TPS, is_read
from local.launcher import emulator_process

ROOT = Path(__file__).resolve().parent.parent
# 500 packages of 100 versions per repository, plus retention_bench's three big ones and 10 outside.
SHAPE = SeedShape(packages_per_repository=500)
LATENCY_MS = 10.0
# The deployment's defaults (DISPOSER_THREADS: docs/benchmarks.md has the values tried), given the whole
# of each quota: the bench is the only user of the emulator's "account", and the baseline paces nothing.
THREADS = DEFAULT_THREADS
QUOTA_SHARE = 1.0
# The baseline runs whole at this size (about 3 minutes); 0.2 would run a random fifth and extrapolate.
BASELINE_SAMPLE = 1.0
SAMPLE_SEED = 7
RUN_TIMEOUT_SECONDS = 900
CPU_SAMPLE_SECONDS = 0.25

TARGETS = {
    "calls_over_floor": 1.1,  # at most
    "speedup_calls": 10.0,  # at least
    "speedup_wall": 6.0,  # at least
    "wall_over_quota_floor": 1.3,  # at most
    "peak_rss_mb": 200.0,  # below
}


@dataclass(frozen=True)
class ScaleConfig:
    """One benchmark run's size and settings; the integration test runs a tiny one."""

    shape: SeedShape = SHAPE
    latency_ms: float = LATENCY_MS
    threads: int = THREADS
    quota_share: float = QUOTA_SHARE
    baseline: bool = True
    baseline_sample: float = BASELINE_SAMPLE
    # The naive baseline's threads (None: the same as ours).
    baseline_threads: int | None = None
    policy: RetentionPolicy = POLICY
    targets: Mapping[str, float] = field(default_factory=lambda: dict(TARGETS))
    # Run ours with the CPU Lambda gives the deployed memory (bench/cpu_share.py), where a cgroup allows.
    lambda_cpu: bool = True


# ---------------------------------------------------------------------------------------------------
# Floors


def floor_calls(
    packages: Sequence[SeedPackage], expected: Mapping[PackageKey, Expected], policy: RetentionPolicy
) -> Counter[str]:
    """The fewest calls per operation that find and dispose the plan, from retention_bench's per-package floor."""
    repositories = Counter(p.repository for p in packages)
    return Counter(
        {
            "ListRepositoriesInDomain": 1 if policy.repository is None or is_glob(policy.repository) else 0,
            # A list call is made even when there is nothing to list.
            "ListPackages": sum(max(1, -(-count // LIST_PAGE)) for count in repositories.values()),
            "ListPackageVersions": sum(e.list_floor for e in expected.values()),
            "DescribePackageVersion": sum(e.describe_floor for e in expected.values()),
            "DisposePackageVersions": sum(e.dispose_floor for e in expected.values()),
        }
    )


def quota_seconds(calls: Mapping[str, int], share: float) -> tuple[float, float]:
    """(planning, disposing) seconds for `calls` at `share` of the account quotas the emulator enforces."""
    reads = sum(n for op, n in calls.items() if is_read(op))
    writes = sum(n for op, n in calls.items() if not is_read(op))
    per_operation = max((n / AWS_QUOTAS[op] for op, n in calls.items() if op in AWS_QUOTAS), default=0.0)
    return max(per_operation, reads / AWS_READ_TPS) / share, writes / AWS_WRITE_TPS / share


def early_start_seconds(calls: Mapping[str, int], share: float) -> float:
    """The quota floor of a run that disposes from the moment every package is listed."""
    planning, disposing = quota_seconds(calls, share)
    listing = calls.get("ListPackageVersions", 0) / AWS_QUOTAS["ListPackageVersions"] / share
    return max(planning, listing + disposing)


# ---------------------------------------------------------------------------------------------------
# Our run: the real handler in its own process


class _AuditTap(logging.Filter):
    """Writes each audit record's version and outcome to a file, then lets the record through."""

    def __init__(self, sink: TextIO) -> None:
        super().__init__()
        self._sink = sink
        self._lock = threading.Lock()
        self.first_at: float | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "audit", False):
            fields = ("repository", "format", "namespace", "package", "version", "outcome", "error_code")
            line = "\t".join(str(getattr(record, name, None) or "") for name in fields)
            with self._lock:
                if self.first_at is None:
                    self.first_at = time.time()
                self._sink.write(line + "\n")
        return True


def _run_in_process(policy: dict[str, Any], out: Path) -> None:
    """Run `policy` once through the handler as Lambda would; write figures to `out`, audit to `out`.audit."""
    from disposer.handler import lambda_handler
    from disposer.observability import logger
    from local.events import LambdaContext, process_clock, run_event

    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    with open(os.devnull, "w") as null, out.with_suffix(".audit").open("w") as audit:
        # One record per disposed version would flood stdout; they are formatted as in Lambda, then dropped.
        handler.stream = null
        tap = _AuditTap(audit)
        handler.addFilter(tap)
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        started_at, started = time.time(), time.perf_counter()
        # The seeded domain is dated from NOW: the run replays a schedule of then (the process's clock too).
        with process_clock(NOW):
            body = lambda_handler(run_event(policy, time=NOW), LambdaContext())
        wall = time.perf_counter() - started
        usage = resource.getrusage(resource.RUSAGE_SELF)
    figures = {
        "wall_seconds": wall,
        "started_at": started_at,
        "first_outcome_at": tap.first_at,
        "peak_rss_mb": _peak_rss_mb(usage),
        "cpu_seconds": usage.ru_utime + usage.ru_stime - cpu.ru_utime - cpu.ru_stime,
        **{key: body[key] for key in ("calls", "throttles", "outcomes", "totals", "errors", "durationSeconds")},
    }
    out.write_text(json.dumps(figures))


def _peak_rss_mb(usage: resource.struct_rusage) -> float:
    """This process's own peak resident memory.

    Linux carries ru_maxrss across fork and exec (it keeps the parent's high-water mark), so a child
    started from a large parent would report the parent's peak; VmHWM belongs to this process's memory.
    """
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return usage.ru_maxrss / 1024  # kilobytes on Linux
    (line,) = [line for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(line.split()[1]) / 1024


def run_worker(
    module: str, arguments: Sequence[str], environment: Mapping[str, str], limit: CpuLimit
) -> dict[str, Any]:
    """`python -m <module> --run OUT <arguments>` in a process of its own, held to `limit`'s CPU, with the deployment's
    `environment`: the figures it wrote to OUT (RuntimeError with its stderr's end if it failed)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run.json"
        done = subprocess.run(
            limit.wrap([sys.executable, "-m", module, "--run", str(out), *arguments]),
            cwd=ROOT,
            env=dict(environment),
            stdout=subprocess.DEVNULL,  # the function's EMF lines
            stderr=subprocess.PIPE,
            text=True,
            timeout=RUN_TIMEOUT_SECONDS,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"the run failed ({done.returncode}): {done.stderr[-3000:]}")
        figures: dict[str, Any] = json.loads(out.read_text())
    return figures


def _run_environment(url: str, config: ScaleConfig) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DISPOSER_", "POWERTOOLS_"))}
    environment.update(LOCAL_AWS)
    environment.update(
        {
            "PYTHONPATH": os.pathsep.join((str(ROOT / "lambda"), str(ROOT))),
            "AWS_ENDPOINT_URL_CODEARTIFACT": url,
            "DISPOSER_MEASURE_BYTES": "false",
            "DISPOSER_QUOTA_SHARE": str(config.quota_share),
            "DISPOSER_THREADS": str(config.threads),
            "DISPOSER_CONCURRENT_INVOCATIONS": "1",
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
    )
    return environment


# ---------------------------------------------------------------------------------------------------
# Emulator helpers and CPU sampling (diagnostics: which process was busy in which phase)


def _control(url: str, path: str, document: dict[str, Any] | None = None) -> dict[str, Any]:
    data = None if document is None else json.dumps(document).encode()
    request = urllib.request.Request(f"{url}/_emulator/{path}", data=data, method="GET" if data is None else "POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


def _lift_faults(url: str) -> None:
    """No latency, no quotas: the checks that follow a run are not part of it."""
    _control(url, "faults", {"latencyMs": 0, "quotas": None, "readTps": None, "writeTps": None})


def _cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds of a live process (Linux /proc), or None."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _emulator_pid() -> int | None:
    """The pid of this process's `python -m local.emulator` child (emulator_process yields only its URL)."""
    me = str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[1] != me:
                continue
            if b"local.emulator" in (stat.parent / "cmdline").read_bytes():
                return int(stat.parent.name)
        except (OSError, IndexError):
            continue
    return None


class _CpuSampler:
    """Samples processes' CPU seconds every CPU_SAMPLE_SECONDS, so a phase's CPU use can be read back."""

    def __init__(self, pids: Mapping[str, int | None]) -> None:
        self._pids = dict(pids)
        self.samples: list[tuple[float, dict[str, float | None]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        self.samples.append((time.time(), {name: _cpu_seconds(pid) for name, pid in self._pids.items()}))

    def _run(self) -> None:
        while not self._stop.wait(CPU_SAMPLE_SECONDS):
            self._sample()

    def __enter__(self) -> _CpuSampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def cores(self, name: str, start: float, end: float) -> float | None:
        """Mean cores `name` kept busy between two time.time() readings (1.0 = one core all along)."""
        inside = [(at, cpu[name]) for at, cpu in self.samples if start <= at <= end and cpu[name] is not None]
        if len(inside) < 2 or inside[-1][0] <= inside[0][0]:
            return None
        (first_at, first), (last_at, last) = inside[0], inside[-1]
        assert first is not None and last is not None
        return round((last - first) / (last_at - first_at), 2)


# ---------------------------------------------------------------------------------------------------
# The two runs


@dataclass(frozen=True)
class OurRun:
    figures: dict[str, Any]  # what the run's process wrote
    process_seconds: float  # the run's process from launch to exit: interpreter, imports, handler
    planned: set[VersionKey]  # the plan's disposals, from the audit records (one per planned version)
    final: dict[VersionKey, str]
    emulator_stats: dict[str, Any]
    plan_cores: dict[str, float | None]
    apply_cores: dict[str, float | None]
    # The CPU it had: Lambda's share of the deployed memory, or the whole machine (and why).
    cpu: dict[str, object]


def _lambda_vcpus(config: ScaleConfig) -> float | None:
    if not config.lambda_cpu:
        return None
    from infra.constants import LAMBDA_MEMORY_MB  # noqa: PLC0415 - CDK is loaded only when it is needed

    return lambda_vcpus(LAMBDA_MEMORY_MB)


def _run_ours(config: ScaleConfig, seed_path: Path, packages: list[SeedPackage]) -> OurRun:
    policy = config.policy.model_dump(mode="json", by_alias=True, exclude_none=True)
    vcpus = _lambda_vcpus(config)
    with (
        emulator_process(seed_path, extra_args=_emulator_args(config)) as url,
        tempfile.TemporaryDirectory() as tmp,
        contextlib.nullcontext(None) if vcpus is None else cpu_limit(vcpus) as limit,
    ):
        out = Path(tmp) / "run.json"
        command = [sys.executable, "-m", "bench.scale_bench", "--run", str(out), "--policy", json.dumps(policy)]
        if limit is not None:
            command = limit.wrap(command)
        _control(url, "reset-stats", {})
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=_run_environment(url, config),
            stdout=subprocess.DEVNULL,  # the function's EMF lines
            stderr=subprocess.PIPE,
            text=True,
        )
        launched = time.perf_counter()
        with _CpuSampler({"run": process.pid, "emulator": _emulator_pid()}) as sampler:
            try:
                _, errors = process.communicate(timeout=RUN_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
                raise
        process_seconds = time.perf_counter() - launched
        if process.returncode != 0:
            raise RuntimeError(f"the run's process failed ({process.returncode}): {errors[-3000:]}")
        figures: dict[str, Any] = json.loads(out.read_text())
        planned = set()
        for line in out.with_suffix(".audit").read_text().splitlines():
            repository, fmt, namespace, package, version, _outcome, _code = line.split("\t")
            planned.add((repository, fmt, namespace or None, package, version))
        stats = _control(url, "stats")
        _lift_faults(url)
        final = final_statuses(url, packages)
    started, ended = figures["started_at"], figures["started_at"] + figures["wall_seconds"]
    boundary = figures["first_outcome_at"] or ended
    return OurRun(
        figures=figures,
        process_seconds=process_seconds,
        planned=planned,
        final=final,
        emulator_stats=stats,
        plan_cores={name: sampler.cores(name, started, boundary) for name in ("run", "emulator")},
        apply_cores={name: sampler.cores(name, boundary, ended) for name in ("run", "emulator")},
        cpu=limit.figures() if limit is not None else {"lambda_vcpus": None, "cpu_limited": False},
    )


@dataclass(frozen=True)
class BaselineRun:
    result: NaiveResult
    final: dict[VersionKey, str]
    emulator_stats: dict[str, Any]
    emulator_cores: float | None


def _run_baseline(config: ScaleConfig, seed_path: Path, packages: list[SeedPackage]) -> BaselineRun:
    rng = random.Random(SAMPLE_SEED)

    def sample(refs: list[PackageRef]) -> list[PackageRef]:
        if config.baseline_sample >= 1:
            return refs
        return rng.sample(refs, max(1, round(len(refs) * config.baseline_sample)))

    with emulator_process(seed_path, extra_args=_emulator_args(config)) as url:
        _control(url, "reset-stats", {})
        with _CpuSampler({"emulator": _emulator_pid()}) as sampler:
            started = time.time()
            threads = config.baseline_threads or config.threads
            result = run_naive(url, config.policy, NOW, threads=threads, select=sample)
        stats = _control(url, "stats")
        _lift_faults(url)
        final = final_statuses(url, packages)
    return BaselineRun(result, final, stats, sampler.cores("emulator", started, started + result.wall_seconds))


def _emulator_args(config: ScaleConfig) -> list[str]:
    return ["--latency-ms", str(config.latency_ms), "--aws-quotas"]


# ---------------------------------------------------------------------------------------------------
# Figures


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 3) if denominator else None


def _newly_disposed(final: Mapping[VersionKey, str], seeded: Mapping[VersionKey, str]) -> set[VersionKey]:
    return {key for key, status in final.items() if status == "Disposed" and seeded[key] != "Disposed"}


def _baseline_figures(
    run: BaselineRun, seeded: Mapping[VersionKey, str], expected: set[VersionKey], versions_in_scope: int
) -> dict[str, Any]:
    result = run.result
    # A sample is extrapolated linearly in versions (packages differ in size): per-package calls and
    # the time after the listing scale with the versions read. A whole run has a scale of exactly 1.
    whole = result.packages == result.packages_in_scope
    scale = 1.0 if whole or not result.versions else versions_in_scope / result.versions
    per_package = ("ListPackageVersions", "DescribePackageVersion", "DisposePackageVersions")
    calls = {op: round(n * scale) if op in per_package else n for op, n in sorted(result.calls.items())}
    wall = result.listing_seconds + (result.wall_seconds - result.listing_seconds) * scale
    disposed = _newly_disposed(run.final, seeded)
    plan_floor, apply_floor = quota_seconds(calls, 1.0)
    figures: dict[str, Any] = {
        "wall_seconds": round(wall, 3),
        # Its reads and writes overlap (it disposes package by package), at the whole of each quota.
        "quota_floor_seconds": round(max(plan_floor, apply_floor), 3),
        "calls": {**calls, "total": sum(calls.values())},
        "throttles": round(result.throttles * scale),
        "emulator_throttles": sum(run.emulator_stats["throttles"].values()),
        "packages": result.packages,
        "disposed": len(disposed),
        "disposed_outside_plan": len(disposed - expected),
        "failed_versions": dict(result.failed_versions),
        "packages_given_up": dict(result.package_errors),
        "cpu_cores": {"client": _ratio(result.cpu_seconds, result.wall_seconds), "emulator": run.emulator_cores},
    }
    if not whole:
        figures["measured"] = {
            "wall_seconds": round(result.wall_seconds, 3),
            "versions": result.versions,
            "calls": dict(sorted(result.calls.items())),
        }
    return figures


def _targets(summary: Mapping[str, Any], targets: Mapping[str, float]) -> dict[str, bool | None]:
    def at_most(value: float | None, limit: float) -> bool | None:
        return None if value is None else value <= limit

    def at_least(value: float | None, limit: float) -> bool | None:
        return None if value is None else value >= limit

    speedup = summary.get("speedup") or {}
    return {
        f"calls_over_floor<={targets['calls_over_floor']:g}": at_most(
            summary["calls_over_floor"]["total"], targets["calls_over_floor"]
        ),
        f"speedup_calls>={targets['speedup_calls']:g}": at_least(speedup.get("calls"), targets["speedup_calls"]),
        f"speedup_wall>={targets['speedup_wall']:g}": at_least(speedup.get("wall"), targets["speedup_wall"]),
        f"wall_over_quota_floor<={targets['wall_over_quota_floor']:g}": at_most(
            summary["wall_over_quota_floor"], targets["wall_over_quota_floor"]
        ),
        f"peak_rss_mb<{targets['peak_rss_mb']:g}": summary["peak_rss_mb"] < targets["peak_rss_mb"],
        "throttle_failures==0": summary["throttle_failures"] == 0,
        "disposed_outside_plan==0": summary["disposed_outside_plan"] == 0,
    }


def measure(config: ScaleConfig = ScaleConfig()) -> dict[str, Any]:
    """Seed, run ours then the baseline, each on a fresh emulator; return the figures (one JSON object)."""
    bench_started = time.perf_counter()
    packages = build_packages(config.shape)
    in_scope = [p for p in packages if config.policy.matches_repository(p.repository)]
    expected = {p.coordinates: expected_plan(p, config.policy, NOW) for p in in_scope}
    expected_disposals = {(*key, v.version) for key, e in expected.items() for v in e.disposals}
    seeded = {p.key(v.version): v.status for p in packages for v in p.versions}
    floor = floor_calls(in_scope, expected, config.policy)
    plan_floor, apply_floor = quota_seconds(floor, config.quota_share)
    quota_floor = early_start_seconds(floor, config.quota_share)
    with tempfile.TemporaryDirectory() as folder, mock.patch.dict(os.environ, LOCAL_AWS):
        seed_path = Path(folder) / "seed.json"
        seed_path.write_text(json.dumps(seed_document(packages)))
        ours = _run_ours(config, seed_path, packages)
        baseline = _run_baseline(config, seed_path, packages) if config.baseline else None

    figures = ours.figures
    calls = Counter({op: int(n) for op, n in figures["calls"].items()})
    wall = figures["wall_seconds"]
    outcomes: dict[str, int] = figures["outcomes"]
    disposed = _newly_disposed(ours.final, seeded)
    plan_seconds = (figures["first_outcome_at"] or figures["started_at"] + wall) - figures["started_at"]
    summary: dict[str, Any] = {
        "benchmark": "scale",
        "versions": len(seeded),
        "versions_in_scope": figures["totals"]["versions"],
        "packages": len(in_scope),
        "disposed": outcomes.get("disposed", 0),
        "calls": dict(sorted(calls.items())),
        "floor": {op: floor[op] for op in OPERATIONS},
        "calls_over_floor": {
            "total": _ratio(calls.total(), floor.total()),
            **{op: _ratio(calls[op], floor[op]) for op in OPERATIONS},
        },
        "wall_seconds": round(wall, 3),
        "versions_per_second": round(figures["totals"]["versions"] / wall),
        "throttles": figures["throttles"],
        "emulator_throttles": sum(ours.emulator_stats["throttles"].values()),
        "throttle_failures": outcomes.get("ThrottlingException", 0),
        "failed": {code: n for code, n in outcomes.items() if code != "disposed"},
        "discovery_errors": dict(Counter(e["errorCode"] for e in figures["errors"])),
        "peak_rss_mb": round(figures["peak_rss_mb"], 1),
        "quota_floor_seconds": round(quota_floor, 3),
        "wall_over_quota_floor": _ratio(wall, quota_floor),
        "quota_floor_sequential_seconds": round(plan_floor + apply_floor, 3),
        "phases": {
            "plan": {
                "seconds": round(plan_seconds, 3),
                "quota_floor_seconds": round(plan_floor, 3),
                "cpu_cores": ours.plan_cores,
            },
            "apply": {
                "seconds": round(wall - plan_seconds, 3),
                "quota_floor_seconds": round(apply_floor, 3),
                "cpu_cores": ours.apply_cores,
            },
            "run_cpu_seconds": round(figures["cpu_seconds"], 2),
            # Interpreter start and imports (a cold start) and exit, outside wall_seconds.
            "run_process_seconds": round(ours.process_seconds, 3),
        },
        "plan_matches_expected": ours.planned == expected_disposals,
        "disposed_outside_plan": len(disposed - ours.planned),
        "planned_not_disposed": len(ours.planned - disposed),
        "threads": config.threads,
        "quota_share": config.quota_share,
        "latency_ms": config.latency_ms,
        "cpus": os.cpu_count(),
        **ours.cpu,
    }
    if baseline is not None:
        base = _baseline_figures(baseline, seeded, expected_disposals, figures["totals"]["versions"])
        summary["baseline"] = base
        if config.baseline_sample < 1:
            summary["baseline_sampled"] = config.baseline_sample
        summary["speedup"] = {
            "calls": _ratio(base["calls"]["total"], calls.total()),
            "wall": _ratio(base["wall_seconds"], wall),
        }
    summary["targets"] = _targets(summary, config.targets)
    summary["bench_seconds"] = round(time.perf_counter() - bench_started, 1)
    return summary


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=THREADS, help=f"DISPOSER_THREADS (default {THREADS})")
    parser.add_argument("--quota-share", type=float, default=QUOTA_SHARE, help="DISPOSER_QUOTA_SHARE")
    parser.add_argument("--latency-ms", type=float, default=LATENCY_MS, help="emulator latency per call")
    parser.add_argument("--packages-per-repository", type=int, default=SHAPE.packages_per_repository, help="seed size")
    parser.add_argument("--baseline-sample", type=float, default=BASELINE_SAMPLE, help="fraction of packages")
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive baseline")
    parser.add_argument(
        "--whole-machine", action="store_true", help="give ours every core, not Lambda's share of the deployed memory"
    )
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--policy", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run is not None:
        _run_in_process(json.loads(args.policy), args.run)
        return
    config = ScaleConfig(
        shape=SeedShape(packages_per_repository=args.packages_per_repository),
        latency_ms=args.latency_ms,
        threads=args.threads,
        quota_share=args.quota_share,
        baseline=not args.no_baseline,
        baseline_sample=args.baseline_sample,
        lambda_cpu=not args.whole_machine,
    )
    print(json.dumps(measure(config)), flush=True)


if __name__ == "__main__":
    main()
