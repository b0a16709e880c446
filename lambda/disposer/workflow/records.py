"""What the reports bucket and the state machine say about one run, read and told apart.

A run's files are read by keys of reports/layout.py, which a run id alone names: an id that is not a
run id names no run (404), never a key. A document that does not parse is the bucket's fault (502),
never the caller's.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from disposer.errors import ReportsError, RunNotFoundError
from disposer.model.executions import Execution, ExecutionStatus
from disposer.model.report import RunReportBody, RunTotals
from disposer.model.runs import Trigger
from disposer.model.workflow import RunRecord, RunRequestRecord
from disposer.reports import layout
from disposer.reports.store import RunStore

RunStatus = Literal["RUNNING", "AWAITING_APPROVAL", "SUCCEEDED", "ABORTED", "FAILED", "TIMED_OUT"]
Model = TypeVar("Model", bound=BaseModel)
_ENDED: dict[str, RunStatus] = {
    ExecutionStatus.SUCCEEDED: "SUCCEEDED",
    ExecutionStatus.TIMED_OUT: "TIMED_OUT",
    # Stopped by someone (StopExecution): nothing more happens.
    ExecutionStatus.ABORTED: "ABORTED",
}


@dataclass(frozen=True, slots=True)
class KnownRun:
    """Who started a run, on which policy, and its execution: from its run record, or its request until the
    start step has written the record."""

    run_id: str
    execution_arn: str
    policy: str
    trigger: Trigger
    caller: str | None
    as_of: datetime
    started_at: datetime | None

    @classmethod
    def of_record(cls, record: RunRecord) -> "KnownRun":
        return cls(
            run_id=record.run_id,
            execution_arn=record.execution_arn,
            policy=str(record.policy.get("name", "")),
            trigger=record.trigger,
            caller=record.caller,
            as_of=datetime.fromisoformat(record.as_of),
            started_at=datetime.fromisoformat(record.started_at),
        )

    @classmethod
    def of_request(cls, request: RunRequestRecord, execution_arn: str) -> "KnownRun":
        return cls(
            run_id=request.run_id,
            execution_arn=execution_arn,
            policy=str(request.policy.get("name", "")),
            trigger="api",
            caller=request.caller,
            as_of=datetime.fromisoformat(request.as_of),
            started_at=None,
        )


@dataclass(frozen=True, slots=True)
class ApprovalState:
    """What a run waiting for an approval asks to approve (approval.json, without its task token), and the
    decision once someone made it."""

    plan_digest: str | None
    totals: RunTotals | None
    requested_at: datetime | None
    expires_at: datetime | None
    decision: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None

    @classmethod
    def of(cls, document: dict[str, Any]) -> "ApprovalState":
        totals = document.get("totals")
        try:
            return cls(
                plan_digest=document.get("planDigest"),
                totals=None if totals is None else RunTotals.model_validate(totals),
                requested_at=_time(document.get("requestedAt")),
                expires_at=_time(document.get("expiresAt")),
                decision=document.get("decision"),
                decided_by=document.get("decidedBy"),
                decided_at=_time(document.get("decidedAt")),
            )
        except (ValidationError, ValueError, TypeError) as error:
            raise ReportsError(f"an approval.json in the reports bucket does not parse: {error}") from None

    def waiting(self, now: datetime) -> bool:
        """Undecided, and not yet expired."""
        return self.decision is None and (self.expires_at is None or now < self.expires_at)


def _time(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


def parsed(model: type[Model], document: Any, key: str) -> Model:
    """`document` (read from `key`) as `model`; ReportsError if it is not one."""
    try:
        return model.model_validate(document)
    except ValidationError as error:
        raise ReportsError(f"{key} in the reports bucket does not parse: {error.error_count()} problems") from None


def known_run(store: RunStore, run_id: str, execution_arn: str) -> KnownRun | None:
    """The run's record, else its request (its execution then `execution_arn`); None if it has neither."""
    key = layout.run_key(run_id)
    record = store.get_json(key)
    if record is not None:
        return KnownRun.of_record(parsed(RunRecord, record, key))
    key = layout.request_key(run_id)
    request = store.get_json(key)
    if request is not None:
        return KnownRun.of_request(parsed(RunRequestRecord, request, key), execution_arn)
    return None


def checked_run_id(run_id: str) -> str:
    """`run_id` if it is one (what layout.RUN_ID allows); RunNotFoundError otherwise, before any key is made."""
    if not layout.RUN_ID.fullmatch(run_id):
        raise RunNotFoundError(f"no run {run_id[:100]!r}: a run id is 1 to 64 letters, digits and dashes")
    return run_id


def event_run_id(execution: Execution | None) -> str | None:
    """The run id an execution's input names: `runId` (the API's), or a run event's `id` (a schedule's)."""
    if execution is None or execution.input is None:
        return None
    try:
        document = json.loads(execution.input)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    found = document.get("runId", document.get("id"))
    return found if isinstance(found, str) and layout.RUN_ID.fullmatch(found) else None


def run_status(
    execution: Execution | None, approval: ApprovalState | None, report: RunReportBody | None, now: datetime
) -> RunStatus:
    """The run's status: the execution's, told apart by its files (a report that says aborted, an approval it
    waits for); with no execution to read (never started, or past Step Functions' 90 days), its report's."""
    if report is not None and report.aborted:
        return "ABORTED"
    if execution is None:
        return "SUCCEEDED" if report is not None else "FAILED"
    if execution.status == ExecutionStatus.RUNNING:
        return "AWAITING_APPROVAL" if approval is not None and approval.waiting(now) else "RUNNING"
    # FAILED, PENDING_REDRIVE (failed, and may be redriven) and any status Step Functions adds later: FAILED.
    return _ENDED.get(execution.status, "FAILED")
