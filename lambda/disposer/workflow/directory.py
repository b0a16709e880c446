"""RunDirectory: start a workflow run, read one, list them, approve or reject the plan a run waits on.

An API-started run is named after its run id, a new UUID: its request is written to the reports bucket
first, then its execution is started with `{"runId": id}` alone, so the start step reads the request
from a bucket only the functions write. A run waiting for an approval keeps its task token in
approval.json (the await_approval step). An answer sends the token back, then records the decision in
approval.json (without the token), so a second answer is refused; each is an audit record naming who
asked for the run and who decided. A digest other than the plan's aborts the run: what the approver
reviewed is not what the run would apply.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from disposer import clock
from disposer.errors import DisposerError, NotAwaitingApprovalError, PlanChangedError, RunNotFoundError
from disposer.model.executions import ExecutionStatus
from disposer.model.report import RunReportBody
from disposer.model.workflow import RunRequestRecord
from disposer.observability.audit import record_run
from disposer.ports import Workflow
from disposer.reports import layout
from disposer.reports.store import RunStore
from disposer.retention.policy import RetentionPolicy
from disposer.workflow.records import (
    ApprovalState,
    KnownRun,
    RunStatus,
    checked_run_id,
    event_run_id,
    known_run,
    parsed,
    run_status,
)

# What SendTaskSuccess says approved a plan when the request named no caller (a hand-made event).
UNKNOWN_CALLER = "unknown caller"
DecisionName = Literal["approved", "rejected", "plan-changed"]


@dataclass(frozen=True, slots=True)
class StartedRun:
    run_id: str
    execution_arn: str


@dataclass(frozen=True, slots=True)
class RunEntry:
    """A run as GET /runs lists it: its execution's name (an API-started run's id), status and times."""

    run_id: str
    status: str
    execution_arn: str
    started_at: datetime
    stopped_at: datetime | None


@dataclass(frozen=True, slots=True)
class RunDetails:
    run: KnownRun
    status: RunStatus
    started_at: datetime | None
    stopped_at: datetime | None
    plan_location: str | None
    approval: ApprovalState | None
    report: RunReportBody | None


@dataclass(frozen=True, slots=True)
class Decision:
    run_id: str
    decision: DecisionName
    decided_by: str
    decided_at: datetime
    plan_digest: str | None


@dataclass(frozen=True, slots=True)
class _Waiting:
    run: KnownRun
    document: dict[str, Any]
    approval: ApprovalState
    token: str


class RunDirectory:
    """The runs of one state machine, and the files they keep in one reports bucket."""

    def __init__(self, store: RunStore, machine: Workflow) -> None:
        self.store = store
        self.machine = machine

    def start(
        self, policy: RetentionPolicy, *, caller: str | None, as_of: datetime, expected_plan_digest: str | None
    ) -> StartedRun:
        """Write the run's request, then start its execution, named after the new run id."""
        run_id = str(uuid.uuid4())
        request = RunRequestRecord(
            run_id=run_id,
            policy=policy.model_dump(mode="json", by_alias=True, exclude_none=True),
            as_of=as_of.isoformat(),
            caller=caller,
            expected_plan_digest=expected_plan_digest,
        )
        self.store.put_json(layout.request_key(run_id), request.model_dump(mode="json"), only_if_new=True)
        execution_arn = self.machine.start(run_id, {"runId": run_id})
        record_run(
            "run requested",
            run_id=run_id,
            policy=policy.name,
            requested_by=caller,
            decided_by=None,
            plan_digest=expected_plan_digest,
            mode=str(policy.mode),
            execution_arn=execution_arn,
        )
        return StartedRun(run_id, execution_arn)

    def show(self, run_id: str) -> RunDetails:
        """The run's status, who started it on which policy, the approval it waits for and its report."""
        run = self._known(run_id)
        execution = self.machine.describe(run.execution_arn)
        document = self.store.get_json(layout.approval_key(run.run_id))
        approval = None if document is None else ApprovalState.of(document)
        key = layout.report_key(run.run_id)
        found = self.store.get_json(key)
        report = None if found is None else parsed(RunReportBody, found, key)
        if report is not None:
            location = report.plan_location
        else:
            # The merge step keeps the plan there before it asks for an approval.
            location = None if approval is None else layout.location(self.store.bucket, layout.plan_prefix(run.run_id))
        return RunDetails(
            run=run,
            status=run_status(execution, approval, report, clock.now()),
            started_at=run.started_at or (None if execution is None else execution.started_at),
            stopped_at=None if execution is None else execution.stopped_at,
            plan_location=location,
            approval=approval,
            report=report,
        )

    def page(self, *, status: str | None, limit: int, token: str | None) -> tuple[list[RunEntry], str | None]:
        """One page of the machine's runs, newest first, and the next page's token."""
        executions, next_token = self.machine.list_executions(status=status, limit=limit, token=token)
        entries = [RunEntry(e.name, e.status, e.arn, e.started_at, e.stopped_at) for e in executions]
        return entries, next_token

    def approve(self, run_id: str, plan_digest: str, caller: str | None) -> Decision:
        """Let the run apply the plan `plan_digest` names; PlanChangedError, the run aborted, if it is not its plan."""
        waiting = self._waiting(run_id)
        who = caller or UNKNOWN_CALLER
        planned = waiting.approval.plan_digest
        if plan_digest != planned:
            cause = f"the plan approved ({plan_digest}) is not the plan the run made ({planned})"
            self.machine.send_task_failure(waiting.token, error="PlanChanged", cause=f"{cause}; approved by {who}")
            self._decide(waiting, "plan-changed", who, plan_digest=plan_digest)
            raise PlanChangedError(f"{cause}: the run is aborted, and disposes nothing")
        # Recorded first, in the bucket only the functions write: the run applies a plan only when approval.json
        # says it was approved, and with that digest (a SendTaskSuccess from anyone else aborts it).
        decided = self._decide(waiting, "approved", who, plan_digest=plan_digest)
        try:
            self.machine.send_task_success(waiting.token, {"planDigest": plan_digest, "approvedBy": who})
        except DisposerError:
            self.store.put_json(layout.approval_key(waiting.run.run_id), waiting.document)
            raise
        return decided

    def reject(self, run_id: str, caller: str | None, reason: str | None = None) -> Decision:
        """Abort the run waiting for an approval: it disposes nothing, and its report says who rejected it and why."""
        waiting = self._waiting(run_id)
        who = caller or UNKNOWN_CALLER
        cause = f"rejected by {who}: {reason}" if reason else f"rejected by {who}"
        self.machine.send_task_failure(waiting.token, error="Rejected", cause=cause)
        return self._decide(waiting, "rejected", who, plan_digest=waiting.approval.plan_digest, reason=reason)

    def _known(self, run_id: str) -> KnownRun:
        checked_run_id(run_id)
        execution_arn = self.machine.execution_arn(run_id)
        found = known_run(self.store, run_id, execution_arn)
        if found is not None:
            return found
        # A scheduled run's execution has the name EventBridge gave it (GET /runs lists it by that name): its
        # input, the run event, names the run.
        named = event_run_id(self.machine.describe(execution_arn))
        found = None if named in (None, run_id) else known_run(self.store, str(named), execution_arn)
        if found is None:
            raise RunNotFoundError(f"no run {run_id}: no run, request or execution has that id")
        return found

    def _waiting(self, run_id: str) -> _Waiting:
        """The run, if it waits for an approval now; NotAwaitingApprovalError saying why not otherwise."""
        run = self._known(run_id)
        document = self.store.get_json(layout.approval_key(run.run_id))
        if not isinstance(document, dict):
            raise NotAwaitingApprovalError(
                f"run {run.run_id} does not wait for an approval: its plan is not made yet, or its policy needs none"
            )
        approval = ApprovalState.of(document)
        if approval.decision is not None:
            raise NotAwaitingApprovalError(
                f"run {run.run_id} was answered already: {approval.decision} by {approval.decided_by} at "
                f"{approval.decided_at.isoformat() if approval.decided_at else 'an unknown time'}"
            )
        token = document.get("token")
        if not isinstance(token, str) or not approval.waiting(clock.now()):
            expired = approval.expires_at.isoformat() if approval.expires_at else "an unknown time"
            raise NotAwaitingApprovalError(f"run {run.run_id} no longer waits: its approval expired at {expired}")
        execution = self.machine.describe(run.execution_arn)
        if execution is None or execution.status != ExecutionStatus.RUNNING:
            status = "gone" if execution is None else execution.status
            raise NotAwaitingApprovalError(f"run {run.run_id} no longer waits: its execution is {status}")
        return _Waiting(run, document, approval, token)

    def _decide(self, waiting: _Waiting, decision: DecisionName, who: str, **fields: Any) -> Decision:
        """Record the answer sent: in approval.json (the token dropped: it answers nothing now) and the audit trail."""
        run, now = waiting.run, clock.now()
        answered = {key: value for key, value in waiting.document.items() if key != "token"}
        answered |= {"decision": decision, "decidedBy": who, "decidedAt": now.isoformat()}
        if fields.get("reason"):
            answered["reason"] = fields["reason"]
        self.store.put_json(layout.approval_key(run.run_id), answered)
        record_run(
            f"run {decision}",
            run_id=run.run_id,
            policy=run.policy,
            requested_by=run.caller,
            decided_by=who,
            planned_digest=waiting.approval.plan_digest,
            **fields,
        )
        return Decision(run.run_id, decision, who, now, fields.get("plan_digest"))
