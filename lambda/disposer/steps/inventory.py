"""The inventory step: list every package the policy covers and cut the list into plan shards of whole packages
(and, for a policy with keep.dependencies, of whole repositories: see `cut`).

Shards follow the plan's own package order, so the shards' plans, read back one after the other, are
the plan a single invocation would have made. What cannot be listed (a repository matched by a glob and
deleted since) is kept for the report, as a run in one invocation reports it.
"""

from collections.abc import Sequence
from typing import Any

from disposer import services
from disposer.budget import Budget
from disposer.model.packages import PackageRef
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
    for number, chunk in enumerate(cut(refs, size, whole_repositories=run.policy.keep.dependencies)):
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


def cut(refs: Sequence[PackageRef], size: int, *, whole_repositories: bool = False) -> list[Sequence[PackageRef]]:
    """The shards of `refs` (in plan order), `size` packages each. With `whole_repositories` (keep.dependencies)
    a repository's packages of one format are never split: a dependency is known in the shard that plans its
    target, however many packages that takes."""
    if not whole_repositories:
        return [refs[start : start + size] for start in range(0, len(refs), size)]
    shards: list[list[PackageRef]] = []
    group: tuple[str, str] | None = None
    for ref in refs:
        same = (ref.repository, str(ref.format)) == group
        if not shards or (not same and len(shards[-1]) >= size):
            shards.append([])
        shards[-1].append(ref)
        group = (ref.repository, str(ref.format))
    return list(shards)
