"""Remembered publish times through the real handler, the emulator and a ledger in moto: a steady run reads what
is remembered of 100 packages in batches (at most one DynamoDB request per 10 packages); a deployment upgraded
in place reads the times its earlier version stored, one item per time, and writes them in today's form; a
memory that cannot be read or used is described afresh, never taken for a wrong age."""

from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from disposer import services
from disposer.errors import LedgerError
from disposer.ledger.memory import memory_key
from disposer.ledger.table import LedgerTable, package_key
from disposer.model.packages import PackageFormat, PackageRef
from tests.integration.harness import run_scheduled
from tests.integration.seeds import CI_BUILDS_POLICY, ci_builds_seed

PACKAGES = [f"lib-{i:03d}" for i in range(100)]
# 1.0.0 (220 days old) .. 1.0.11 (0 days), 20 days apart: 1.0.0 .. 1.0.6 are older than 90 days.
VERSIONS = 12
PLANNED = 7 * len(PACKAGES)
# Plan mode: nothing disposed, so every run sees the same listing, and each remembers what it describes.
POLICY = {**CI_BUILDS_POLICY, "mode": "plan", "maxDisposalsPerRun": 10_000}


@pytest.fixture
def seed() -> dict[str, Any]:
    return ci_builds_seed(PACKAGES, VERSIONS, days_apart=20)


@pytest.fixture
def dynamodb_requests(ledger_name: str, moto_url: str) -> Iterator[Counter[str]]:
    """The DynamoDB requests the functions send (retries included), by operation."""
    sent: Counter[str] = Counter()

    def count(request: Any, **_: Any) -> None:
        sent[request.headers["X-Amz-Target"].decode().rpartition(".")[2]] += 1

    events = services._dynamodb(moto_url).meta.events  # noqa: SLF001 - the functions' own client
    events.register("before-send.dynamodb", count, unique_id="count-requests")
    yield sent
    events.unregister("before-send.dynamodb", unique_id="count-requests")


def _ref(name: str) -> PackageRef:
    return PackageRef("acme", "111122223333", "releases", PackageFormat.GENERIC, "ci", name)


def _table(moto_url: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=moto_url)


COORDINATES = {"domain": "acme", "repository": "releases", "format": "generic", "namespace": "ci"}


def _listed(emulator: Any, name: str) -> list[dict[str, Any]]:
    versions: list[dict[str, Any]] = emulator.store.call("ListPackageVersions", {**COORDINATES, "package": name})[
        "versions"
    ]
    return versions


def _earlier_item(emulator: Any, name: str, version: dict[str, Any]) -> dict[str, Any]:
    """The item an earlier version stored for one publish time: `time#<version>#<revision>`, seconds as a float."""
    params = {**COORDINATES, "package": name, "packageVersion": version["version"]}
    published = emulator.store.call("DescribePackageVersion", params)["packageVersion"]["publishedTime"]
    seconds = published.timestamp() if hasattr(published, "timestamp") else float(published)
    return {
        "pk": {"S": package_key(_ref(name))},
        "sk": {"S": f"time#{version['version']}#{version['revision']}"},
        "published": {"N": repr(seconds)},
    }


