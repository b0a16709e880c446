"""The apply_part step: apply one staged part of the plan, pinned as planned, and keep its outcomes.

Each version gets its outcome (audit record) here. A part with versions that got no final answer (a
throttle, a fault, time running out) raises RetryLaterError: Step Functions retries it, and the retry
lists the package first so that nothing is disposed twice. The outcomes are written once every version
has a final answer; a part that never gets there is accounted for by the report step.
"""

from collections import Counter
from typing import Any

from disposer import services
from disposer.budget import Budget
from disposer.model.plan_lines import item_of
from disposer.model.plans import Plan
from disposer.model.workflow import PartRef
from disposer.observability import logger
from disposer.reports import layout
from disposer.runs.pipeline import RunRequest, execute
from disposer.runs.planner import FixedPlan
from disposer.runs.staged import StoredPartExecutor, by_package
from disposer.safety.scope import Scope
from disposer.settings import Settings
from disposer.steps.common import Run, state_of, store_of


def apply_part(payload: dict[str, Any], settings: Settings, budget: Budget) -> dict[str, Any]:
    state = state_of(payload)
    part = PartRef.model_validate(payload["part"])
    logger.append_keys(part=part.part)
    run = Run.load(store_of(settings), state.run_id)
    # A part is only ever the one its run staged: its key is derived, never taken from the payload.
    items = tuple(item_of(line) for line in run.store.lines(layout.part_key(run.run_id, part.part)))
    if not items:
        return {"part": part.part, "versions": 0}
    # A part names what it writes: each repository is checked against this deployment's scope again.
    for ref in {item.ref for item in items}:
        Scope.of(settings).check(domain=ref.domain, domain_owner=ref.domain_owner, repository=ref.repository)
    merged = run.store.get_json(layout.merged_key(run.run_id)) or {}
    # Up to apply_concurrency parts are applied at once (and no shard is planned meanwhile): this one takes its part.
    codeartifact = services.codeartifact(settings, budget, invocations=settings.apply_concurrency)
    executor = StoredPartExecutor(
        codeartifact,
        services.ledger(settings),
        measure=settings.measure_bytes,
        planned_at=float(merged.get("plannedAt", 0.0)),
        plan_ttl_hours=settings.plan_ttl_hours,
        retried=int(payload.get("attempt", 0)) > 0,
    )
    plan = Plan(run.policy.name, run.as_of, tuple(by_package(items)))
    report = execute(
        RunRequest(
            context=run.context(),
            source=FixedPlan(plan),
            codeartifact=codeartifact,
            executor=executor,
            refuse_when_disabled=False,
            publish=False,
        )
    )
    if report.retry is not None:
        raise report.retry
    # Whatever else stopped the part, every version has its outcome (NOT_ATTEMPTED naming why): kept below.
    outcomes = Counter(outcome.label for outcome in report.outcomes.values())
    run.store.put_json(
        layout.outcome_key(run.run_id, part.part),
        {
            "part": part.part,
            "outcomes": dict(outcomes),
            "calls": dict(report.calls),
            "throttles": report.throttles,
            "bytesReclaimed": report.bytes_reclaimed(),
        },
    )
    return {"part": part.part, "versions": len(items)}
