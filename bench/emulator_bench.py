"""Emulator throughput through boto3 over HTTP: ListPackageVersions pages and 100-version disposals.

Runs the emulator as a subprocess (`python -m local.emulator`) so the server does not share the
client's GIL, seeds it from a temporary file, and prints one JSON line of figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

DOMAIN = "bench"
REPOSITORY = "releases"
NAMESPACE = "bench"
LIST_PACKAGE = "big"
LIST_VERSIONS = 10_000
SMALL_PACKAGES = 200
SMALL_PACKAGE_VERSIONS = 10
DISPOSE_VERSIONS = 20_000  # per dispose package: 200 calls of 100 versions
PAGE_SIZE = 1000
DISPOSE_BATCH = 100
PHASE_SECONDS = 6.0
MAX_LIST_PAGES = 2_000
THREAD_COUNTS = (1, 4)


def build_seed() -> dict[str, Any]:
    """One 10,000-version package to list, 200 small packages, and one package per dispose phase."""
    start = 1_700_000_000

    def versions(prefix: str, count: int) -> list[dict[str, Any]]:
        return [{"version": f"{prefix}.{i}", "publishedTime": start + i} for i in range(count)]

    packages = [
        {"format": "generic", "namespace": NAMESPACE, "name": LIST_PACKAGE, "versions": versions("1.0", LIST_VERSIONS)}
    ]
    packages += [
        {"format": "npm", "name": f"small-{i}", "versions": versions("0.1", SMALL_PACKAGE_VERSIONS)}
        for i in range(SMALL_PACKAGES)
    ]
    packages += [
        {
            "format": "generic",
            "namespace": NAMESPACE,
            "name": f"dispose-{threads}",
            "versions": versions("2.0", DISPOSE_VERSIONS),
        }
        for threads in THREAD_COUNTS
    ]
    return {"domains": [{"name": DOMAIN, "repositories": [{"name": REPOSITORY, "packages": packages}]}]}


@contextmanager
def emulator_process(seed_file: Path) -> Iterator[tuple[str, float]]:
    """The emulator's URL and its start-up time (seed loading included)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "local.emulator", "--port", "0", "--seed", str(seed_file)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if "ready" not in line:
            raise RuntimeError(f"emulator did not start: {line!r}")
        yield line.strip().rsplit(" ", 1)[-1], time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(timeout=10)


def client(url: str) -> Any:
    return boto3.client(
        "codeartifact",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=Config(retries={"total_max_attempts": 1}, max_pool_connections=4),
    )


def run_phase(threads: int, work: Callable[[Any, int, Callable[[], bool]], int], url: str) -> dict[str, Any]:
    """Run `work(client, thread_index, should_continue)` on `threads` threads; requests per second."""
    clients = [client(url) for _ in range(threads)]
    deadline = time.perf_counter() + PHASE_SECONDS
    barrier = threading.Barrier(threads)

    def thread(index: int) -> int:
        barrier.wait()
        return work(clients[index], index, lambda: time.perf_counter() < deadline)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        requests = sum(pool.map(thread, range(threads)))
    elapsed = time.perf_counter() - started
    return {"threads": threads, "requests": requests, "seconds": round(elapsed, 3), "rps": round(requests / elapsed, 1)}


def list_pages(threads: int) -> Callable[[Any, int, Callable[[], bool]], int]:
    budget = MAX_LIST_PAGES // threads

    def work(codeartifact: Any, index: int, more_time: Callable[[], bool]) -> int:
        pages = 0
        token: str | None = None
        while pages < budget and more_time():
            extra = {"nextToken": token} if token else {}
            page = codeartifact.list_package_versions(
                domain=DOMAIN,
                repository=REPOSITORY,
                format="generic",
                namespace=NAMESPACE,
                package=LIST_PACKAGE,
                sortBy="PUBLISHED_TIME",
                maxResults=PAGE_SIZE,
                **extra,
            )
            assert len(page["versions"]) == PAGE_SIZE
            token = page.get("nextToken")
            pages += 1
        return pages

    return work


def dispose_batches(threads: int) -> Callable[[Any, int, Callable[[], bool]], int]:
    batches = DISPOSE_VERSIONS // DISPOSE_BATCH

    def work(codeartifact: Any, index: int, more_time: Callable[[], bool]) -> int:
        calls = 0
        for batch in range(index, batches, threads):
            if not more_time():
                break
            names = [f"2.0.{i}" for i in range(batch * DISPOSE_BATCH, (batch + 1) * DISPOSE_BATCH)]
            result = codeartifact.dispose_package_versions(
                domain=DOMAIN,
                repository=REPOSITORY,
                format="generic",
                namespace=NAMESPACE,
                package=f"dispose-{threads}",
                versions=names,
                expectedStatus="Published",
            )
            assert len(result["successfulVersions"]) == DISPOSE_BATCH, result["failedVersions"]
            calls += 1
        return calls

    return work


def measure() -> dict[str, object]:
    seed = build_seed()
    with tempfile.TemporaryDirectory() as folder:
        seed_file = Path(folder) / "seed.json"
        seed_file.write_text(json.dumps(seed))
        with emulator_process(seed_file) as (url, startup):
            list_results = [run_phase(threads, list_pages(threads), url) for threads in THREAD_COUNTS]
            dispose_results = [run_phase(threads, dispose_batches(threads), url) for threads in THREAD_COUNTS]
    seeded_versions = LIST_VERSIONS + SMALL_PACKAGES * SMALL_PACKAGE_VERSIONS + DISPOSE_VERSIONS * len(THREAD_COUNTS)
    return {
        "benchmark": "emulator",
        "server": "subprocess",
        "cpus": os.cpu_count(),
        "seeded_versions": seeded_versions,
        "startup_seconds": round(startup, 3),
        "list_package_versions_1000_per_page": list_results,
        "dispose_package_versions_100_per_call": dispose_results,
    }


def main() -> None:
    print(json.dumps(measure()))


if __name__ == "__main__":
    main()
