"""The usage recorder on one large CloudTrail log file: 100 MB of JSON (gzipped as CloudTrail delivers it), most
records other services' events, many of them CodeArtifact downloads (and reads that are not downloads).

The file is made record by record (never whole in memory), put in moto's S3 (moto in server mode, its own
process, with the ledger table), and announced to the real handler by an SQS event of S3's notice. The
recorder runs in a process of its own, so its memory is its own: `peak_rss_mb` is that process's high-water
mark (VmHWM) after the invocation, `rss_rise_mb` how far the invocation raised it above the resident size the
process had once imported and warmed up (VmRSS before the call). Throughput is records (and downloads) read
per second of the invocation's wall time, the ledger's writes included; `parse_only` reads the same object
again without writing, to show what the parsing alone costs. Prints one JSON line.
"""

import json
import os
import random
import subprocess
import sys
import time
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from local.launcher import moto_process
from local.tables import create_ledger_table
from local.trail.files import TrailWriter
from local.trail.records import TrailRead, other_service_record, read_record

ROOT = Path(__file__).resolve().parents[1]
TARGET_BYTES = 100 * 1024 * 1024
BUCKET = "bench-trail"
TABLE = "bench-ledger"
HOUR = datetime(2026, 3, 1, 5, tzinfo=UTC)
# Of every 100 records: 14 downloads, 2 metadata reads, 1 failed read, the rest other services' events.
DOWNLOADS_PER_100, METADATA_PER_100, ERRORS_PER_100 = 14, 2, 1
# Distinct versions downloaded (about 4,000 of the 4,800): the recorder writes each once per file, its latest.
PACKAGES, VERSIONS_PER_PACKAGE = 400, 12
FORMATS = [("npm", None), ("pypi", None), ("maven", "com.acme"), ("nuget", None), ("generic", "ci")]
LOCAL_AWS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "bench",
}


def _record(index: int, rng: random.Random) -> tuple[dict[str, Any], bool]:
    """The file's record number `index`, and whether it is a download (packages and versions drawn from `rng`)."""
    at = HOUR + timedelta(seconds=index % 3600)
    slot = index % 100
    if slot >= DOWNLOADS_PER_100 + METADATA_PER_100 + ERRORS_PER_100:
        return other_service_record(at, index), False
    package = rng.randrange(PACKAGES)
    package_format, namespace = FORMATS[package % len(FORMATS)]
    version = f"1.{rng.randrange(VERSIONS_PER_PACKAGE)}.0"
    read = TrailRead(package_format, f"pkg-{package}", version, at, namespace=namespace, session=f"build-{index % 50}")
    if slot < DOWNLOADS_PER_100:
        return read_record(read), True
    if slot < DOWNLOADS_PER_100 + METADATA_PER_100:
        return read_record(TrailRead(package_format, f"pkg-{package}", None, at, namespace=namespace)), False
    return read_record(read, error_code="ResourceNotFoundException"), False


