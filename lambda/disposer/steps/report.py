"""The report step: the run's one report, from the merged plan and every part's outcomes, kept and published.

Every planned write is accounted for: a part with no outcomes (it never got a final answer, or the
apply failed) has each of its versions reported NOT_ATTEMPTED here, with an audit record. A run that
stopped before its writes (a guard, a failed shard, a rejection, an approval that never came), or whose
writes the kill switch stopped, is reported aborted, and the state machine ends it with Run Aborted.
"""

import json
from collections import Counter
from datetime import datetime
from typing import Any

from disposer import clock, services
from disposer.budget import Budget
from disposer.model.outcomes import switch_stop_reason
from disposer.model.plan_lines import item_of
from disposer.model.report import RunError, RunReportBody, RunTotals
from disposer.model.workflow import RunState, StepFailure
from disposer.pages.plan import render_plan_html
from disposer.ports import CodeArtifact
from disposer.reports import layout
from disposer.runs.finish import publish
from disposer.settings import Settings
from disposer.steps.common import Run, state_of, store_of
from disposer.steps.notices import notice, quarantined
from disposer.steps.unfinished import settle


def report(payload: dict[str, Any], settings: Settings, budget: Budget) -> dict[str, Any]:
    state = state_of(payload)
    run = Run.load(store_of(settings), state.run_id)
    merged = run.store.get_json(layout.merged_key(run.run_id))
    body = RunReportBody.model_validate(merged["report"]) if merged is not None else _unplanned(run)
    applying = merged is not None and body.mode == "apply" and not body.aborted and not state.approval_needed
    if applying:
        body = _with_outcomes(run, body, services.codeartifact(settings, budget))
    if state.failure is not None:
        body = _failed(body, state, state.failure, after_writes=applying)
    started = datetime.fromisoformat(run.record.started_at)
    body = body.model_copy(update={"duration_seconds": round((clock.now() - started).total_seconds(), 3)})
    publish(body, metrics=True, workflow={"shards": state.shards, "parts": state.parts})
    # The page first: a report in the bucket means the run is over and everything it keeps is there.
    run.store.put_text(layout.plan_page_key(run.run_id), render_plan_html(body), "text/html; charset=utf-8")
    run.store.put_json(layout.report_key(run.run_id), body.model_dump(mode="json", by_alias=True))
    return state.model_copy(
        update={"aborted": body.aborted_reason, "event": notice(run, body), "quarantined": quarantined(run, body)}
    ).dump()


def _with_outcomes(run: Run, body: RunReportBody, codeartifact: CodeArtifact) -> RunReportBody:
    """The report with every part's outcomes, calls and bytes added; a part without outcomes is NOT_ATTEMPTED.
    Versions the kill switch stopped make the run aborted (disposalsDisabled)."""
    outcomes: Counter[str] = Counter()
    calls: Counter[str] = Counter(body.calls)
    throttles, reclaimed, measured = body.throttles, 0, False
    for part in run.store.get_json(layout.parts_key(run.run_id)) or []:
        found = run.store.get_json(layout.outcome_key(run.run_id, int(part["part"])))
        if found is None:
            staged = run.store.lines(layout.part_key(run.run_id, int(part["part"])))
            outcomes.update(settle(run.context(), codeartifact, (item_of(line) for line in staged)))
            continue
        outcomes.update(found["outcomes"])
        calls.update(found["calls"])
        throttles += int(found["throttles"])
        if found.get("bytesReclaimed") is not None:
            measured, reclaimed = True, reclaimed + int(found["bytesReclaimed"])
    update: dict[str, Any] = {
        "outcomes": dict(+outcomes),
        "calls": dict(sorted(calls.items())),
        "throttles": throttles,
        "bytes_reclaimed": reclaimed if measured else None,
    }
    stopped = switch_stop_reason(outcomes)
    if stopped is not None:
        # The kill switch was turned off while parts were applied: the run is stopped, as a run in one invocation is.
        update.update(disposals_disabled=True, aborted=True, aborted_reason=stopped)
    return body.model_copy(update=update)


def _failed(body: RunReportBody, state: RunState, failure: StepFailure, *, after_writes: bool) -> RunReportBody:
    """The report of a run a step failed, a person rejected, or an approval timeout stopped."""
    reason = _reason(state, failure)
    errors = [*body.errors, RunError(scope="run", error_code=failure.error, error_message=reason)]
    if after_writes:
        # Writes had started: reported with what they did, never as "nothing was disposed".
        return body.model_copy(update={"errors": errors})
    return body.model_copy(update={"errors": errors, "aborted": True, "aborted_reason": reason, "mode": "plan"})


def _reason(state: RunState, failure: StepFailure) -> str:
    message = _message(failure.cause)
    if failure.error == "Rejected":
        return f"the plan was rejected: {message}; nothing was disposed"
    if failure.error == "States.Timeout":
        hours = (state.approval.timeout_seconds / 3600) if state.approval is not None else 0
        return f"the plan was not approved within {hours:g} hours; nothing was disposed"
    if failure.error == "PlanChanged":
        return f"{message}; nothing was disposed"
    if failure.error == "States.ExceedToleratedFailureThreshold":
        # Only the PlanShards map tolerates no failure: a shard could not be planned.
        return f"a plan shard failed ({message}: see the execution's PlanShards map run); nothing was disposed"
    return f"the run failed ({failure.error}: {message}); nothing was disposed"


def _message(cause: str | None) -> str:
    """A Lambda error's message from its Cause (JSON with errorMessage), or the cause as it is."""
    if not cause:
        return "no cause given"
    try:
        document = json.loads(cause)
    except ValueError:
        return cause
    return str(document.get("errorMessage", cause)) if isinstance(document, dict) else cause


def _unplanned(run: Run) -> RunReportBody:
    """The report of a run stopped before its plan was merged."""
    return RunReportBody(
        run_id=run.run_id,
        policy=run.policy.name,
        trigger=run.record.trigger,
        mode="plan",
        as_of=run.as_of,
        items=[],
        items_omitted=0,
        totals=RunTotals(packages=0, versions=0, keep=0, dispose=0, rules={}),
        max_disposals_per_run=run.policy.max_disposals_per_run,
        cap_exceeded=False,
        max_disposals_percent=run.policy.max_disposals_percent,
        outcomes={},
        errors=[],
        calls={},
        throttles=0,
        bytes_reclaimed=None,
        duration_seconds=0.0,
        aborted=False,
        aborted_reason=None,
    )
