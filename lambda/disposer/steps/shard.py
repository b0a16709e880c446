"""The plan_shard step: plan one shard's packages with the unchanged pipeline, and keep its plan in the bucket.

Each shard is planned as a run in one invocation plans a policy (discovery, the engine, every decision
to the audit trail), within its share of the quotas. It writes every decision (JSON Lines: the full
plan) and a summary the merge step reads: its totals, the versions it covers, its writes and errors.
Nothing is written to CodeArtifact here. A shard that cannot be planned raises, which fails the run
before anything is disposed.
"""

from typing import Any

from disposer import services
from disposer.budget import Budget
from disposer.model.plan_lines import item_line, ref_of
from disposer.model.workflow import ShardRef
from disposer.observability import logger
from disposer.reports import layout
from disposer.runs.pipeline import RunRequest, execute
from disposer.runs.planner import PolicyPlanner
from disposer.safety.scope import Scope
from disposer.settings import Settings
from disposer.steps.common import Run, state_of, store_of


def plan_shard(payload: dict[str, Any], settings: Settings, budget: Budget) -> dict[str, Any]:
    state = state_of(payload)
    shard = ShardRef.model_validate(payload["shard"])
    logger.append_keys(shard=shard.shard)
    run = Run.load(store_of(settings), state.run_id)
    # A shard is only ever the one its run's inventory wrote: its key is derived, never taken from the payload.
    refs = [ref_of(line) for line in run.store.get_json(layout.shard_key(run.run_id, shard.shard)) or []]
    # Up to plan_concurrency shards are planned at once: this one takes its part of the share.
    codeartifact = services.codeartifact(settings, budget, invocations=settings.plan_concurrency)
    ledger = services.ledger(settings)
    planner = PolicyPlanner(
        codeartifact, run.policy, run.as_of, Scope.of(settings).allows_repository, ledger, refs=refs
    )
    report = execute(RunRequest(context=run.context(), source=planner, codeartifact=codeartifact, publish=False))
    report.raise_error()
    plan = report.plan
    run.store.put_lines(layout.plan_lines_key(run.run_id, shard.shard), (item_line(i) for i in plan.items))
    totals = plan.totals
    run.store.put_json(
        layout.shard_summary_key(run.run_id, shard.shard),
        {
            "shard": shard.shard,
            "packages": totals.packages,
            "versions": totals.versions,
            "keep": totals.keep,
            "dispose": totals.dispose,
            "archive": totals.archive,
            "rules": {rule.value: count for rule, count in totals.rules.items()},
            "covered": plan.covered,
            "changes": [item_line(item) for item in plan.changes],
            "errors": [[p.scope, p.error_code, p.error_message] for p in report.errors],
            "calls": dict(report.calls),
            "throttles": report.throttles,
        },
    )
    logger.info("shard planned", packages=totals.packages, versions=totals.versions, changes=plan.change_count)
    return {"shard": shard.shard, "versions": totals.versions, "changes": plan.change_count}