def make_file(target_bytes: int = TARGET_BYTES) -> tuple[bytes, dict[str, int]]:
    """The gzipped file, and its figures: JSON bytes, records, downloads, distinct versions downloaded."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [compressor.compress(b'{"Records":[')]
    size = records = downloads = 0
    versions: set[tuple[str, str]] = set()
    rng = random.Random(7)
    while size < target_bytes:
        record, download = _record(records, rng)
        text = (b"," if records else b"") + json.dumps(record).encode()
        parts.append(compressor.compress(text))
        size += len(text)
        records += 1
        if download:
            downloads += 1
            params = record["requestParameters"]
            versions.add((params["packageName"], params["packageVersion"]))
    parts += [compressor.compress(b"]}"), compressor.flush()]
    figures = {"json_bytes": size + 14, "records": records, "downloads": downloads, "versions": len(versions)}
    return b"".join(parts), figures


def _status_mb(field: str) -> float:
    (line,) = [line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith(f"{field}:")]
    return int(line.split()[1]) / 1024


def child(key: str) -> dict[str, Any]:
    """In the recorder's own process: one invocation on the file's notice, then a parse of it alone."""
    import contextlib
    import io
    import logging

    from disposer import services
    from disposer.observability import logger
    from disposer.recorder import lambda_handler
    from disposer.settings import Settings
    from disposer.usage.stream import read_records
    from local.events import LambdaContext
    from local.trail.events import s3_notification, sqs_event

    logger.setLevel(logging.WARNING)
    services.usage_store(Settings.from_environment())  # the clients made, as a warm container has them
    services.trail_objects(Settings.from_environment())
    rss_before = _status_mb("VmRSS")
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()) as emf:
        answer = lambda_handler(sqs_event([s3_notification(BUCKET, key)]), LambdaContext())
    wall = time.perf_counter() - started
    peak = _status_mb("VmHWM")
    (metrics,) = [json.loads(line) for line in emf.getvalue().splitlines() if "DownloadsRecorded" in line]
    started = time.perf_counter()
    parsed = sum(1 for _ in read_records(services.trail_objects(Settings.from_environment()).chunks(BUCKET, key), key))
    parse_wall = time.perf_counter() - started
    return {
        "answer": answer,
        "wall_seconds": round(wall, 2),
        "rss_before_mb": round(rss_before, 1),
        "peak_rss_mb": round(peak, 1),
        "rss_rise_mb": round(peak - rss_before, 1),
        "downloads_recorded": metrics["DownloadsRecorded"][0],
        "files_read": metrics["TrailFilesRead"][0],
        "parse_only": {"records": parsed, "wall_seconds": round(parse_wall, 2)},
    }


def _run_child(url: str, key: str) -> dict[str, Any]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DISPOSER_", "POWERTOOLS_"))}
    environment |= LOCAL_AWS | {
        "PYTHONPATH": os.pathsep.join((str(ROOT / "lambda"), str(ROOT))),
        "AWS_ENDPOINT_URL_DYNAMODB": url,
        "AWS_ENDPOINT_URL_S3": url,
        "DISPOSER_LEDGER_TABLE": TABLE,
        "DISPOSER_USAGE_BUCKET": BUCKET,
        "DISPOSER_DOMAIN": "acme",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.recorder_bench", "--child", key],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def measure(target_bytes: int = TARGET_BYTES) -> dict[str, Any]:
    data, made = make_file(target_bytes)
    with moto_process(module="bench.moto_server") as url:
        session = boto3.Session(aws_access_key_id="bench", aws_secret_access_key="bench", region_name="us-east-1")
        s3 = session.client("s3", endpoint_url=url)
        s3.create_bucket(Bucket=BUCKET)
        create_ledger_table(session.client("dynamodb", endpoint_url=url), TABLE)
        writer = TrailWriter(s3, BUCKET)
        key = writer.log_key(HOUR + timedelta(minutes=5))
        writer.put(key, data)
        run = _run_child(url, key)
    wall = run["wall_seconds"]
    return {
        "benchmark": "recorder",
        "file": {**made, "json_mb": round(made["json_bytes"] / 2**20, 1), "gzip_mb": round(len(data) / 2**20, 2)},
        "wall_seconds": wall,
        "records_per_second": round(made["records"] / wall),
        "downloads_per_second": round(made["downloads"] / wall),
        "downloads_recorded": run["downloads_recorded"],
        "parse_only_seconds": run["parse_only"]["wall_seconds"],
        "parse_only_records_per_second": round(run["parse_only"]["records"] / run["parse_only"]["wall_seconds"]),
        "parse_only_json_mb_per_second": round(made["json_bytes"] / 2**20 / run["parse_only"]["wall_seconds"], 1),
        # The file is read whole before its versions are written: the rest of the wall time is the ledger's
        # conditional writes (one per distinct version, `threads` at once), here against moto's server.
        "ledger_writes": made["versions"] + 1,
        "write_seconds_estimate": round(wall - run["parse_only"]["wall_seconds"], 2),
        "peak_rss_mb": run["peak_rss_mb"],
        "rss_before_mb": run["rss_before_mb"],
        "rss_rise_mb": run["rss_rise_mb"],
        "memory_measure": "VmHWM of the recorder's own process; rise = VmHWM after - VmRSS before the invocation",
        "batch_item_failures": len(run["answer"]["batchItemFailures"]),
        "files_read": run["files_read"],
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(sys.argv[2])))
    else:
        print(json.dumps(measure()))
