"""What a staged part meets when it is applied: a hold placed since the plan wins (HELD, never sent), and the kill
switch turned off since sends nothing (each version DISPOSALS_DISABLED, the run reported aborted). A hold placed
while a gated run waits for its approval changes the approved plan, so that run disposes nothing at all."""

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from disposer.reports import layout
from disposer.reports.store import RunStore
from local.workflow.runner import LocalWorkflow, local_workflow, steps_function
from tests.integration.conftest import Switch
from tests.integration.harness import calls, invoke_api
from tests.integration.workflow.conftest import RUN_TIME

Statuses = Callable[[], dict[tuple[str, str, str], str]]
Key = tuple[str, str, str]
Steps = Callable[[Any], Any]
COORDINATES = ("repository", "format", "namespace", "package", "version")


def _first_disposal(run_id: str) -> dict[str, Any]:
    """The first disposal of the run's merged plan, as its report lists it (read with a client of the test's own,
    never one the functions share: the IAM recorder knows a client's function by when it was made)."""
    s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    merged = RunStore(os.environ["DISPOSER_REPORTS_BUCKET"], s3).get_json(layout.merged_key(run_id))
    return next(item for item in merged["report"]["items"] if item["action"] == "dispose")


def _hold(context: Any, item: dict[str, Any]) -> Key:
    """Place a hold on `item`'s version through the API, as an operator would; its (repository, package, version)."""
    until = (RUN_TIME + timedelta(days=30)).isoformat()
    body = {"domain": "acme", **{name: item[name] for name in COORDINATES}, "until": until, "reason": "under audit"}
    assert invoke_api(context, "POST", "/holds", body).status == 201
    return (item["repository"], item["package"], item["version"])


def before_step(step: str, action: Callable[[dict[str, Any]], None]) -> Steps:
    """The steps function, except that `action` runs once, with the payload, before the first invocation of `step`."""
    done: list[bool] = []

    def function(event: Any) -> Any:
        if event.get("step") == step and not done:
            done.append(True)
            action(event)
        return steps_function(event)

    return function


@pytest.fixture
def workflow_with(
    emulator: Any, aws: str, ledger_name: str, policies_file: Path
) -> Iterator[Callable[[Steps], LocalWorkflow]]:
    """A local workflow whose steps function is the one the test gives, ended with the test."""
    with ExitStack() as stack:
        yield lambda function: stack.enter_context(local_workflow(policies_file, functions={"steps": function}))


def test_a_hold_placed_after_the_plan_was_staged_wins_at_apply(
    workflow_with: Callable[[Steps], LocalWorkflow], lambda_context: Any, statuses: Statuses
):
    before = statuses()
    held: list[Key] = []
    # GIVEN a gated run approved as planned, and a hold placed on one of its disposals before its parts are applied
    workflow = workflow_with(
        before_step(
            "apply_part", lambda event: held.append(_hold(lambda_context, _first_disposal(event["run"]["runId"])))
        )
    )
    result = workflow.run("gated", as_of=RUN_TIME, decision="approve")
    # THEN the held version was never sent, and every other disposal of the plan was made
    report = result.report
    assert report is not None and not report["aborted"], result.execution.cause
    assert report["outcomes"] == {"HELD": 1, "disposed": report["totals"]["dispose"] - 1}
    after = statuses()
    assert after[held[0]] == before[held[0]] == "Published"
    disposed = {key for key, status in after.items() if status == "Disposed" and before[key] != "Disposed"}
    assert len(disposed) == report["totals"]["dispose"] - 1 and held[0] not in disposed


def test_a_hold_placed_while_a_gated_run_waits_for_approval_stops_the_approved_run(
    workflow_with: Callable[[Steps], LocalWorkflow], lambda_context: Any, statuses: Statuses
):
    before = statuses()
    held: list[Key] = []
    # GIVEN a hold placed on one of the plan's disposals while the run asks for its approval
    workflow = workflow_with(
        before_step(
            "await_approval", lambda event: held.append(_hold(lambda_context, _first_disposal(event["run"]["runId"])))
        )
    )
    # WHEN the plan shown is approved
    result = workflow.run("gated", as_of=RUN_TIME, decision="approve")
    # THEN the run plans again, keeps the held version, and so is not the plan approved: nothing is disposed
    report = result.report
    assert report is not None and report["aborted"]
    assert (
        report["abortedReason"].startswith("the plan made now") and "is not the one reviewed" in report["abortedReason"]
    )
    assert report["totals"]["rules"]["keep:hold"] == 1
    assert statuses() == before
    assert held


def test_the_kill_switch_turned_off_after_the_plan_was_staged_sends_nothing(
    workflow_with: Callable[[Steps], LocalWorkflow], switch: Switch, emulator: Any, statuses: Statuses
):
    before = statuses()
    # GIVEN a run planned and staged while writes were on, then the switch turned off before its parts are applied
    workflow = workflow_with(before_step("apply_part", lambda event: switch.off()))
    result = workflow.run("prune", as_of=RUN_TIME)
    # THEN nothing was sent, and the run is reported once: every version DISPOSALS_DISABLED, aborted
    report = result.report
    assert report is not None
    assert report["outcomes"] == {"DISPOSALS_DISABLED": report["totals"]["dispose"]}
    assert report["aborted"] and report["disposalsDisabled"]
    assert report["abortedReason"].startswith("disposals were disabled while the run wrote")
    assert result.execution.error == "RunAborted"
    assert [entry["DetailType"] for entry in result.events] == ["Run Planned", "Run Aborted"]
    assert "DisposePackageVersions" not in calls(emulator)
    assert statuses() == before
