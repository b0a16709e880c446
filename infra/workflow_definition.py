"""The run workflow's states (Step Functions, JSONPath): one run of a retention policy, from its event to its report.

Every Task runs the steps function; the Payload's "step" names the step, and each returns the new run
state (`runId`, `bucket`, `mode`, `aborted`, `approvalNeeded`, `approval`, `approved`, `duplicate`,
`event`, `quarantined`, `shardsKey`, `partsKey`, `mapResultsPrefix`), which the Choices read:

    Start -> IsDuplicate -> Inventory -> PlanShards (Map) -> Merge -> AnnouncePlanned -> Planned
    Planned: aborted or plan mode -> Report; approval needed -> AnnounceApproval -> AskApproval -> Inventory
             (re-planned, now approved); else -> ApplyParts (Map) -> Report
    Report -> Finished: aborted -> AnnounceAborted -> Aborted (Fail); quarantined -> AnnounceQuarantined ->
              AnnounceFinished -> Done; else AnnounceFinished -> Done

A failure after Start (an error no retry cured, an approval refused or timed out) lands in
`$.failure` and goes to Report, so every run that started ends with a report. Both Maps are
distributed: their items are a JSON array in the reports bucket, and their results are written back
there. Each Map has a Label, so its child executions' CloudWatch metrics have a stable state machine
ARN (`<machine ARN>/<Label>`) the dashboard graphs.
"""

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from infra.constants import (
    APPROVAL_NEEDED,
    NOTIFICATION_SOURCE,
    RUN_ABORTED,
    RUN_FINISHED,
    RUN_PLANNED,
    VERSIONS_QUARANTINED,
)

# Lambda's transient errors (retried at every Lambda task), and the one a part raises when CodeArtifact
# asks it to come back later (retried with a longer wait).
LAMBDA_TRANSIENT_ERRORS = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
)
RETRY_LATER_ERROR = "RetryLaterError"
REPORTS_ERROR = "ReportsError"
FAILURE_PATH = "$.failure"
RUN_ABORTED_ERROR = "RunAborted"
RUN_ABORTED_CAUSE = "the run was aborted: its report says why"
PLAN_SHARDS_LABEL = "PlanShards"
APPLY_PARTS_LABEL = "ApplyParts"


class RunFilesResultWriter(sfn.ResultWriterV2):
    """A Map's ResultWriter whose bucket comes from the run state (`$.bucket`).

    CDK would grant s3 writes on every bucket ("*") for a bucket path; the reports bucket grants the
    state machine's role its own objects instead (infra/reports.py), so this writer asks for nothing.
    """

    def provide_policy_statements(self) -> list[iam.PolicyStatement]:
        return []


def _retry_transient(task: tasks.LambdaInvoke) -> tasks.LambdaInvoke:
    task.add_retry(errors=list(LAMBDA_TRANSIENT_ERRORS), interval=Duration.seconds(2), max_attempts=6, backoff_rate=2)
    return task


def _invoke(
    scope: Construct, name: str, steps: lambda_.IFunction, payload: sfn.TaskInput, **props: Any
) -> tasks.LambdaInvoke:
    """A lambda:invoke Task of the steps function (the whole invocation result, narrowed by `props`)."""
    task = tasks.LambdaInvoke(
        scope,
        name,
        lambda_function=steps,
        payload=payload,
        payload_response_only=False,
        # Lambda's transient errors only, as listed above (CDK's default set is another one).
        retry_on_service_exceptions=False,
        **props,
    )
    return _retry_transient(task)


def _step(scope: Construct, name: str, steps: lambda_.IFunction, step: str) -> tasks.LambdaInvoke:
    """A Task that runs `step` on the run state and continues with the run state it returns."""
    payload = sfn.TaskInput.from_object({"step": step, "run": sfn.JsonPath.entire_payload})
    return _invoke(scope, name, steps, payload, output_path="$.Payload")


def _announce(scope: Construct, name: str, detail_type: str, detail_path: str = "$.event") -> sfn.TaskStateBase:
    """PutEvents of one notification on the default bus; the run state goes on unchanged."""
    return tasks.EventBridgePutEvents(
        scope,
        name,
        entries=[
            tasks.EventBridgePutEventsEntry(
                source=NOTIFICATION_SOURCE,
                detail_type=detail_type,
                detail=sfn.TaskInput.from_json_path_at(detail_path),
            )
        ],
        result_path=sfn.JsonPath.DISCARD,
    )


def _distributed_map(
    scope: Construct,
    name: str,
    *,
    items_key_path: str,
    item_selector: Mapping[str, Any],
    max_concurrency: int,
    execution_type: sfn.StateMachineType,
    **props: Any,
) -> sfn.DistributedMap:
    """A distributed Map over the JSON array at s3://$.bucket/<items_key_path>, results under $.mapResultsPrefix."""
    return sfn.DistributedMap(
        scope,
        name,
        label=name,
        item_reader=sfn.S3JsonItemReader(
            bucket_name_path=sfn.JsonPath.string_at("$.bucket"), key=sfn.JsonPath.string_at(items_key_path)
        ),
        item_selector=dict(item_selector),
        max_concurrency=max_concurrency,
        map_execution_type=execution_type,
        result_writer_v2=RunFilesResultWriter(
            bucket_name_path=sfn.JsonPath.string_at("$.bucket"),
            prefix=sfn.JsonPath.string_at("$.mapResultsPrefix"),
        ),
        result_path=sfn.JsonPath.DISCARD,
        **props,
    )