def _plan(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted((item["package"], item["version"], item["action"]) for item in report["items"])


def _run(context: Any, sent: Counter[str]) -> tuple[dict[str, Any], Counter[str]]:
    sent.clear()
    report = run_scheduled(context, **POLICY)
    return report, Counter(sent)


def test_steady_run_reads_what_is_remembered_in_at_most_one_request_per_ten_packages(
    lambda_context, emulator, ledger_name, dynamodb_requests
):
    # GIVEN a first run over 100 packages that described what it needed and remembered it
    first, _ = _run(lambda_context, dynamodb_requests)
    assert first["calls"]["DescribePackageVersion"] >= len(PACKAGES) and first["totals"]["dispose"] == PLANNED
    # WHEN the same run happens again
    steady, requests = _run(lambda_context, dynamodb_requests)
    # THEN it describes nothing, plans alike, and reads the ledger in at most 10 requests: the holds, and
    # what is remembered of 100 packages in one batch
    assert "DescribePackageVersion" not in steady["calls"]
    assert _plan(steady) == _plan(first)
    assert requests.total() <= len(PACKAGES) / 10
    assert requests == Counter({"Query": 1, "BatchGetItem": 1})


def test_upgraded_deployment_reads_the_times_its_earlier_version_stored_then_writes_them_anew(
    lambda_context, emulator, ledger_name, moto_url, dynamodb_requests
):
    # GIVEN the publish time of every version, stored one item per time as the earlier version did
    items = [_earlier_item(emulator, name, version) for name in PACKAGES for version in _listed(emulator, name)]
    dynamodb = _table(moto_url)
    for start in range(0, len(items), 25):
        puts = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        assert not dynamodb.batch_write_item(RequestItems={ledger_name: puts})["UnprocessedItems"]
    # WHEN the upgraded function runs
    upgraded, requests = _run(lambda_context, dynamodb_requests)
    # THEN it forgets nothing: no describe, the earlier items read once per package, and each package's
    # times written in today's form, 25 packages a request
    assert "DescribePackageVersion" not in upgraded["calls"] and upgraded["totals"]["dispose"] == PLANNED
    assert requests == Counter({"Query": 1 + len(PACKAGES), "BatchGetItem": 1, "BatchWriteItem": len(PACKAGES) // 25})
    # AND the next run is a steady one
    steady, requests = _run(lambda_context, dynamodb_requests)
    assert "DescribePackageVersion" not in steady["calls"] and _plan(steady) == _plan(upgraded)
    assert requests == Counter({"Query": 1, "BatchGetItem": 1})


def test_damaged_memory_is_described_afresh_and_written_again(
    lambda_context, emulator, ledger_name, moto_url, dynamodb_requests
):
    # GIVEN a run that remembered its times, then one package's memory damaged
    first, _ = _run(lambda_context, dynamodb_requests)
    dynamodb = _table(moto_url)
    key = memory_key(package_key(_ref("lib-007")), 0)
    item = dynamodb.get_item(TableName=ledger_name, Key=key)["Item"]
    dynamodb.put_item(TableName=ledger_name, Item={**item, "times": {"B": b"\x78\x9c garbled"}})
    # WHEN the run happens again / THEN that package is described afresh (as a first run would), the plan is
    # the same, and its memory is written again: the next run describes nothing
    again, requests = _run(lambda_context, dynamodb_requests)
    assert 0 < again["calls"]["DescribePackageVersion"] <= first["calls"]["DescribePackageVersion"] / 10
    assert _plan(again) == _plan(first) and requests["BatchWriteItem"] == 1
    assert "DescribePackageVersion" not in _run(lambda_context, dynamodb_requests)[0]["calls"]


def test_ledger_that_cannot_be_read_means_ages_described_afresh_and_nothing_written_over(
    lambda_context, emulator, ledger_name, moto_url, dynamodb_requests, monkeypatch
):
    # GIVEN a run that remembered its times, then the ledger failing every batch read
    first, _ = _run(lambda_context, dynamodb_requests)
    before = _table(moto_url).scan(TableName=ledger_name)["Items"]

    def failing(self: LedgerTable, refs: Any) -> Any:
        raise LedgerError("the ledger table failed: throttled")

    monkeypatch.setattr(LedgerTable, "remembered_times", failing)
    # WHEN the run happens again
    again, requests = _run(lambda_context, dynamodb_requests)
    # THEN it describes what it needs, as a first run does, plans alike, and writes no memory over the one
    # it could not read
    assert again["calls"]["DescribePackageVersion"] == first["calls"]["DescribePackageVersion"]
    assert _plan(again) == _plan(first) and "BatchWriteItem" not in requests
    assert _table(moto_url).scan(TableName=ledger_name)["Items"] == before
