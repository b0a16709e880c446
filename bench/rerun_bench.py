"""Re-run benchmark (`make bench`): what a scheduled run costs when it has run before and remembers.

The small benchmark's domain (100 packages of 120 versions, a build about every two days) in an emulator
(10 ms a call, CodeArtifact's quotas), a ledger table in moto, and the real handler in this process with
the deployment's environment. The policy ("older than 90 days", apply) runs three times:

- `first`: nothing remembered; it disposes the plan and remembers every publish time it described;
- `unchanged`: again at the same clock: nothing to dispose, and every age it needs is remembered;
- `next_day`: again a day later: each cutoff has moved by a day, so packages whose versions crossed it
  describe the few versions around the new cutoff that no run has seen.

Prints one JSON line: the calls of each run, describes per package, and the targets.
"""

import contextlib
import io
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import boto3

from bench import small_bench
from bench.retention_bench import LOCAL_AWS, NOW, build_packages, seed_document
from bench.scale_bench import _emulator_args
from local.launcher import emulator_process, moto_process
from local.tables import create_ledger_table

TARGETS = {"describes_per_package": 0.1, "fewer_calls_than_first": 5.0}


@contextmanager
def _environment(emulator: str, moto: str) -> Iterator[None]:
    config = small_bench.config()
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=moto,
        region_name=LOCAL_AWS["AWS_DEFAULT_REGION"],
        aws_access_key_id=LOCAL_AWS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=LOCAL_AWS["AWS_SECRET_ACCESS_KEY"],
    )
    table = create_ledger_table(dynamodb, "bench-ledger")
    values = {
        **LOCAL_AWS,
        "AWS_ENDPOINT_URL_CODEARTIFACT": emulator,
        "AWS_ENDPOINT_URL_DYNAMODB": moto,
        "DISPOSER_LEDGER_TABLE": table,
        "DISPOSER_THREADS": str(config.threads),
        "DISPOSER_QUOTA_SHARE": str(config.quota_share),
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    with mock.patch.dict(os.environ, values):
        yield


def _run(days_later: int) -> dict[str, Any]:
    from disposer.handler import lambda_handler
    from local.events import LambdaContext, process_clock, run_event

    policy = small_bench.POLICY.model_dump(mode="json", by_alias=True, exclude_none=True)
    when = NOW + timedelta(days=days_later)
    with process_clock(when):
        body: dict[str, Any] = lambda_handler(run_event(policy, time=when), LambdaContext())
    calls = dict(body["calls"])
    return {
        "calls": calls,
        "total_calls": sum(calls.values()),
        "disposed": body["outcomes"].get("disposed", 0),
        "describes_per_package": round(calls.get("DescribePackageVersion", 0) / body["totals"]["packages"], 3),
        "seconds": body["durationSeconds"],
    }


def measure() -> dict[str, Any]:
    from disposer.observability import logger

    shape = small_bench.SHAPE
    with tempfile.TemporaryDirectory() as scratch:
        seed = Path(scratch) / "seed.json"
        seed.write_text(json.dumps(seed_document(build_packages(shape))))
        with (
            emulator_process(seed, extra_args=_emulator_args(small_bench.config())) as emulator,
            moto_process() as moto,
            _environment(emulator, moto),
        ):
            previous = logger.log_level
            logger.setLevel(logging.WARNING)  # no audit records on stdout
            try:
                # Nor the runs' metric lines: this line of figures is the bench's only output.
                with contextlib.redirect_stdout(io.StringIO()):
                    runs = {"first": _run(0), "unchanged": _run(0), "next_day": _run(1)}
            finally:
                logger.setLevel(previous)
    first, unchanged = runs["first"], runs["unchanged"]
    fewer = round(first["total_calls"] / max(1, unchanged["total_calls"]), 2)
    return {
        "benchmark": "rerun",
        "packages": shape.packages_per_repository * len(shape.repositories),
        "versions_per_package": shape.versions_per_package,
        **runs,
        "unchanged_fewer_calls_than_first": fewer,
        "targets": {
            f"unchanged_describes_per_package<={TARGETS['describes_per_package']}": unchanged["describes_per_package"]
            <= TARGETS["describes_per_package"],
            f"unchanged_fewer_calls>={TARGETS['fewer_calls_than_first']:g}": fewer >= TARGETS["fewer_calls_than_first"],
        },
    }


def main() -> None:
    print(json.dumps(measure()))


if __name__ == "__main__":
    main()
