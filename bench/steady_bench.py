"""Steady-run benchmark (`make bench`): a daily run that has seen every version before, at the deployed defaults.

The small benchmark's domain (100 packages of 120 versions, a build about every two days) in an emulator
(10 ms a call, CodeArtifact's quotas), the ledger table and the kill switch's parameter in moto, and the
real handler in a process of its own per run, with the deployment's environment and the CPU Lambda gives
the deployed memory (bench/cpu_share.py). The policy ("older than 90 days", apply) runs once to dispose
the plan and remember what it described; then, on the domain it left, the same run again at the same
clock, in turns:

- `ledger`: the deployed defaults (ledger and kill switch on): every age it needs is remembered;
- `no_ledger`: the same run without a ledger table: it describes what it needs afresh;
- `naive`: the naive baseline (bench.naive), 32 threads wide, as in the small benchmark;
- `next_day`: last, the deployed defaults a day later, as a daily schedule runs: each cutoff has moved
  by a day, so a package whose versions crossed it describes the few around it no run has seen, and
  writes its times back.

Each of ours counts its CodeArtifact calls and the DynamoDB requests its process sent (botocore's
`before-send`, so a retried request counts again). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import boto3

from bench import scale_bench, small_bench
from bench.cpu_share import CpuLimit, cpu_limit, lambda_vcpus
from bench.naive import run_naive
from bench.retention_bench import LOCAL_AWS, NOW, build_packages, seed_document
from bench.scale_bench import _emulator_args, _run_environment, run_worker
from local.launcher import emulator_process, moto_process
from local.tables import create_ledger_table

# At most one DynamoDB request per 10 packages on a run that remembers every age it needs.
TARGETS = {"dynamodb_requests_per_package": 0.1}
TURNS = 3


@dataclass(frozen=True)
class _Services:
    """The emulator's and moto's URLs, and the deployment's ledger table and switch parameter in moto."""

    codeartifact: str
    moto: str
    ledger_table: str
    switch_parameter: str


def _run_counting(policy: dict[str, Any], out: Path, days_later: int) -> None:
    """scale_bench's worker, `days_later` days after the seed's clock, counting the DynamoDB requests this process
    sends."""
    from disposer import aws

    sent: Counter[str] = Counter()

    def count(**event: Any) -> None:
        # The operation is the request's X-Amz-Target header: DynamoDB_20120810.<Operation>.
        target = event["request"].headers.get("X-Amz-Target", b"")
        sent[(target.decode() if isinstance(target, bytes) else str(target)).rpartition(".")[2]] += 1

    aws._session().register("before-send.dynamodb", count)  # noqa: SLF001 - the process's one botocore session
    with mock.patch.object(scale_bench, "NOW", NOW + timedelta(days=days_later)):
        scale_bench._run_in_process(policy, out)  # noqa: SLF001 - the small and scale benchmarks' run
    figures = json.loads(out.read_text())
    figures["dynamodb"] = dict(sent)
    out.write_text(json.dumps(figures))


def _environment(services: _Services, *, ledger: bool) -> dict[str, str]:
    environment = _run_environment(services.codeartifact, small_bench.config())
    environment.update(
        {
            "AWS_ENDPOINT_URL_DYNAMODB": services.moto,
            "AWS_ENDPOINT_URL_SSM": services.moto,
            "DISPOSER_SWITCH_PARAMETER": services.switch_parameter,
        }
    )
    if ledger:
        environment["DISPOSER_LEDGER_TABLE"] = services.ledger_table
    return environment


def _run(services: _Services, limit: CpuLimit, *, ledger: bool, days_later: int = 0) -> dict[str, Any]:
    policy = small_bench.POLICY.model_dump(mode="json", by_alias=True, exclude_none=True)
    arguments = ["--policy", json.dumps(policy), "--days-later", str(days_later)]
    figures = run_worker("bench.steady_bench", arguments, _environment(services, ledger=ledger), limit)
    calls: dict[str, int] = figures["calls"]
    dynamodb: dict[str, int] = figures["dynamodb"]
    packages = figures["totals"]["packages"]
    return {
        "wall_seconds": round(figures["wall_seconds"], 3),
        "cpu_seconds": round(figures["cpu_seconds"], 2),
        "calls": {**calls, "total": sum(calls.values())},
        "dynamodb_requests": {**dynamodb, "total": sum(dynamodb.values())},
        "dynamodb_requests_per_package": round(sum(dynamodb.values()) / max(1, packages), 3),
        "disposed": figures["outcomes"].get("disposed", 0),
        "packages": packages,
    }


