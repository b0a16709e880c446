"""The merge step: the shards' plans as one, checked by the run's global guards, and its writes staged in parts.

The merged plan holds the writes of every shard (the totals and the covered count come from the
shards' summaries), so the cap, the percent breaker, the reviewed or approved digest, the clock and the
kill switch judge the whole plan, exactly as for a run planned in one invocation: the digest of the
writes does not depend on how the packages were cut. A plan someone must approve stops here.
"""

from collections import Counter
from typing import Any

from disposer import clock, services
from disposer.budget import Budget
from disposer.errors import ApprovalNotRecordedError, ShardNotPlannedError
from disposer.model.plan_lines import item_of
from disposer.model.plans import PackagePlan, Plan, PlanSummary, PlanTotals, Rule
from disposer.model.runs import RunProblem
from disposer.model.workflow import RunState
from disposer.observability import logger
from disposer.reports import layout
from disposer.runs.pipeline import RunRequest, execute
from disposer.runs.planner import FixedPlan
from disposer.runs.report import RunReport
from disposer.runs.staged import StagingExecutor, by_package
from disposer.settings import Settings
from disposer.steps.common import Run, state_of, store_of
from disposer.steps.notices import notice


def merge(payload: dict[str, Any], settings: Settings, budget: Budget) -> dict[str, Any]:
    state = state_of(payload)
    run = Run.load(store_of(settings), state.run_id)
    plan, problems, calls, throttles = _read_shards(run)
    approved = _approved(run) if state.approved is not None else None
    approval_needed = run.applies and run.policy.needs_approval and state.approved is None
    expected = approved if approved is not None else run.record.expected_plan_digest
    codeartifact = services.codeartifact(settings, budget)
    report = execute(
        RunRequest(
            context=run.context(),
            source=FixedPlan(plan, problems),
            codeartifact=codeartifact,
            executor=StagingExecutor(run.store) if run.applies else None,
            cap=run.policy.max_disposals_per_run,
            max_percent=run.policy.max_disposals_percent,
            expected_digest=expected,
            approve=(lambda _: False) if approval_needed else None,
            publish=False,
        )
    )
    if report.error is not None and report.aborted_reason is None:
        report.raise_error()
    report.calls.update(calls)
    report.throttles += throttles
    return _merged(run, state, report, approval_needed)


def _approved(run: Run) -> str:
    """The digest someone approved, as the API recorded it in the bucket (which only the functions write); the
    task's answer itself proves nothing (anyone allowed SendTaskSuccess could send one)."""
    decision = run.store.get_json(layout.approval_key(run.run_id)) or {}
    if decision.get("decision") != "approved" or not isinstance(decision.get("planDigest"), str):
        raise ApprovalNotRecordedError(
            f"run {run.run_id} was told it is approved, but no approval is recorded for it: nothing is disposed"
        )
    return str(decision["planDigest"])


def _merged(run: Run, state: RunState, report: RunReport, approval_needed: bool) -> dict[str, Any]:
    location = run.location(layout.plan_prefix(run.run_id))
    body = report.to_body().model_copy(update={"plan_location": location})
    run.store.put_json(
        layout.merged_key(run.run_id),
        {
            "report": body.model_dump(mode="json", by_alias=True),
            "parts": report.dispatched,
            "plannedAt": clock.now().timestamp(),
        },
    )
    aborted = report.aborted_reason
    waiting = approval_needed and aborted is None
    logger.info(
        "run planned", planDigest=body.plan_digest, parts=report.dispatched, aborted=aborted, approval_needed=waiting
    )
    if not report.applied and not waiting and aborted is None:
        # A plan-mode run (or nothing to write): no parts to apply.
        run.store.put_json(layout.parts_key(run.run_id), [])
    return state.model_copy(
        update={
            "aborted": aborted,
            "approval_needed": waiting,
            "parts": report.dispatched,
            "event": notice(run, body),
        }
    ).dump()


def _read_shards(run: Run) -> tuple[Plan, list[RunProblem], Counter[str], int]:
    """The writes of every shard in plan order, with the summary of all they planned, their errors and calls."""
    inventory = run.store.get_json(layout.inventory_key(run.run_id)) or {}
    shards = run.store.get_json(layout.shards_key(run.run_id)) or []
    problems = [RunProblem(*error) for error in inventory.get("errors", [])]
    calls: Counter[str] = Counter(inventory.get("calls", {}))
    throttles = int(inventory.get("throttles", 0))
    packages: list[PackagePlan] = []
    sums: Counter[str] = Counter()
    rules: Counter[str] = Counter()
    for shard in shards:
        summary = run.store.get_json(layout.shard_summary_key(run.run_id, int(shard["shard"])))
        if summary is None:
            raise ShardNotPlannedError(f"shard {shard['shard']} of run {run.run_id} has no plan: it was not planned")
        for field in ("packages", "versions", "keep", "dispose", "archive", "covered"):
            sums[field] += int(summary[field])
        rules.update(summary["rules"])
        packages.extend(by_package([item_of(line) for line in summary["changes"]]))
        problems.extend(RunProblem(*error) for error in summary["errors"])
        calls.update(summary["calls"])
        throttles += int(summary["throttles"])
    totals = PlanTotals(
        packages=sums["packages"],
        versions=sums["versions"],
        keep=sums["keep"],
        dispose=sums["dispose"],
        archive=sums["archive"],
        rules={Rule(rule): count for rule, count in rules.items()},
    )
    plan = Plan(run.policy.name, run.as_of, tuple(packages), summary=PlanSummary(totals, covered=sums["covered"]))
    return plan, problems, calls, throttles
