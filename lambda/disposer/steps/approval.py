"""The await_approval step: keep the task token where the API finds it, so someone can approve or reject the plan.

The state machine waits (waitForTaskToken, with the policy's approval timeout). The API's
POST /runs/{runId}/approve sends the token back with the digest approved, and the run plans again and
applies exactly that plan; /reject, or the timeout, aborts it. The token is kept in the reports bucket,
which only the functions may read, never in an event or a log.
"""

from datetime import timedelta
from typing import Any

from disposer import clock
from disposer.budget import Budget
from disposer.observability import logger
from disposer.reports import layout
from disposer.settings import Settings
from disposer.steps.common import Run, state_of, store_of


def await_approval(payload: dict[str, Any], settings: Settings, budget: Budget) -> dict[str, Any]:
    state = state_of(payload)
    run = Run.load(store_of(settings), state.run_id)
    merged = run.store.get_json(layout.merged_key(run.run_id)) or {}
    report = merged.get("report", {})
    now = clock.now()
    timeout = state.approval.timeout_seconds if state.approval is not None else 0
    run.store.put_json(
        layout.approval_key(run.run_id),
        {
            "token": str(payload["token"]),
            "planDigest": report.get("planDigest"),
            "totals": report.get("totals"),
            "requestedAt": now.isoformat(),
            "expiresAt": (now + timedelta(seconds=timeout)).isoformat(),
        },
    )
    logger.info("approval needed", planDigest=report.get("planDigest"), expires_in_seconds=timeout)
    return {}