@contextlib.contextmanager
def _services(seed: Path) -> Iterator[_Services]:
    emulator_args = _emulator_args(small_bench.config())
    with emulator_process(seed, extra_args=emulator_args) as emulator, moto_process() as moto:
        session = boto3.session.Session(
            region_name=LOCAL_AWS["AWS_DEFAULT_REGION"],
            aws_access_key_id=LOCAL_AWS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=LOCAL_AWS["AWS_SECRET_ACCESS_KEY"],
        )
        table = create_ledger_table(session.client("dynamodb", endpoint_url=moto), "bench-ledger")
        parameter = f"/bench-{uuid.uuid4().hex[:8]}/disposals"
        session.client("ssm", endpoint_url=moto).put_parameter(Name=parameter, Value="enabled", Type="String")
        yield _Services(emulator, moto, table, parameter)


def _median(runs: Sequence[dict[str, Any]], key: str) -> float:
    return round(float(statistics.median(run[key] for run in runs)), 3)


def measure(turns: int = TURNS, *, baseline: bool = True, whole_machine: bool = False) -> dict[str, Any]:
    """The first run, then `turns` steady runs with and without the ledger in turn, then the naive baseline."""
    from infra.constants import LAMBDA_MEMORY_MB  # noqa: PLC0415 - CDK is loaded only when it is needed

    vcpus = lambda_vcpus(LAMBDA_MEMORY_MB)
    with (
        tempfile.TemporaryDirectory() as scratch,
        contextlib.nullcontext(CpuLimit(vcpus, None, "--whole-machine"))
        if whole_machine
        else cpu_limit(vcpus) as limit,
    ):
        seed = Path(scratch) / "seed.json"
        seed.write_text(json.dumps(seed_document(build_packages(small_bench.SHAPE))))
        with _services(seed) as services:
            first = _run(services, limit, ledger=True)
            ledger, no_ledger = [], []
            for _ in range(turns):
                ledger.append(_run(services, limit, ledger=True))
                no_ledger.append(_run(services, limit, ledger=False))
            naive = None
            if baseline:
                with mock.patch.dict(os.environ, LOCAL_AWS):
                    threads = small_bench.BASELINE_THREADS
                    naive = run_naive(services.codeartifact, small_bench.POLICY, NOW, threads=threads)
            next_day = _run(services, limit, ledger=True, days_later=1)
    steady = ledger[0]
    per_package = max(run["dynamodb_requests_per_package"] for run in ledger)
    figures: dict[str, Any] = {
        "benchmark": "steady",
        "packages": steady["packages"],
        "versions_per_package": small_bench.SHAPE.versions_per_package,
        "first": first,
        "ledger": ledger,
        "no_ledger": no_ledger,
        "next_day": next_day,
        "wall_seconds": {"ledger": _median(ledger, "wall_seconds"), "no_ledger": _median(no_ledger, "wall_seconds")},
        **limit.figures(),
    }
    if naive is not None:
        figures["naive"] = {
            "wall_seconds": round(naive.wall_seconds, 3),
            "calls": {**dict(sorted(naive.calls.items())), "total": naive.calls.total()},
            "threads": small_bench.BASELINE_THREADS,
        }
        figures["wall_seconds"]["naive"] = round(naive.wall_seconds, 3)
    figures["targets"] = {
        f"dynamodb_requests_per_package<={TARGETS['dynamodb_requests_per_package']}": per_package
        <= TARGETS["dynamodb_requests_per_package"],
        "steady_disposes_nothing": all(run["disposed"] == 0 for run in ledger + no_ledger),
    }
    return figures


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.steady_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=TURNS, help=f"steady runs of each kind (default {TURNS})")
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive baseline")
    parser.add_argument("--whole-machine", action="store_true", help="give ours every core")
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--policy", help=argparse.SUPPRESS)
    parser.add_argument("--days-later", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run is not None:
        _run_counting(json.loads(args.policy), args.run, args.days_later)
        return
    print(json.dumps(measure(args.turns, baseline=not args.no_baseline, whole_machine=args.whole_machine)), flush=True)


if __name__ == "__main__":
    main()
