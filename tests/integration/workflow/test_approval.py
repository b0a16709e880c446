"""A policy that needs an approval disposes nothing until its plan is approved; a rejection or no answer
aborts the run."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from local.asl import FakeClock
from local.workflow.runner import LocalWorkflow, local_workflow
from tests.integration.workflow.conftest import RUN_TIME

Statuses = Callable[[], dict[tuple[str, str, str], str]]


def test_an_approved_plan_is_planned_again_and_applied_exactly(workflow: LocalWorkflow, statuses: Statuses):
    before = statuses()
    # WHEN a gated policy runs and its plan is approved with the digest it was shown
    result = workflow.run("gated", as_of=RUN_TIME, decision="approve")
    # THEN the run asked, waited, planned again and applied that plan
    assert result.execution.status.value == "SUCCEEDED", result.execution.cause
    states = result.execution.states_entered()
    assert states.count("AskApproval") == 1
    assert states.count("Merge") == 2
    report = result.report
    assert report is not None and not report["aborted"]
    disposed = [key for key, status in statuses().items() if status == "Disposed" and before[key] != "Disposed"]
    assert len(disposed) == report["totals"]["dispose"] > 0
    assert [entry["DetailType"] for entry in result.events] == [
        "Run Planned",
        "Approval Needed",
        "Run Planned",
        "Run Finished",
    ]


def test_a_rejected_plan_disposes_nothing(workflow: LocalWorkflow, statuses: Statuses):
    before = statuses()
    result = workflow.run("gated", as_of=RUN_TIME, decision="reject")
    # THEN the run is aborted, says who rejected it, and nothing changed
    assert result.execution.status.value == "FAILED"
    assert result.execution.error == "RunAborted"
    assert result.report is not None and result.report["aborted"]
    assert "rejected by arn:aws:sts::111122223333:assumed-role/PlatformOps/local" in result.report["abortedReason"]
    assert statuses() == before
    assert [entry["DetailType"] for entry in result.events] == ["Run Planned", "Approval Needed", "Run Aborted"]


def test_no_answer_within_the_timeout_aborts_the_run(
    emulator: Any, aws: str, ledger_name: str, policies_file: Path, statuses: Statuses
):
    before = statuses()
    # GIVEN nobody answers, and Step Functions' clock jumps to the task's timeout (a FakeClock)
    with local_workflow(policies_file, clock=FakeClock()) as workflow:
        result = workflow.run("gated", as_of=RUN_TIME)
    # THEN the run is aborted for want of an approval, and nothing changed
    assert result.report is not None and result.report["aborted"]
    assert result.report["abortedReason"] == "the plan was not approved within 2 hours; nothing was disposed"
    assert statuses() == before
