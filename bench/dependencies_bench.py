"""keep.dependencies benchmark (`make bench`): what a run pays to learn every version's dependencies, the first time
and once the ledger remembers them.

Two seeds of bench.dependency_seed (every version depends on 1 to 3 other packages of its repository, every
package npm): the small benchmark's domain (100 packages of 120 versions, a build about every two days) and the
scale benchmark's shape (1,003 packages, 110,700 versions with the statuses and ages of a long-lived domain).
Each is served by an emulator (10 ms a call, CodeArtifact's quotas), with moto (bench.moto_server) holding the
ledger; each run is the real handler in a process of its own, with the deployment's environment and the CPU
Lambda gives the deployed memory (bench/cpu_share.py), counting its CodeArtifact calls and the DynamoDB requests
it sends (bench.steady_bench's worker).

The small benchmark's policy ("older than 90 days", the default display version kept) runs with
`keep.dependencies: true` and without it, each variant with a ledger table of its own, twice at the same clock:

- `first`: nothing remembered: it describes what its ages need, and (with keep.dependencies) reads each
  Published or Unlisted version's dependencies, one ListPackageVersionDependencies a version;
- `steady`: the ledger remembers the publish times and dependencies the first run learnt.

In plan mode: the domain is then the same for every run of a seed, so all four plan the same versions and a
steady run differs from its first run only by what the ledger remembers. An apply would add the same
disposals to both variants (and leave the steady run a domain with fewer versions to read). Prints one JSON
line.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import boto3

from bench import scale_bench, small_bench, steady_bench
from bench.cpu_share import CpuLimit, cpu_limit, lambda_vcpus
from bench.dependency_seed import DependencySeed, build_seed
from bench.retention_bench import LOCAL_AWS, SeedShape
from bench.scale_bench import LATENCY_MS, ScaleConfig, run_worker
from local.launcher import emulator_process, moto_process
from local.tables import create_ledger_table

LIST_DEPENDENCIES = "ListPackageVersionDependencies"
KEEP_RULES = ("keep:dependency", "keep:dependency-unknown")
RUNS = ("first", "steady")
VARIANTS = {"with_dependencies": True, "without_dependencies": False}


@dataclass(frozen=True)
class BenchSeed:
    """One seed of the benchmark: its name in the figures, and its shape (bench.retention_bench)."""

    name: str
    shape: SeedShape


# The scale benchmark's shape with half its packages of 100 versions (its three big ones stay), the largest that keeps
# this benchmark under about 5 minutes on 2 cores: at full size (1,003 packages, 110,700 versions) the scale seed's
# four runs take 6 minutes alone (docs/benchmarks.md has its figures, from --packages-per-repository 500).
SCALE_PACKAGES_PER_REPOSITORY = 250
SEEDS = (
    BenchSeed("small", small_bench.SHAPE),
    BenchSeed("scale", replace(scale_bench.SHAPE, packages_per_repository=SCALE_PACKAGES_PER_REPOSITORY)),
)


@dataclass(frozen=True)
class _Services:
    """The emulator serving one seed; moto, with the kill switch's parameter; the CPU each run gets."""

    codeartifact: str
    moto: str
    switch_parameter: str
    limit: CpuLimit
    latency_ms: float

    def ledger_table(self) -> str:
        """A new, empty ledger table: each variant starts with nothing remembered."""
        return create_ledger_table(_client("dynamodb", self.moto), f"deps-{uuid.uuid4().hex[:8]}")


def _client(service: str, url: str) -> Any:
    session = boto3.session.Session(
        region_name=LOCAL_AWS["AWS_DEFAULT_REGION"],
        aws_access_key_id=LOCAL_AWS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=LOCAL_AWS["AWS_SECRET_ACCESS_KEY"],
    )
    return session.client(service, endpoint_url=url)  # type: ignore[call-overload]


def policy(dependencies: bool) -> dict[str, Any]:
    """The small benchmark's policy, in plan mode, with keep.dependencies or without it."""
    document = small_bench.POLICY.model_dump(mode="json", by_alias=True, exclude_none=True)
    document["keep"] = {**document.get("keep", {}), "dependencies": dependencies}
    return {**document, "name": "older-than-90-days-dependencies", "mode": "plan"}


def _environment(services: _Services, table: str) -> dict[str, str]:
    config = ScaleConfig(latency_ms=services.latency_ms)
    environment = scale_bench._run_environment(services.codeartifact, config)  # noqa: SLF001 - the run's environment
    environment.update(
        {
            "AWS_ENDPOINT_URL_DYNAMODB": services.moto,
            "AWS_ENDPOINT_URL_SSM": services.moto,
            "DISPOSER_SWITCH_PARAMETER": services.switch_parameter,
            "DISPOSER_LEDGER_TABLE": table,
        }
    )
    return environment


def _run(services: _Services, table: str, document: dict[str, Any]) -> dict[str, Any]:
    """One run of `document` in a process of its own, and its figures."""
    arguments = ["--policy", json.dumps(document)]
    figures = run_worker("bench.dependencies_bench", arguments, _environment(services, table), services.limit)
    calls: dict[str, int] = dict(sorted(figures["calls"].items()))
    dynamodb: dict[str, int] = dict(sorted(figures["dynamodb"].items()))
    totals = figures["totals"]
    return {
        "wall_seconds": round(figures["wall_seconds"], 3),
        "cpu_seconds": round(figures["cpu_seconds"], 2),
        "calls": {**calls, "total": sum(calls.values())},
        "dynamodb_requests": {**dynamodb, "total": sum(dynamodb.values())},
        "versions": totals["versions"],
        "planned_disposals": totals["dispose"],
        "kept_by_dependencies": {rule: totals["rules"].get(rule, 0) for rule in KEEP_RULES},
        "errors": len(figures["errors"]),
        "peak_rss_mb": round(figures["peak_rss_mb"], 1),
    }


