"""What a workflow run's states pass each other: the run state, and the shards and parts the Maps read.

The state machine (infra/workflow.py) hands each step the run state the step before returned; Choice
states read `aborted`, `mode`, `approvalNeeded`, `duplicate` and `quarantined`, putEvents states send
`event` (or `quarantined`) as the notification's detail. Everything big (the plan, the parts, the
outcomes) lives in the reports bucket, named by keys the steps derive from `runId`: the state stays a
few hundred bytes whatever the run's size.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

# Run ids are EventBridge event ids and the API's own UUIDs: also a valid Step Functions execution name.
RUN_ID_PATTERN = r"^[A-Za-z0-9-]{1,64}$"


class WorkflowModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True, extra="ignore", frozen=True
    )


class StepFailure(WorkflowModel):
    """What a Catch put in the state: the error's name and its cause, as Step Functions reports them."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    error: str = Field(alias="Error")
    cause: str | None = Field(default=None, alias="Cause")


class Approved(WorkflowModel):
    """What an approval sent back (SendTaskSuccess): the digest approved, and by whom."""

    plan_digest: str
    approved_by: str


class ApprovalWindow(WorkflowModel):
    timeout_seconds: int


class RunState(WorkflowModel):
    """The run state: small, and the same shape from the first step to the last."""

    run_id: str = Field(pattern=RUN_ID_PATTERN)
    bucket: str
    policy: str = ""
    mode: Literal["plan", "apply"] = "plan"
    duplicate: bool = False
    aborted: str | None = None
    approval_needed: bool = False
    approval: ApprovalWindow | None = None
    approved: Approved | None = None
    failure: StepFailure | None = None
    shards: int = 0
    parts: int = 0
    # The detail of the next notification (Run Planned, Approval Needed, Run Finished, Run Aborted).
    event: dict[str, Any] = Field(default_factory=dict)
    # The detail of a Versions Quarantined notification, when the run archived versions.
    quarantined: dict[str, Any] | None = None
    shards_key: str = ""
    parts_key: str = ""
    map_results_prefix: str = ""

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class ShardRef(WorkflowModel):
    """One item of the PlanShards Map: which shard, and where its packages are."""

    shard: int
    key: str
    packages: int


class PartRef(WorkflowModel):
    """One item of the ApplyParts Map: which part, and where its items are."""

    part: int
    key: str
    versions: int


class RunRecord(WorkflowModel):
    """Who started a workflow run, on which policy, and when: written once by its start step (run.json)."""

    run_id: str = Field(pattern=RUN_ID_PATTERN)
    execution_arn: str
    # The policy as it runs (after defaults), so every step plans the same one.
    policy: dict[str, Any]
    # The decision clock (ages), and when the run started by the function's own clock.
    as_of: str
    started_at: str
    trigger: Literal["api", "schedule", "cli"]
    caller: str | None
    # The digest of the plan the caller reviewed (POST /apply with expectedPlanDigest).
    expected_plan_digest: str | None = None


class RunRequestRecord(WorkflowModel):
    """What the API writes before it starts an asynchronous run (request.json): the start step's only input
    besides run events, in a bucket only the functions may write."""

    run_id: str = Field(pattern=RUN_ID_PATTERN)
    policy: dict[str, Any]
    as_of: str
    caller: str | None
    expected_plan_digest: str | None = None