def plan_shards(scope: Construct, steps: lambda_.IFunction, *, concurrency: int) -> sfn.DistributedMap:
    """PlanShards: one Express child per shard; a shard writes its plan to the bucket itself."""
    shards = _distributed_map(
        scope,
        PLAN_SHARDS_LABEL,
        items_key_path="$.shardsKey",
        item_selector={
            "step": "plan_shard",
            "run": sfn.JsonPath.entire_payload,
            "shard": sfn.JsonPath.string_at("$$.Map.Item.Value"),
        },
        max_concurrency=concurrency,
        execution_type=sfn.StateMachineType.EXPRESS,
    )
    shard = _invoke(scope, "PlanShard", steps, sfn.TaskInput.from_json_path_at("$"), result_path=sfn.JsonPath.DISCARD)
    return shards.item_processor(shard)


def apply_parts(scope: Construct, steps: lambda_.IFunction, *, concurrency: int) -> sfn.DistributedMap:
    """ApplyParts: one Standard child per part; every part runs, the report accounts for one that never finished."""
    parts = _distributed_map(
        scope,
        APPLY_PARTS_LABEL,
        items_key_path="$.partsKey",
        item_selector={"run": sfn.JsonPath.entire_payload, "part": sfn.JsonPath.string_at("$$.Map.Item.Value")},
        max_concurrency=concurrency,
        execution_type=sfn.StateMachineType.STANDARD,
        tolerated_failure_percentage=100,
    )
    payload = sfn.TaskInput.from_object(
        {
            "step": "apply_part",
            "run": sfn.JsonPath.string_at("$.run"),
            "part": sfn.JsonPath.string_at("$.part"),
            "attempt": sfn.JsonPath.number_at("$$.State.RetryCount"),
        }
    )
    part = tasks.LambdaInvoke(
        scope,
        "ApplyPart",
        lambda_function=steps,
        payload=payload,
        payload_response_only=False,
        retry_on_service_exceptions=False,
        result_path=sfn.JsonPath.DISCARD,
    )
    # A part that wrote and could not keep its outcomes (ReportsError) is retried too: a retry lists its
    # packages first, so nothing is sent twice.
    part.add_retry(
        errors=[RETRY_LATER_ERROR, REPORTS_ERROR], interval=Duration.seconds(30), max_attempts=5, backoff_rate=2
    )
    return parts.item_processor(_retry_transient(part))


def ask_approval(scope: Construct, steps: lambda_.IFunction) -> tasks.LambdaInvoke:
    """AskApproval: the step records the task token; the execution waits for the API's SendTask* or the timeout."""
    payload = sfn.TaskInput.from_object(
        {"step": "await_approval", "run": sfn.JsonPath.entire_payload, "token": sfn.JsonPath.task_token}
    )
    return _invoke(
        scope,
        "AskApproval",
        steps,
        payload,
        integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        task_timeout=sfn.Timeout.at("$.approval.timeoutSeconds"),
        result_path="$.approved",
    )


def _is_set(path: str) -> sfn.Condition:
    return sfn.Condition.not_(sfn.Condition.is_null(path))


# Longer than 50 lines: every state of the workflow and every transition, declared in the order a run takes them.
def run_definition(
    scope: Construct, *, steps: lambda_.IFunction, plan_concurrency: int, apply_concurrency: int
) -> sfn.IChainable:
    """The whole workflow, starting at Start."""
    # No Catch: an input the Start step refuses fails the execution.
    start = _invoke(
        scope,
        "Start",
        steps,
        sfn.TaskInput.from_object(
            {"step": "start", "input": sfn.JsonPath.entire_payload, "executionArn": sfn.JsonPath.execution_id}
        ),
        output_path="$.Payload",
    )
    inventory = _step(scope, "Inventory", steps, "inventory")
    shards = plan_shards(scope, steps, concurrency=plan_concurrency)
    merge = _step(scope, "Merge", steps, "merge")
    approval = ask_approval(scope, steps)
    parts = apply_parts(scope, steps, concurrency=apply_concurrency)
    report = _step(scope, "Report", steps, "report")
    for state in (inventory, shards, merge, approval, parts):
        state.add_catch(report, errors=[sfn.Errors.ALL], result_path=FAILURE_PATH)

    announce_finished = _announce(scope, "AnnounceFinished", RUN_FINISHED).next(sfn.Succeed(scope, "Done"))
    announce_approval = _announce(scope, "AnnounceApproval", APPROVAL_NEEDED)
    start.next(
        sfn.Choice(scope, "IsDuplicate")
        .when(sfn.Condition.boolean_equals("$.duplicate", True), sfn.Succeed(scope, "AlreadyStarted"))
        .otherwise(inventory)
    )
    inventory.next(shards).next(merge).next(_announce(scope, "AnnouncePlanned", RUN_PLANNED)).next(
        sfn.Choice(scope, "Planned")
        .when(_is_set("$.aborted"), report)
        .when(sfn.Condition.string_equals("$.mode", "plan"), report)
        .when(sfn.Condition.boolean_equals("$.approvalNeeded", True), announce_approval)
        .otherwise(parts)
    )
    # Approved: planned again from the inventory on, and this time applied.
    announce_approval.next(approval).next(inventory)
    parts.next(report)
    report.next(
        sfn.Choice(scope, "Finished")
        .when(
            _is_set("$.aborted"),
            _announce(scope, "AnnounceAborted", RUN_ABORTED).next(
                sfn.Fail(scope, "Aborted", error=RUN_ABORTED_ERROR, cause=RUN_ABORTED_CAUSE)
            ),
        )
        .when(
            _is_set("$.quarantined"),
            _announce(scope, "AnnounceQuarantined", VERSIONS_QUARANTINED, "$.quarantined").next(announce_finished),
        )
        .otherwise(announce_finished)
    )
    return start
