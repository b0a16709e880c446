"""What the workflow benchmark runs against, as the stack deploys it: the stand-ins for AWS (the emulator for
CodeArtifact, moto for the rest) and the steps function's environment variables."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import boto3

from bench.retention_bench import LOCAL_AWS
from bench.workflow_figures import child_pid, child_pids
from disposer.retention.policy import RetentionPolicy
from disposer.settings import (
    ENV_APPLY_CONCURRENCY,
    ENV_CONCURRENT_INVOCATIONS,
    ENV_PLAN_CONCURRENCY,
    SWITCH_ENABLED,
)
from local.launcher import emulator_process, moto_process
from local.tables import create_ledger_table

SWITCH_PARAMETER = "/bench/disposals"
LEDGER_TABLE = "bench-ledger"
# moto with a Query that reads one partition, as DynamoDB's does (bench/moto_server.py).
MOTO = "bench.moto_server"


@dataclass(frozen=True)
class StandIns:
    """The endpoints of one benchmark's stand-ins."""

    codeartifact: str
    moto: str
    ledger: str


def map_concurrency(definition: Mapping[str, Any]) -> dict[str, int]:
    """Each Map state's MaxConcurrency, by name."""
    return {name: int(s.get("MaxConcurrency", 0)) for name, s in definition["States"].items() if s["Type"] == "Map"}


def deployment(stand_ins: StandIns, policy: RetentionPolicy, quota_share: float) -> dict[str, str]:
    """The environment the stack gives the function, with the endpoints pointing at the stand-ins."""
    return {
        **LOCAL_AWS,
        "AWS_ENDPOINT_URL_CODEARTIFACT": stand_ins.codeartifact,
        "AWS_ENDPOINT_URL": stand_ins.moto,
        "AWS_ENDPOINT_URL_DYNAMODB": stand_ins.ledger,
        "DISPOSER_LEDGER_TABLE": LEDGER_TABLE,
        "DISPOSER_DOMAIN": policy.domain,
        "DISPOSER_DOMAIN_OWNER": policy.domain_owner or "",
        "DISPOSER_REPOSITORIES": policy.repository or "*",
        "DISPOSER_QUOTA_SHARE": str(quota_share),
        "DISPOSER_MEASURE_BYTES": "false",
        "DISPOSER_SWITCH_PARAMETER": SWITCH_PARAMETER,
        "POWERTOOLS_TRACE_DISABLED": "true",
    }


def function_variables(definition: Mapping[str, Any]) -> dict[str, str]:
    """What only the function's own configuration sets: its share of the quotas, as the stack splits it."""
    root = Path(__file__).resolve().parent.parent
    concurrency = map_concurrency(definition)
    return {
        "PYTHONPATH": os.pathsep.join((str(root / "lambda"), str(root))),
        # The steps plan up to PlanShards' concurrency at once, then apply up to ApplyParts', never both: each
        # invocation of a Map paces itself to its part of the share, any other to the smallest part.
        ENV_CONCURRENT_INVOCATIONS: str(max(concurrency.values())),
        ENV_PLAN_CONCURRENCY: str(concurrency["PlanShards"]),
        ENV_APPLY_CONCURRENCY: str(concurrency["ApplyParts"]),
    }


def processes() -> dict[str, int | None]:
    """The processes whose CPU the benchmark samples: the stand-ins, and this one (the local Step Functions)."""
    moto, ledger = (child_pids(MOTO) + [None, None])[:2]
    return {"emulator": child_pid("local.emulator"), "moto": moto, "ledger": ledger, "interpreter": os.getpid()}


def memory_mb() -> int:
    """The steps function's memory."""
    from infra.constants import LAMBDA_MEMORY_MB  # noqa: PLC0415 - CDK is loaded only when it is needed

    return LAMBDA_MEMORY_MB


@contextmanager
def stand_ins(seed: Path, latency_ms: float, policy: RetentionPolicy, quota_share: float) -> Iterator[StandIns]:
    """The emulator seeded from `seed` (its latency and CodeArtifact's quotas on), moto, and the ledger in a moto
    of its own (a run reads and writes it for every package it plans); this process's environment the
    deployment's while the block runs."""
    with (
        emulator_process(seed, extra_args=["--latency-ms", str(latency_ms), "--aws-quotas"]) as codeartifact,
        moto_process(module=MOTO) as moto,
        moto_process(module=MOTO) as ledger,
    ):
        endpoints = StandIns(codeartifact, moto, ledger)
        with mock.patch.dict(os.environ, deployment(endpoints, policy, quota_share)):
            boto3.client("ssm", endpoint_url=moto).put_parameter(
                Name=SWITCH_PARAMETER, Value=SWITCH_ENABLED, Type="String", Overwrite=True
            )
            create_ledger_table(boto3.client("dynamodb", endpoint_url=ledger), LEDGER_TABLE)
            yield endpoints
