"""POST /dispose against the clock: 1,000 versions, 40 ms per call, sizes measured first, and API Gateway's 29 s.

The request goes through the real handler with API Gateway's event shape; the emulator runs as its own
process with `--latency-ms 40`. The budget starts when the request arrives (25 s), so the answer must
come before API Gateway's 29 s whatever the work left, and CodeArtifact must hold exactly what the
answer says once anything in flight has landed. Prints one JSON line.
"""

import contextlib
import io
import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

import boto3

from local.events import LambdaContext, api_gateway_event
from local.launcher import emulator_process

VERSIONS = 1000
LATENCY_MS = 40
API_GATEWAY_TIMEOUT_SECONDS = 29.0
PACKAGE = {"domain": "bench", "repository": "builds", "format": "generic", "namespace": "ci", "package": "nightly"}
LOCAL_AWS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "DISPOSER_MEASURE_BYTES": "true",
    # quotaShare 0.5 paced for three invocations at once (as every earlier run of this bench), so sizes are
    # read at about 33 a second and the budget, not the work, ends the request.
    "DISPOSER_QUOTA_SHARE": "0.5",
    "DISPOSER_CONCURRENT_INVOCATIONS": "3",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


def _seed() -> dict[str, Any]:
    versions = [{"version": f"1.0.{i}", "publishedTime": 1_700_000_000 + i} for i in range(VERSIONS)]
    package = {"format": "generic", "namespace": "ci", "name": "nightly", "versions": versions}
    return {"domains": [{"name": "bench", "repositories": [{"name": "builds", "packages": [package]}]}]}


def measure() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder, mock.patch.dict(os.environ, LOCAL_AWS):
        seed = Path(folder) / "seed.json"
        seed.write_text(json.dumps(_seed()))
        with emulator_process(seed, ["--latency-ms", str(LATENCY_MS)]) as url:
            os.environ["AWS_ENDPOINT_URL_CODEARTIFACT"] = url
            from disposer.handler import lambda_handler
            from disposer.observability import logger

            logger.setLevel(logging.WARNING)  # one audit record per version would only slow the figures down
            body = {**PACKAGE, "versions": [f"1.0.{i}" for i in range(VERSIONS)]}
            started = time.monotonic()
            with contextlib.redirect_stdout(io.StringIO()):  # the EMF line; the figures are printed below
                response = lambda_handler(api_gateway_event("POST", "/dispose", body), LambdaContext())
            answered = time.monotonic() - started
            answer = json.loads(response["body"])
            # Anything still in flight at the answer would land within one call's latency.
            time.sleep(2)
            client = boto3.client("codeartifact", endpoint_url=url)
            pages = client.get_paginator("list_package_versions").paginate(**PACKAGE)  # type: ignore[arg-type]
            disposed = {v["version"] for page in pages for v in page["versions"] if v["status"] == "Disposed"}
    failures = answer.get("failedVersions", {})
    return {
        "benchmark": "dispose_deadline",
        "versions": VERSIONS,
        "latency_ms": LATENCY_MS,
        "measure_bytes": True,
        "status": response["statusCode"],
        "answer_seconds": round(answered, 2),
        "api_gateway_timeout_seconds": API_GATEWAY_TIMEOUT_SECONDS,
        "disposed": len(answer.get("successfulVersions", {})),
        "not_attempted": sum(f["errorCode"] == "NOT_ATTEMPTED" for f in failures.values()),
        "other_failures": sum(f["errorCode"] != "NOT_ATTEMPTED" for f in failures.values()),
        "disposed_after_answer": len(disposed - set(answer.get("successfulVersions", {}))),
    }


def main() -> None:
    print(json.dumps(measure()))


if __name__ == "__main__":
    main()
