"""Finishing a run: its one `run report` record and its metrics, whichever way the run was made.

An inline run is finished by the invocation that ran it; a workflow run by its report step, from the
merged plan and every part's outcomes (steps/report.py builds that body). Both come here.
"""

from typing import Any

from disposer.model.report import RunReportBody
from disposer.observability import logger
from disposer.observability.run_metrics import emit_run_metrics, figures_of


def publish(body: RunReportBody, *, metrics: bool = True, **extra: Any) -> None:
    """Write the run's one `run report` record (an error when aborted) and, unless told not to, its metrics."""
    log = logger.error if body.aborted else logger.info
    log("run report", **body.summary(), **extra)
    if metrics:
        emit_run_metrics(figures_of(body))
