"""The naive baseline: what the published CodeArtifact retention samples do, run with the same threads.

For each package: list every version (boto3's paginator, the default page size, no sortBy), describe
every version to learn its publish time, decide in plain code, then dispose in calls of up to 100
with neither revision nor status pinning. A plain boto3 client with standard retries (max_attempts 10)
and no client-side pacing, as the samples have none. The decision is the engine's own `plan_package`
on fully described versions: what is measured here is the call pattern, not the decision logic.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from disposer.codeartifact.wire import CallCounter
from disposer.model.packages import (
    PackageFormat,
    PackageRef,
    PackageVersionOriginType,
    PackageVersionStatus,
    VersionSummary,
)
from disposer.retention.engine import PackageVersions, plan_package
from disposer.retention.policy import RetentionPolicy

DISPOSE_BATCH = 100
MAX_ATTEMPTS = 10
# (repository, format, namespace, package, version), as bench.retention_bench keys versions.
VersionKey = tuple[str, str, str | None, str, str]


@dataclass
class NaiveResult:
    """What the baseline did: its calls (one per API call, retries not counted again) and outcomes."""

    wall_seconds: float
    listing_seconds: float  # repositories and packages, before any package is read
    packages: int  # packages processed (all of the policy's, or the sample)
    packages_in_scope: int
    versions: int  # versions listed in the packages processed
    calls: Counter[str]
    throttles: int  # throttled attempts, each one (botocore's needs-retry event)
    disposed: set[VersionKey]  # what DisposePackageVersions answered as successful
    failed_versions: Counter[str]  # error code -> versions
    package_errors: Counter[str]  # error code -> packages the baseline gave up on
    cpu_seconds: float = 0.0


@dataclass
class _Tally:
    # Calls and throttles counted the way the service counts its own (one counter, one meaning).
    counter: CallCounter = field(default_factory=CallCounter)
    versions: int = 0
    disposed: set[VersionKey] = field(default_factory=set)
    failed_versions: Counter[str] = field(default_factory=Counter)
    package_errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def naive_client(url: str, threads: int) -> Any:
    """boto3 as the samples use it: standard retries (max_attempts 10: botocore retries up to 10 times), no pacing."""
    config = Config(retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS}, max_pool_connections=max(10, threads))
    return boto3.client("codeartifact", endpoint_url=url, config=config)


def _coordinates(ref: PackageRef) -> dict[str, str]:
    params = {"domain": ref.domain, "repository": ref.repository, "format": str(ref.format), "package": ref.package}
    if ref.domain_owner:
        params["domainOwner"] = ref.domain_owner
    if ref.namespace:
        params["namespace"] = ref.namespace
    return params


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _error_code(error: Exception) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "Unknown"))
    return type(error).__name__


def list_refs(client: Any, policy: RetentionPolicy) -> list[PackageRef]:
    """Every package of every repository the policy names, listed at the default page size."""
    owner = {"domainOwner": policy.domain_owner} if policy.domain_owner else {}
    repositories = [
        repository["name"]
        for page in client.get_paginator("list_repositories_in_domain").paginate(domain=policy.domain, **owner)
        for repository in page.get("repositories", [])
        if policy.matches_repository(repository["name"])
    ]
    refs = [
        PackageRef(
            domain=policy.domain,
            domain_owner=policy.domain_owner,
            repository=repository,
            format=PackageFormat(item["format"]),
            namespace=item.get("namespace"),
            package=item["package"],
        )
        for repository in sorted(repositories)
        for page in client.get_paginator("list_packages").paginate(domain=policy.domain, repository=repository, **owner)
        for item in page.get("packages", [])
    ]
    return [ref for ref in refs if policy.matches_package(ref)]


def _process(client: Any, policy: RetentionPolicy, now: datetime, ref: PackageRef, tally: _Tally) -> None:
    coordinates = _coordinates(ref)
    key = (ref.repository, str(ref.format), ref.namespace, ref.package)
    pending: list[str] = []
    try:
        listed: list[dict[str, Any]] = []
        default_display: str | None = None
        for page in client.get_paginator("list_package_versions").paginate(**coordinates):
            default_display = page.get("defaultDisplayVersion", default_display)
            listed.extend(page.get("versions", []))
        with tally.lock:
            tally.versions += len(listed)
        versions = []
        for item in listed:
            described = client.describe_package_version(**coordinates, packageVersion=item["version"])
            versions.append(
                VersionSummary(
                    version=item["version"],
                    revision=item.get("revision"),
                    status=PackageVersionStatus(item["status"]),
                    origin_type=PackageVersionOriginType(
                        item.get("origin", {}).get("originType", PackageVersionOriginType.UNKNOWN)
                    ),
                    published_time=described["packageVersion"].get("publishedTime"),
                )
            )
        plan = plan_package(PackageVersions(ref, tuple(versions), default_display), policy, now)
        pending = [item.version for item in plan.disposals]
        while pending:
            chunk, rest = pending[:DISPOSE_BATCH], pending[DISPOSE_BATCH:]
            answer = client.dispose_package_versions(**coordinates, versions=list(chunk))
            with tally.lock:
                tally.disposed.update((*key, version) for version in answer.get("successfulVersions", {}))
                for info in answer.get("failedVersions", {}).values():
                    tally.failed_versions[str(info.get("errorCode", "UNKNOWN"))] += 1
            pending = rest
    except (ClientError, BotoCoreError) as error:
        # Retries exhausted: the samples stop on this package; so does the baseline (and goes on to the next).
        code = _error_code(error)
        with tally.lock:
            tally.package_errors[code] += 1
            tally.failed_versions[code] += len(pending)


def run_naive(
    url: str,
    policy: RetentionPolicy,
    now: datetime,
    *,
    threads: int,
    select: Callable[[list[PackageRef]], list[PackageRef]] = lambda refs: refs,
) -> NaiveResult:
    """Run the baseline once against the emulator at `url`; `select` may narrow the packages (a sample)."""
    tally = _Tally()
    client = naive_client(url, threads)
    client.meta.events.register("before-call.codeartifact", tally.counter.record)
    client.meta.events.register("needs-retry.codeartifact", tally.counter.check_throttle)
    cpu_started = time.process_time()
    started = time.perf_counter()
    refs = list_refs(client, policy)
    listing_seconds = time.perf_counter() - started
    chosen = select(refs)
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="naive") as pool:
        list(pool.map(lambda ref: _process(client, policy, now, ref, tally), chosen))
    return NaiveResult(
        wall_seconds=time.perf_counter() - started,
        listing_seconds=listing_seconds,
        packages=len(chosen),
        packages_in_scope=len(refs),
        versions=tally.versions,
        calls=tally.counter.calls,
        throttles=tally.counter.throttles,
        disposed=tally.disposed,
        failed_versions=tally.failed_versions,
        package_errors=tally.package_errors,
        cpu_seconds=time.process_time() - cpu_started,
    )
