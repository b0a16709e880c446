"""The inventory step: list every package the policy covers and cut the list into plan shards of whole packages.

Shards follow the plan's own package order, so the shards' plans, read back one after the other, are
the plan a single invocation would have made. What cannot be listed (a repository matched by a glob and
deleted since) is kept for the report, as a run in one invocation reports it.
"""

from typing import Any

from disposer import services
from disposer.budget import Budget
from disposer.model.plan_lines import ref_line
from disposer.model.runs import RunProblem
from disposer.model.workflow import ShardRef
from disposer.observability import logger
from disposer.reports import layout
from disposer.runs.discovery import inventory as list_packages
from disposer.safety.scope import Scope
from disposer.settings import Settings
from disposer.steps.common import Run, state_of, store_of


def inventory(payload: dict[str, Any], settings: Settings, budget: Budget) -> dict[str, Any]:
    state = state_of(payload)
    run = Run.load(store_of(settings), state.run_id)
    codeartifact = services.codeartifact(settings, budget)
    problems: list[RunProblem] = []
    refs = list_packages(
        codeartifact, run.policy, in_scope=Scope.of(settings).allows_repository, on_error=problems.append
    )
    size = settings.shard_packages
    shards: list[dict[str, Any]] = []
    for number, start in enumerate(range(0, len(refs), size)):
        chunk = refs[start : start + size]
        key = layout.shard_key(run.run_id, number)
        run.store.put_json(key, [ref_line(ref) for ref in chunk])
        shards.append(ShardRef(shard=number, key=key, packages=len(chunk)).model_dump(by_alias=True))
    run.store.put_json(layout.shards_key(run.run_id), shards)
    run.store.put_json(
        layout.inventory_key(run.run_id),
        {
            "packages": len(refs),
            "shards": len(shards),
            "errors": [[p.scope, p.error_code, p.error_message] for p in problems],
            "calls": dict(codeartifact.counter.calls),
            "throttles": codeartifact.counter.throttles,
        },
    )
    logger.info("run inventoried", packages=len(refs), shards=len(shards), shard_packages=size)
    return state.model_copy(update={"shards": len(shards)}).dump()