@contextlib.contextmanager
def _services(seed: Path, limit: CpuLimit, latency_ms: float) -> Iterator[_Services]:
    emulator_args = scale_bench._emulator_args(ScaleConfig(latency_ms=latency_ms))  # noqa: SLF001 - the same emulator
    # bench.moto_server: moto's Query reads one partition, as DynamoDB's does (the times an earlier version stored).
    with (
        emulator_process(seed, extra_args=emulator_args, timeout=60) as emulator,
        moto_process(module="bench.moto_server") as moto,
    ):
        parameter = f"/bench-{uuid.uuid4().hex[:8]}/disposals"
        _client("ssm", moto).put_parameter(Name=parameter, Value="enabled", Type="String")
        yield _Services(emulator, moto, parameter, limit, latency_ms)


def _checks(seed: DependencySeed, repositories: Sequence[str], runs: dict[str, dict[str, Any]]) -> dict[str, bool]:
    """What the figures must show: the first run reads each depending version once, a steady run none, and what
    keep.dependencies kept is exactly what the run without it disposes more."""
    with_, without = runs["with_dependencies"], runs["without_dependencies"]
    kept = sum(with_["first"]["kept_by_dependencies"].values())
    disposes_more = without["first"]["planned_disposals"] - with_["first"]["planned_disposals"]
    return {
        "first_reads_each_depending_version_once": with_["first"]["calls"].get(LIST_DEPENDENCIES)
        == seed.depending_versions(repositories),
        "steady_reads_none": with_["steady"]["calls"].get(LIST_DEPENDENCIES, 0) == 0,
        "without_reads_none": all(run["calls"].get(LIST_DEPENDENCIES, 0) == 0 for run in without.values()),
        "steady_plans_as_first": all(
            variant["first"]["planned_disposals"] == variant["steady"]["planned_disposals"]
            and variant["first"]["kept_by_dependencies"] == variant["steady"]["kept_by_dependencies"]
            for variant in runs.values()
        ),
        "kept_is_what_without_disposes_more": disposes_more == kept,
        "no_errors": all(run["errors"] == 0 for variant in runs.values() for run in variant.values()),
    }


def _measure_seed(bench_seed: BenchSeed, limit: CpuLimit, latency_ms: float) -> dict[str, Any]:
    seed = build_seed(bench_seed.shape)
    covered = small_bench.POLICY.matches_repository
    repositories = sorted({p.repository for p in seed.packages if covered(p.repository)})
    runs: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "seed.json"
        path.write_text(json.dumps(seed.document()))
        with _services(path, limit, latency_ms) as services:
            for variant, dependencies in VARIANTS.items():
                table = services.ledger_table()
                runs[variant] = {run: _run(services, table, policy(dependencies)) for run in RUNS}
    in_scope = [p for p in seed.packages if p.repository in repositories]
    return {
        "seed": bench_seed.name,
        "packages": len(in_scope),
        "versions": sum(len(p.versions) for p in in_scope),
        "depending_versions": seed.depending_versions(repositories),
        "requirements": seed.requirements,
        **runs,
        "checks": _checks(seed, repositories, runs),
    }


def measure(
    seeds: Sequence[BenchSeed] = SEEDS, *, latency_ms: float = LATENCY_MS, whole_machine: bool = False
) -> dict[str, Any]:
    """Each seed's four runs (with and without keep.dependencies, first and steady); one JSON object."""
    from infra.constants import LAMBDA_MEMORY_MB  # noqa: PLC0415 - CDK is loaded only when it is needed

    vcpus = lambda_vcpus(LAMBDA_MEMORY_MB)
    with (
        contextlib.nullcontext(CpuLimit(vcpus, None, "--whole-machine")) if whole_machine else cpu_limit(vcpus) as limit
    ):
        figures = [_measure_seed(seed, limit, latency_ms) for seed in seeds]
    return {"benchmark": "dependencies", "latency_ms": latency_ms, "seeds": figures, **limit.figures()}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dependencies_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", choices=[seed.name for seed in SEEDS], action="append", help="one seed (repeatable)")
    parser.add_argument(
        "--packages-per-repository",
        type=int,
        default=SCALE_PACKAGES_PER_REPOSITORY,
        help=f"the scale seed's packages of 100 versions per repository (default {SCALE_PACKAGES_PER_REPOSITORY}; "
        f"the scale benchmark's: {scale_bench.SHAPE.packages_per_repository})",
    )
    parser.add_argument("--whole-machine", action="store_true", help="give the runs every core")
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--policy", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run is not None:
        steady_bench._run_counting(json.loads(args.policy), args.run, 0)  # noqa: SLF001 - its worker, at the seed's clock
        return
    scale = BenchSeed("scale", replace(scale_bench.SHAPE, packages_per_repository=args.packages_per_repository))
    seeds = [seed if seed.name != "scale" else scale for seed in SEEDS if args.seed is None or seed.name in args.seed]
    print(json.dumps(measure(seeds, whole_machine=args.whole_machine)), flush=True)


if __name__ == "__main__":
    main()
