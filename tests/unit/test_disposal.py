"""The dispose loop against answers the emulator never gives: omitted versions, SKIPPED alone, deadlines.

The adapter here is a scripted double (the thing under test is the loop); the ordinary all-or-nothing
behaviour, and the budget stopping real calls, are tested against the emulator in tests/integration.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from disposer.codeartifact.disposal import dispose_items
from disposer.errors import DeadlineExceededError, ThrottledError
from disposer.model.outcomes import BatchOutcome, OutcomeCode, VersionOutcome
from disposer.model.packages import PackageFormat, PackageRef, PackageVersionStatus
from disposer.model.plans import REQUESTED_BY_CALLER, Action, PlanItem, Rule
from tests.fakes import FakeCodeArtifact

REF = PackageRef("acme", None, "releases", PackageFormat.NUGET, None, "Acme.Core")
NOT_ATTEMPTED, NOT_REPORTED = OutcomeCode.NOT_ATTEMPTED, OutcomeCode.NOT_REPORTED


def item(version: str, status: PackageVersionStatus | None = None) -> PlanItem:
    return PlanItem(
        ref=REF,
        version=version,
        revision=None,
        status=status,
        action=Action.DISPOSE,
        rule=Rule.DISPOSE_REQUESTED,
        reason=REQUESTED_BY_CALLER,
        expected_status=status,
    )


def ok(versions: Sequence[str]) -> BatchOutcome:
    return BatchOutcome(successful=dict.fromkeys(versions, ("rev", "Disposed")), failed={})


def run(adapter: FakeCodeArtifact, versions: Sequence[str], **kwargs: Any) -> list[VersionOutcome]:
    seen: list[VersionOutcome] = []
    dispose_items(adapter, [item(v) for v in versions], sink=seen.append, **kwargs)
    assert sorted(o.item.version for o in seen) == sorted(versions), "every version gets exactly one outcome"
    return seen


def codes(outcomes: list[VersionOutcome]) -> Mapping[str, str | None]:
    return {o.item.version: o.label for o in outcomes}


def test_dispose_version_missing_from_answer_reported_not_reported():
    # GIVEN CodeArtifact normalises 1.00 to 1.0 and answers for the normalised name only
    def normalised(versions: Sequence[str]) -> BatchOutcome:
        return BatchOutcome(successful={"1.0": ("rev", "Disposed"), "2.0": ("rev", "Disposed")}, failed={})

    # WHEN both are disposed
    outcomes = run(FakeCodeArtifact([normalised]), ["1.00", "2.0"])
    # THEN the unanswered one is reported, not silently dropped
    assert codes(outcomes) == {"2.0": "disposed", "1.00": NOT_REPORTED}
    assert "1.0" in next(o.error_message for o in outcomes if o.item.version == "1.00")  # type: ignore[operator]


def test_dispose_only_skipped_answer_reported_without_endless_retries():
    # GIVEN an answer where every version is SKIPPED and the real failure is under another name
    def skipped(versions: Sequence[str]) -> BatchOutcome:
        failed = {v: ("SKIPPED", f"version {v} is skipped") for v in versions}
        return BatchOutcome(successful={}, failed={**failed, "1.0": ("NOT_FOUND", "Could not find version 1.0")})

    adapter = FakeCodeArtifact([skipped])
    # WHEN disposing
    outcomes = run(adapter, ["1.00", "2.0"])
    # THEN one call is made and both are reported SKIPPED, as AWS said
    assert len(adapter.asked) == 1
    assert codes(outcomes) == {"1.00": "SKIPPED", "2.0": "SKIPPED"}


def test_dispose_skipped_retried_without_the_failed_until_done():
    def first(versions: Sequence[str]) -> BatchOutcome:
        return BatchOutcome(
            successful={},
            failed={"a": ("NOT_FOUND", "Could not find version a"), "b": ("SKIPPED", ""), "c": ("SKIPPED", "")},
        )

    adapter = FakeCodeArtifact([first, ok])
    outcomes = run(adapter, ["a", "b", "c"])
    assert adapter.asked == [["a", "b", "c"], ["b", "c"]]
    assert codes(outcomes) == {"a": "NOT_FOUND", "b": "disposed", "c": "disposed"}


def test_dispose_budget_spent_reports_rest_not_attempted_and_transient():
    # GIVEN 250 versions, and an adapter whose budget runs out after the first call
    adapter = FakeCodeArtifact([ok, DeadlineExceededError("the time budget of 25.0 s ran out")])
    # WHEN disposing
    outcomes = run(adapter, [f"v{i}" for i in range(250)])
    # THEN the first 100 are disposed, and the other 150 say why and that a retry could do them
    assert sum(o.succeeded for o in outcomes) == 100
    assert {o.error_code for o in outcomes if not o.succeeded} == {NOT_ATTEMPTED}
    assert all(o.transient for o in outcomes if not o.succeeded)


def test_dispose_groups_calls_by_pinned_status():
    # GIVEN versions pinned to two statuses and one not pinned
    items = [item("a", PackageVersionStatus.PUBLISHED), item("b", PackageVersionStatus.ARCHIVED), item("c")]
    adapter = FakeCodeArtifact([ok, ok, ok])
    # WHEN disposed
    dispose_items(adapter, items, sink=lambda _: None)
    # THEN each status is its own call, sent with that expectedStatus
    assert sorted(zip(adapter.statuses, adapter.asked, strict=True), key=str) == sorted(
        [(PackageVersionStatus.PUBLISHED, ["a"]), (PackageVersionStatus.ARCHIVED, ["b"]), (None, ["c"])], key=str
    )


def test_dispose_whole_call_failure_after_outcomes_folds_into_failed():
    versions = [f"v{i}" for i in range(150)]
    adapter = FakeCodeArtifact([ok, ThrottledError("ThrottlingException", "Rate exceeded", 3)])
    outcomes = run(adapter, versions)
    assert sum(o.succeeded for o in outcomes) == 100
    assert {o.error_code for o in outcomes if not o.succeeded} == {"ThrottlingException"}


def test_dispose_whole_call_failure_first_is_raised_when_asked():
    with pytest.raises(ThrottledError):
        run(
            FakeCodeArtifact([ThrottledError("ThrottlingException", "Rate exceeded", 3)]),
            ["a"],
            raise_first_refusal=True,
        )


def test_dispose_whole_call_failure_first_is_reported_per_version_by_default():
    outcomes = run(FakeCodeArtifact([ThrottledError("ThrottlingException", "Rate exceeded", 3)]), ["a", "b"])
    assert codes(outcomes) == {"a": "ThrottlingException", "b": "ThrottlingException"}
    assert all(o.transient for o in outcomes)
