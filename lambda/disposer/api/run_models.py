"""Request and response contracts of the workflow runs' routes: POST /apply with "async", GET /runs, GET
/runs/{runId}, and the answers to a run waiting for an approval."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from disposer.api.models import ApiModel
from disposer.model.report import RunReportBody, RunTotals
from disposer.model.runs import Trigger
from disposer.safety.digest import DIGEST_PATTERN
from disposer.workflow.directory import Decision, RunDetails, RunEntry, StartedRun
from disposer.workflow.records import ApprovalState, RunStatus

MAX_REJECT_REASON = 500
# Step Functions' own statuses of an execution, which GET /runs lists and filters by.
ExecutionStatusName = Literal["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"]


class RunStartedResponse(ApiModel):
    """POST /apply with "async": true (202): the run started, and its execution."""

    run_id: str = Field(alias="runId")
    execution_arn: str = Field(alias="executionArn")

    @classmethod
    def of(cls, started: StartedRun) -> "RunStartedResponse":
        return cls(run_id=started.run_id, execution_arn=started.execution_arn)


class RunSummaryBody(ApiModel):
    run_id: str = Field(alias="runId", description="the execution's name: an API-started run's id")
    status: str = Field(description="the execution's status (GET /runs/{runId} tells aborted and waiting runs apart)")
    execution_arn: str = Field(alias="executionArn")
    started_at: datetime = Field(alias="startedAt")
    stopped_at: datetime | None = Field(alias="stoppedAt")

    @classmethod
    def of(cls, entry: RunEntry) -> "RunSummaryBody":
        return cls(
            run_id=entry.run_id,
            status=entry.status,
            execution_arn=entry.execution_arn,
            started_at=entry.started_at,
            stopped_at=entry.stopped_at,
        )


class RunsResponse(ApiModel):
    """One page of GET /runs, newest first, and the next page's token (if any)."""

    runs: list[RunSummaryBody]
    next_token: str | None = Field(default=None, alias="nextToken")


class ApprovalBody(ApiModel):
    """The plan a run asks to approve, until when; and, once answered, the answer."""

    plan_digest: str | None = Field(alias="planDigest", description="what POST /runs/{runId}/approve must send")
    totals: RunTotals | None
    requested_at: datetime | None = Field(alias="requestedAt")
    expires_at: datetime | None = Field(alias="expiresAt", description="the run is aborted if no answer came by then")
    decision: Literal["approved", "rejected", "plan-changed"] | None = None
    decided_by: str | None = Field(default=None, alias="decidedBy")
    decided_at: datetime | None = Field(default=None, alias="decidedAt")

    @classmethod
    def of(cls, approval: ApprovalState) -> "ApprovalBody":
        return cls(
            plan_digest=approval.plan_digest,
            totals=approval.totals,
            requested_at=approval.requested_at,
            expires_at=approval.expires_at,
            decision=approval.decision,  # type: ignore[arg-type]
            decided_by=approval.decided_by,
            decided_at=approval.decided_at,
        )


class RunResponse(ApiModel):
    """GET /runs/{runId}: the run's status, who started it on which policy, its approval and its report."""

    run_id: str = Field(alias="runId")
    status: RunStatus
    execution_arn: str = Field(alias="executionArn")
    policy: str
    trigger: Trigger
    caller: str | None
    as_of: datetime = Field(alias="asOf")
    started_at: datetime | None = Field(alias="startedAt")
    stopped_at: datetime | None = Field(default=None, alias="stoppedAt")
    plan_location: str | None = Field(default=None, alias="planLocation", description="the full plan, JSON Lines")
    approval: ApprovalBody | None = None
    report: RunReportBody | None = Field(default=None, description="the run's report, once it has one")

    @classmethod
    def of(cls, details: RunDetails) -> "RunResponse":
        run = details.run
        return cls(
            run_id=run.run_id,
            status=details.status,
            execution_arn=run.execution_arn,
            policy=run.policy,
            trigger=run.trigger,
            caller=run.caller,
            as_of=run.as_of,
            started_at=details.started_at,
            stopped_at=details.stopped_at,
            plan_location=details.plan_location,
            approval=None if details.approval is None else ApprovalBody.of(details.approval),
            report=details.report,
        )


class ApproveRequest(ApiModel):
    """POST /runs/{runId}/approve: the digest of the plan approved (the run's approval.planDigest)."""

    model_config = ConfigDict(validate_by_name=False, validate_by_alias=True)

    plan_digest: Annotated[str, Field(pattern=DIGEST_PATTERN)] = Field(alias="planDigest")


class RejectRequest(ApiModel):
    """POST /runs/{runId}/reject: why, optionally."""

    reason: Annotated[str, Field(min_length=1, max_length=MAX_REJECT_REASON)] | None = None


class DecisionResponse(ApiModel):
    """The answer sent to a run waiting for an approval, and who sent it."""

    run_id: str = Field(alias="runId")
    decision: Literal["approved", "rejected", "plan-changed"]
    decided_by: str = Field(alias="decidedBy")
    decided_at: datetime = Field(alias="decidedAt")
    plan_digest: str | None = Field(alias="planDigest")

    @classmethod
    def of(cls, decision: Decision) -> "DecisionResponse":
        return cls(
            run_id=decision.run_id,
            decision=decision.decision,
            decided_by=decision.decided_by,
            decided_at=decision.decided_at,
            plan_digest=decision.plan_digest,
        )
