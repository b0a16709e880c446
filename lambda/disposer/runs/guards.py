"""What must hold before a run disposes anything: a clock that is not ahead, and a plan within its cap."""

from datetime import datetime, timedelta

from disposer.errors import CapExceededError, FutureClockError, PercentExceededError, StaleClockError
from disposer.model.plans import within_percent
from disposer.model.runs import Listed
from disposer.runs.report import RunReport

# How far a run's decision clock may run ahead of the real one (EventBridge stamps events when sent).
MAX_CLOCK_SKEW = timedelta(minutes=5)
# How far behind: EventBridge retries a delivery for at most 24 hours, so no real event is older.
MAX_EVENT_AGE = timedelta(hours=24)


def check_clock(now: datetime, *, wall: datetime, max_age: timedelta | None = None) -> None:
    """Refuse a decision clock ahead of the function's own (it would make versions look older than they
    are, so age rules would dispose what they exist to keep), and, with `max_age`, one further behind
    than any real event can be. Safety times never come from this clock (runs/planner.py)."""
    if now - wall > MAX_CLOCK_SKEW:
        raise FutureClockError(
            f"the run's clock {now.isoformat()} is ahead of the real time {wall.isoformat()}; "
            "a run may not use a future clock"
        )
    if max_age is not None and wall - now > max_age:
        raise StaleClockError(
            f"the event's time {now.isoformat()} is more than {max_age.total_seconds() / 3600:g} hours before the "
            f"real time {wall.isoformat()}: no EventBridge delivery is that late, so the run is refused"
        )


def check_guards(report: RunReport) -> None:
    """Raise if the planned run must dispose nothing (the pipeline reports it aborted)."""
    if report.cap_exceeded:
        raise CapExceededError(
            f"plan disposes {_changes(report.plan.change_count, report.plan.archive_count)}, which exceeds "
            f"maxDisposalsPerRun {report.cap}; nothing was disposed"
        )
    if report.percent_exceeded:
        plan = report.plan
        raise PercentExceededError(
            f"plan disposes {_changes(plan.change_count, plan.archive_count)} of the {plan.covered} Published, "
            f"Unlisted and Archived versions it covers ({100 * plan.change_count / plan.covered:.1f}%), which "
            f"exceeds maxDisposalsPercent {report.max_percent}; nothing was disposed"
        )


def _changes(count: int, archives: int) -> str:
    return f"{count} versions ({archives} of them archived)" if archives else f"{count} versions"


def bounded_within_guards(report: RunReport, listed: Listed) -> bool:
    """True if no plan the listings allow can fail a guard: disposals may then start before the plan is
    finished (the bound takes every version to be older than every age cutoff)."""
    within_cap = report.cap is None or listed.bound <= report.cap
    return within_cap and within_percent(listed.bound, listed.disposable, report.max_percent)
