"""A plan kept whole in the reports bucket, for an answer that could list only part of it (POST /plan)."""

from disposer.model.plan_lines import item_line
from disposer.model.plans import Plan
from disposer.reports import layout
from disposer.reports.store import RunStore


def keep_plan(store: RunStore, run_id: str, plan: Plan) -> str | None:
    """Every decision of `plan`, keeps too, as the JSON Lines of one shard under the run's plan prefix, where a
    workflow run keeps its plan; that prefix's location. None if `run_id` is not a run id (nothing written)."""
    if not layout.RUN_ID.fullmatch(run_id):
        return None
    store.put_lines(layout.plan_lines_key(run_id, 0), (item_line(item) for item in plan.items))
    return layout.location(store.bucket, layout.plan_prefix(run_id))
