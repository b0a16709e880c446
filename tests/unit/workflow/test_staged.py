"""The workflow's executors: the merge step stages the plan's writes in parts, and each part is applied once, however
often Step Functions retries it. The reports bucket is moto's S3; CodeArtifact is the scripted fake (its real
behaviour is tested against the emulator in tests/integration)."""

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import boto3
import pytest
from moto import mock_aws

from disposer.errors import RetryLaterError, ThrottledError
from disposer.model.outcomes import BatchOutcome
from disposer.model.packages import PackageListing, PackageRef, PackageVersionStatus
from disposer.model.plan_lines import item_of
from disposer.model.plans import Action, Plan, PlanItem
from disposer.reports import layout
from disposer.reports.store import RunStore
from disposer.runs.pipeline import RunRequest, execute
from disposer.runs.planner import FixedPlan
from disposer.runs.report import RunReport
from disposer.runs.staged import MAX_ITEMS_PER_PART, StagingExecutor, StoredPartExecutor, by_package, split_parts
from tests.builders import CONTEXT, NOW, item, plan, ref
from tests.fakes import FakeCodeArtifact, disposed_all

HOUR = 3600.0
PART = (item("1.0.0"), item("1.1.0"))


def throttled(versions: Sequence[str]) -> BatchOutcome:
    raise ThrottledError("ThrottlingException", "Rate exceeded", None)


class UnlistableCodeArtifact(FakeCodeArtifact):
    """A CodeArtifact whose listing is throttled after every retry botocore made."""

    def list_versions(self, ref: PackageRef) -> PackageListing:
        raise ThrottledError("ThrottlingException", "Rate exceeded", None)


def _apply(
    adapter: FakeCodeArtifact,
    items: Sequence[PlanItem] = PART,
    *,
    retried: bool = False,
    age_hours: float = 0.1,
    ttl_hours: float = 6.0,
) -> RunReport:
    """Apply one staged part of `items` as the apply_part step does (planned `age_hours` ago)."""
    executor = StoredPartExecutor(
        adapter,
        None,
        measure=False,
        planned_at=1000.0,
        plan_ttl_hours=ttl_hours,
        retried=retried,
        clock=lambda: 1000.0 + age_hours * HOUR,
    )
    part = Plan("prune", NOW, tuple(by_package(items)))
    return execute(RunRequest(CONTEXT, FixedPlan(part), adapter, executor, refuse_when_disabled=False, publish=False))


def _labels(report: RunReport) -> dict[str, str]:
    return {i.version: o.label for i, o in report.outcomes.items()}


def test_a_first_attempt_sends_every_write_without_listing_the_package():
    adapter = FakeCodeArtifact([disposed_all])
    report = _apply(adapter)
    assert adapter.asked == [["1.0.0", "1.1.0"]]
    assert "ListPackageVersions" not in adapter.counter.calls
    assert _labels(report) == {"1.0.0": "disposed", "1.1.0": "disposed"} and report.retry is None


def test_a_retried_part_counts_what_an_earlier_attempt_disposed_and_sends_it_nothing():
    # GIVEN 1.0.0 disposed (at the revision pinned) by an attempt that then failed
    adapter = FakeCodeArtifact([disposed_all], listed={"1.0.0": "Disposed", "1.1.0": "Published"})
    # WHEN Step Functions retries the part
    report = _apply(adapter, retried=True)
    # THEN only 1.1.0 is sent, and both count as disposed, once each
    assert adapter.asked == [["1.1.0"]]
    assert _labels(report) == {"1.0.0": "disposed", "1.1.0": "disposed"} and report.retry is None


def test_a_retried_part_sends_a_version_disposed_at_another_revision():
    # GIVEN a version Disposed now, but not at the revision the plan pinned (republished, then disposed)
    pinned_elsewhere = replace(item("1.0.0"), revision="r-before")
    adapter = FakeCodeArtifact([disposed_all], listed={"1.0.0": "Disposed"})
    # WHEN the part is retried THEN the write is sent, pinned as planned (CodeArtifact then refuses it)
    _apply(adapter, (pinned_elsewhere,), retried=True)
    assert adapter.asked == [["1.0.0"]]


def test_a_plan_past_its_time_to_live_is_expired_with_no_call():
    # GIVEN a part whose plan was made 7 hours ago, with a time-to-live of 6
    adapter = FakeCodeArtifact([disposed_all])
    # WHEN it is applied at last
    report = _apply(adapter, age_hours=7, ttl_hours=6)
    # THEN nothing is sent and every version is EXPIRED, for good (no retry)
    assert adapter.asked == [] and report.retry is None
    assert _labels(report) == {"1.0.0": "EXPIRED", "1.1.0": "EXPIRED"}
    (outcome, *_) = report.outcomes.values()
    assert outcome.error_message is not None and "past its time-to-live of 6 h" in outcome.error_message


