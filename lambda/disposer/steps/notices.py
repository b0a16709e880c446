"""The details of the notifications a workflow run puts on the default bus (the state machine's putEvents
states send them): `runId`, `policy`, `totals`, `planDigest`, `planLocation`, and how the run ended."""

from datetime import timedelta
from typing import Any

from disposer import clock
from disposer.model.report import RunReportBody
from disposer.steps.common import Run


def notice(run: Run, body: RunReportBody) -> dict[str, Any]:
    """Run Planned, Approval Needed, Run Finished, Run Aborted: the run and its plan in a few figures."""
    detail: dict[str, Any] = {
        "runId": run.run_id,
        "policy": run.policy.name,
        "mode": "apply" if run.applies else "plan",
        "trigger": run.record.trigger,
        "totals": body.totals.model_dump(mode="json", by_alias=True),
        "planDigest": body.plan_digest,
        "planLocation": body.plan_location,
        "outcomes": body.outcomes,
    }
    if body.aborted:
        detail["abortedReason"] = body.aborted_reason
    return detail


def quarantined(run: Run, body: RunReportBody) -> dict[str, Any] | None:
    """Versions Quarantined, when the run archived versions: how many, and the earliest a run may dispose them."""
    archived = body.outcomes.get("archived", 0)
    if not archived or run.policy.quarantine is None:
        return None
    # The grace runs from the archive, by the function's own clock; this run's archives are all about now.
    earliest = clock.now() + timedelta(days=run.policy.quarantine.grace_days)
    return {
        "runId": run.run_id,
        "policy": run.policy.name,
        "archived": archived,
        "graceDays": run.policy.quarantine.grace_days,
        "earliestDisposal": earliest.isoformat(),
        "planLocation": body.plan_location,
    }
