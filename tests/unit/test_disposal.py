"""The dispose loop against answers the emulator never gives: omitted versions, SKIPPED alone, deadlines.

The gateway here is a scripted double of the adapter (the thing under test is the loop); the ordinary
all-or-nothing behaviour is tested against the emulator in tests/integration.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from disposer.codeartifact.client import BatchOutcome
from disposer.codeartifact.disposal import NOT_ATTEMPTED, NOT_REPORTED, VersionOutcome, dispose_versions
from disposer.codeartifact.types import PackageFormat, PackageRef
from disposer.errors import ThrottledError

REF = PackageRef("acme", None, "releases", PackageFormat.NUGET, None, "Acme.Core")


class ScriptedGateway:
    """Answers each dispose call with the next scripted function of the versions asked."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.asked: list[list[str]] = []

    def dispose(self, ref: PackageRef, versions: Sequence[str], **_: Any) -> BatchOutcome:
        self.asked.append(list(versions))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        result: BatchOutcome = answer(list(versions))
        return result


def ok(versions: Sequence[str]) -> BatchOutcome:
    return BatchOutcome(successful=dict.fromkeys(versions, ("rev", "Disposed")), failed={})


def run(gateway: ScriptedGateway, versions: Sequence[str], **kwargs: Any) -> list[VersionOutcome]:
    seen: list[VersionOutcome] = []
    outcomes = dispose_versions(gateway, REF, versions, sink=seen.append, **kwargs)  # type: ignore[arg-type]
    assert outcomes == seen, "every outcome reaches the sink, as it happens"
    return outcomes


def codes(outcomes: list[VersionOutcome]) -> Mapping[str, str | None]:
    return {o.version: ("disposed" if o.succeeded else o.error_code) for o in outcomes}


def test_dispose_version_missing_from_answer_reported_not_reported():
    # GIVEN CodeArtifact normalises 1.00 to 1.0 and answers for the normalised name only
    def normalised(versions: Sequence[str]) -> BatchOutcome:
        return BatchOutcome(successful={"1.0": ("rev", "Disposed"), "2.0": ("rev", "Disposed")}, failed={})

    # WHEN both are disposed
    outcomes = run(ScriptedGateway(normalised), ["1.00", "2.0"])
    # THEN the unanswered one is reported, not silently dropped
    assert codes(outcomes) == {"2.0": "disposed", "1.00": NOT_REPORTED}
    assert "1.0" in next(o.error_message for o in outcomes if o.version == "1.00")  # type: ignore[operator]


def test_dispose_only_skipped_answer_reported_without_endless_retries():
    # GIVEN an answer where every version is SKIPPED and the real failure is under another name
    def skipped(versions: Sequence[str]) -> BatchOutcome:
        failed = {v: ("SKIPPED", f"version {v} is skipped") for v in versions}
        return BatchOutcome(successful={}, failed={**failed, "1.0": ("NOT_FOUND", "Could not find version 1.0")})

    gateway = ScriptedGateway(skipped)
    # WHEN disposing
    outcomes = run(gateway, ["1.00", "2.0"])
    # THEN one call is made and both are reported SKIPPED, as AWS said
    assert len(gateway.asked) == 1
    assert codes(outcomes) == {"1.00": "SKIPPED", "2.0": "SKIPPED"}


def test_dispose_skipped_retried_without_the_failed_until_done():
    def first(versions: Sequence[str]) -> BatchOutcome:
        return BatchOutcome(
            successful={},
            failed={"a": ("NOT_FOUND", "Could not find version a"), "b": ("SKIPPED", ""), "c": ("SKIPPED", "")},
        )

    gateway = ScriptedGateway(first, ok)
    outcomes = run(gateway, ["a", "b", "c"])
    assert gateway.asked == [["a", "b", "c"], ["b", "c"]]
    assert codes(outcomes) == {"a": "NOT_FOUND", "b": "disposed", "c": "disposed"}


def test_dispose_deadline_passed_reports_rest_not_attempted(monkeypatch: pytest.MonkeyPatch):
    # GIVEN 250 versions, a clock, and a first call that uses up the time budget
    clock = [0.0]
    monkeypatch.setattr("disposer.codeartifact.disposal.time.monotonic", lambda: clock[0])

    def slow(asked: Sequence[str]) -> BatchOutcome:
        clock[0] = 21.0
        return ok(asked)

    gateway = ScriptedGateway(slow, ok, ok)
    # WHEN disposing with a 20 s deadline
    outcomes = run(gateway, [f"v{i}" for i in range(250)], deadline=20.0)
    # THEN the first 100 are disposed, no further call starts, and the other 150 say why
    assert len(gateway.asked) == 1
    assert sum(o.succeeded for o in outcomes) == 100
    assert {o.error_code for o in outcomes if not o.succeeded} == {NOT_ATTEMPTED}
    assert len(outcomes) == 250


def test_dispose_whole_call_failure_after_outcomes_folds_into_failed():
    versions = [f"v{i}" for i in range(150)]
    gateway = ScriptedGateway(ok, ThrottledError("ThrottlingException", "Rate exceeded", 3))
    outcomes = run(gateway, versions)
    assert sum(o.succeeded for o in outcomes) == 100
    assert {o.error_code for o in outcomes if not o.succeeded} == {"ThrottlingException"}


def test_dispose_whole_call_failure_first_is_raised():
    with pytest.raises(ThrottledError):
        run(ScriptedGateway(ThrottledError("ThrottlingException", "Rate exceeded", 3)), ["a"])
