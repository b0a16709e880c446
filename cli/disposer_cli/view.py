"""The whole plan as the CLI shows it: every decision (never the API's capped list), with publish times where
the run learnt them (the plan items carry them). How a plan is shown is disposer/pages/view.py's."""

from datetime import datetime

from disposer.model.report import RunReportBody
from disposer.pages.view import ItemKey
from disposer.runs.report import RunReport


def published_times(report: RunReport) -> dict[ItemKey, datetime]:
    """The known publish time of each version of the report's plan (those the run described or remembered)."""
    return {
        (item.ref.repository, str(item.ref.format), item.ref.namespace, item.ref.package, item.version): moment
        for item in report.plan.items
        if (moment := item.published_time) is not None
    }


def whole_body(report: RunReport) -> RunReportBody:
    """The report's body with every decision: the CLI has no response size limit to respect."""
    return report.to_body(max_items=max(1, len(report.plan.items)), max_bytes=None)