def test_a_transient_failure_sets_retry():
    # GIVEN CodeArtifact throttles the dispose call after every retry botocore made
    report = _apply(FakeCodeArtifact([throttled]))
    # THEN the part is to be retried by Step Functions, naming what got no final answer
    assert isinstance(report.retry, RetryLaterError)
    assert (
        "no final answer yet for 2 versions" in report.retry.message and "ThrottlingException" in report.retry.message
    )


def test_a_retry_that_cannot_list_its_package_sets_retry_and_sends_nothing():
    adapter = UnlistableCodeArtifact([disposed_all])
    report = _apply(adapter, retried=True)
    assert isinstance(report.retry, RetryLaterError) and "could not list a package" in report.retry.message
    assert adapter.asked == []


def test_parts_span_packages_in_plan_order_and_hold_every_write_once():
    # GIVEN a plan of three packages, with keeps between the writes
    a, b, c = ref("a"), ref("b"), ref("c")
    whole = plan(
        item("1.0.0", package=a),
        item("1.1.0", Action.KEEP, package=a),
        item("1.2.0", package=a),
        *(item(f"2.{i}.0", package=b) for i in range(4)),
        item("3.0.0", Action.ARCHIVE, package=c),
    )
    # WHEN its writes are cut in parts of 3
    parts = split_parts(whole, 3)
    # THEN parts are full but the last, cross packages, and hold every write (never a keep) once, in plan order
    assert [len(part) for part in parts] == [3, 3, 1]
    assert [i for part in parts for i in part] == list(whole.changes)
    assert {i.ref for i in parts[0]} == {a, b}
    assert split_parts(plan(*(item(f"1.{i}.0") for i in range(MAX_ITEMS_PER_PART + 1))))[1] == (
        item(f"1.{MAX_ITEMS_PER_PART}.0"),
    )


def test_a_part_applies_each_packages_writes_together():
    # GIVEN a part whose items of two packages are interleaved
    a, b = ref("a"), ref("b")
    items = (item("1.0.0", package=a), item("2.0.0", package=b), item("1.1.0", package=a))
    # THEN they are grouped by package, in the order each first appears, and each package gets one call
    assert [(p.ref, [i.version for i in p.items]) for p in by_package(items)] == [
        (a, ["1.0.0", "1.1.0"]),
        (b, ["2.0.0"]),
    ]
    adapter = FakeCodeArtifact([disposed_all])
    _apply(adapter, items)
    assert adapter.asked == [["1.0.0", "1.1.0"], ["2.0.0"]]


@pytest.fixture
def store() -> Iterator[RunStore]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="reports")
        yield RunStore("reports", client)


def _staged(store: RunStore, *, reviewed: bool) -> tuple[RunReport, list[dict[str, Any]], list[list[PlanItem]]]:
    """Stage a plan of one keep and two writes (one already pinned to Unlisted) as the merge step does."""
    unlisted = item("1.2.0", status=PackageVersionStatus.UNLISTED)
    pinned = replace(item("1.3.0"), expected_status=PackageVersionStatus.PUBLISHED)
    report = RunReport(CONTEXT, plan(item("1.0.0", Action.KEEP), unlisted, pinned), reviewed=reviewed)
    StagingExecutor(store).apply(report)
    refs = store.get_json(layout.parts_key(CONTEXT.run_id))
    parts = [[item_of(line) for line in store.lines(part["key"])] for part in refs]
    return report, refs, parts


def test_a_reviewed_plan_is_staged_pinned_to_the_status_each_version_was_seen_in(store: RunStore):
    report, refs, parts = _staged(store, reviewed=True)
    # THEN every write is pinned to the status the reviewed plan saw, and the run is the report step's to report
    assert [(i.version, i.expected_status) for i in parts[0]] == [
        ("1.2.0", PackageVersionStatus.UNLISTED),
        ("1.3.0", PackageVersionStatus.PUBLISHED),
    ]
    assert refs == [{"part": 0, "key": layout.part_key(CONTEXT.run_id, 0), "versions": 2}]
    assert report.dispatched == 1 and report.reported_elsewhere


def test_a_plan_nobody_reviewed_is_staged_as_planned(store: RunStore):
    report, _, parts = _staged(store, reviewed=False)
    assert parts == [list(report.plan.changes)]
    assert [i.expected_status for i in parts[0]] == [None, PackageVersionStatus.PUBLISHED]
