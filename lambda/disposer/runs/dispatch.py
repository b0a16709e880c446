"""The fan-out executor: a planned run's disposals are written to the run table as parts, and a reference to
each part is sent to the work queue; the worker function applies them, and the one that finishes last
reports the run (runs/parts.py)."""

import time
from dataclasses import dataclass

from disposer.errors import WorkQueueError
from disposer.fanout.messages import WorkMessage, split_parts
from disposer.fanout.queue import WorkQueue
from disposer.fanout.table import RunTable
from disposer.observability import logger
from disposer.observability.run_metrics import emit_run_dispatched
from disposer.runs.parts import report_if_complete
from disposer.runs.report import RunReport


@dataclass(frozen=True)
class FanOutExecutor:
    """Dispatch the run to the worker function; the report says what went out (`dispatched`, `duplicate`)."""

    table: RunTable
    queue: WorkQueue

    def early_start(self, report: RunReport) -> None:
        # The whole plan is split into parts before anything is sent.
        return None

    def apply(self, report: RunReport) -> None:
        parts = split_parts(report.plan)
        if not parts:
            # Nothing to dispose: no worker would ever report this run, so it is reported now.
            return
        report.reported_elsewhere = True
        run_id = report.context.run_id
        started_at = time.time() - report.elapsed()
        summary = report.to_body(max_items=0).summary()
        if not self.table.start(context=report.context, summary=summary, parts=len(parts), started_at=started_at):
            # EventBridge delivers at least once: this run was dispatched already, so do nothing twice.
            logger.warning("run already dispatched", run_id=run_id)
            report.duplicate = True
            return
        # From here the run owes a report: counted until it comes (alarm RunsUnreported).
        emit_run_dispatched(started_at)
        self.table.write_parts(run_id, parts, started_at=started_at)
        try:
            self.queue.send([WorkMessage(run_id=run_id, part=number) for number in range(len(parts))])
        except WorkQueueError as error:
            # Expect only what went out, so the run still completes and reports (by its workers, or here if
            # nothing went out); the entry point then fails the invocation with the error.
            self.table.truncate(run_id, error.sent)
            report.completed_run = report_if_complete(self.table, run_id)
            report.dispatched, report.error = error.sent, error
            return
        report.dispatched = len(parts)
        logger.info("run dispatched", parts=len(parts), **summary)
