"""Every alarm of the service in one declarative table (no CDK here: tests on either side import it cheaply).

`ALARMS` is the whole table; `infra/monitoring.py` turns each row into a CloudWatch alarm whose alarm
and OK actions notify the alarm topic, missing data counting as not breaching (no run, no alarm).
`SERVICE_METRIC_ALARMS` is the subset on the function's own EMF metrics (namespace
METRICS_NAMESPACE): their dimensions are literal, so a test can check that the handler emits each
metric under exactly that dimension set. The others watch an AWS namespace whose dimensions name a
resource of the stack; `resource` says which, and the construct fills them in (a row whose resource
the stack does not have, the worker without fan-out, makes no alarm).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from disposer.constants import (
    METRIC_API_THROTTLES,
    METRIC_DIMENSIONS_AGGREGATE,
    METRIC_DISPOSALS_DISABLED,
    METRIC_RUN_ABORTED,
    METRIC_UNREADABLE_LEDGER_ITEMS,
    METRIC_VERSIONS_FAILED,
    METRICS_NAMESPACE,
    SERVICE_NAME,
)

# The operator's runbook; each description points at its section.
RUNBOOK = "docs/monitoring.md"

Comparison = Literal[
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
]


class WatchedResource(StrEnum):
    """What an alarm's dimensions name."""

    SERVICE = "service"  # the service's own metrics: dimensions are literal
    FUNCTION = "function"  # AWS/Lambda, FunctionName
    FAILED_RUNS_QUEUE = "failed-runs-queue"  # AWS/SQS, QueueName
    API_STAGE = "api-stage"  # AWS/ApiGateway, ApiName + Stage
    # Only with fanOut on: without it the stack has neither, and neither has an alarm.
    WORKER_FUNCTION = "worker-function"  # AWS/Lambda, FunctionName
    WORK_DEAD_LETTER_QUEUE = "work-dead-letter-queue"  # AWS/SQS, QueueName


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm: which metric, aggregated how, over which periods, and what the operator should do."""

    id: str
    metric_name: str
    namespace: str
    # Literal dimensions (service metrics), or None: those of `resource`, filled in by the construct.
    dimensions: Mapping[str, str] | None
    statistic: str
    threshold: float
    comparison: Comparison
    evaluation_periods: int
    description: str
    resource: WatchedResource = WatchedResource.SERVICE
    # Of the last `evaluation_periods` periods, how many must breach (None: all of them).
    datapoints_to_alarm: int | None = None
    period_minutes: int = 5

    @property
    def runbook_anchor(self) -> str:
        """The section of docs/monitoring.md about this alarm (GitHub-style anchor of its heading)."""
        return f"{RUNBOOK}#{self.id.lower()}"


# The aggregate dimension set ([service]): any policy, any trigger (METRIC_DIMENSIONS_AGGREGATE).
AGGREGATE_DIMENSIONS: Mapping[str, str] = MappingProxyType(dict.fromkeys(METRIC_DIMENSIONS_AGGREGATE, SERVICE_NAME))

# ThrottlingException answers per 5 minutes above which throttling counts as sustained. The function
# paces every attempt to a share (half, by default) of CodeArtifact's per-account quotas
# (disposer/pacing.py), so its own load should not be throttled: throttles mean other clients of the
# same account and region (CI publishing, other tools) take the rest, or the quota is lower than
# documented. Each throttle is retried by botocore (standard mode, up to 5 attempts, backoff), so a
# few are harmless: a burst from another client rarely lasts a whole period. More than 10 (one every
# 30 s) in each of three consecutive periods is a quarter of an hour of contention: runs slow down,
# API calls near their 29 s budget, and versions whose retries run out are reported failed.
# A run publishes its throttles once, when it ends: "sustained" is seen across consecutive runs (API
# traffic, overlapping schedules). One long run throttled throughout makes a single datapoint,
# visible on the dashboard, in its run report's `throttles`, and as failed versions if retries ran out.
THROTTLES_PER_PERIOD = 10

ALARMS: tuple[AlarmSpec, ...] = (
    AlarmSpec(
        id="VersionsFailed",
        metric_name=METRIC_VERSIONS_FAILED,
        namespace=METRICS_NAMESPACE,
        dimensions=AGGREGATE_DIMENSIONS,
        statistic="Sum",
        threshold=1,
        comparison="GreaterThanOrEqualToThreshold",
        evaluation_periods=1,
        description=(
            "At least one package version the service tried to dispose was not disposed (any policy, any "
            "trigger). Run the saved query 'Failures by error code' for which versions and why (error_code, "
            "error_message); the dashboard graphs failures per error code. MISMATCHED_REVISION or "
            "MISMATCHED_STATUS: the version changed after it was planned, plan again. NOT_FOUND: already gone. "
            "NOT_ATTEMPTED: an API call ran out of its 29 s budget, send the rest again. "
            "AccessDeniedException: the role or a domain/repository policy refuses. ThrottlingException: see "
            "the ApiThrottles alarm."
        ),
    ),
    AlarmSpec(
        id="RunAborted",
        metric_name=METRIC_RUN_ABORTED,
        namespace=METRICS_NAMESPACE,
        dimensions=AGGREGATE_DIMENSIONS,
        statistic="Sum",
        threshold=1,
        comparison="GreaterThanOrEqualToThreshold",
        evaluation_periods=1,
        description=(
            "A retention-policy run stopped: its plan exceeded maxDisposalsPerRun or maxDisposalsPercent (nothing "
            "was disposed), the kill switch was off (see DisposalsDisabled), or its time ran out while planning. "
            'Find its run report in the function\'s log group (Logs Insights: filter message = "run report" and '
            'level = "ERROR"; abortedReason, totals, runId), check the plan with POST /plan; if the plan is '
            "right, raise the limit in policies.json, else fix the policy's selection."
        ),
    ),
    AlarmSpec(
        id="DisposalsDisabled",
        metric_name=METRIC_DISPOSALS_DISABLED,
        namespace=METRICS_NAMESPACE,
        dimensions=AGGREGATE_DIMENSIONS,
        statistic="Sum",
        threshold=1,
        comparison="GreaterThanOrEqualToThreshold",
        evaluation_periods=1,
        description=(
            "The kill switch stopped a run's or a request's writes: the SSM parameter named by stack output "
            "SwitchParameterName is not 'enabled' (or is missing). Runs still plan and report (aborted); "
            "/dispose and /apply answer 503 DisposalsDisabled. If that was meant, nothing to do: the alarm "
            "stays on while schedules keep firing. To resume: aws ssm put-parameter --name <SwitchParameterName> "
            "--value enabled --overwrite (no redeploy); writes resume within 10 seconds."
        ),
    ),
    AlarmSpec(
        id="UnreadableLedgerItems",
        metric_name=METRIC_UNREADABLE_LEDGER_ITEMS,
        namespace=METRICS_NAMESPACE,
        dimensions=AGGREGATE_DIMENSIONS,
        statistic="Sum",
        threshold=1,
        comparison="GreaterThanOrEqualToThreshold",
        evaluation_periods=1,
        description=(
            "A run or request met an item in the ledger's holds partition that does not parse as a hold. "
            "Nothing stopped: the item holds every version of the package it names (or, naming none, nothing). "
            'Find it: Logs Insights, filter message = "unreadable hold" (hold_id, problem, package); GET '
            "/holds lists it under unreadable. Fix or re-place the hold, then remove the item with DELETE "
            "/holds/{holdId}/override (or codeartifact-disposer hold remove ID --override)."
        ),
    ),
    AlarmSpec(
        id="ApiThrottles",
        metric_name=METRIC_API_THROTTLES,
        namespace=METRICS_NAMESPACE,
        dimensions=AGGREGATE_DIMENSIONS,
        statistic="Sum",
        threshold=THROTTLES_PER_PERIOD,
        comparison="GreaterThanThreshold",
        evaluation_periods=3,
        datapoints_to_alarm=3,
        description=(
            f"CodeArtifact answered ThrottlingException more than {THROTTLES_PER_PERIOD} times in each of the "
            "last three 5-minute periods, although the function paces itself to a share of the account's "
            "CodeArtifact quotas. Calls are retried, but runs slow down and versions whose retries run out "
            "fail. Find who else calls CodeArtifact in this account and region (CloudTrail, ThrottlingException "
            "errors), check the dashboard for overlapping schedules or heavy /dispose traffic and spread the "
            "schedules; ask for a quota increase if the load is expected."
        ),
    ),
    AlarmSpec(
        id="FunctionErrors",
        metric_name="Errors",
        namespace="AWS/Lambda",
        dimensions=None,
        resource=WatchedResource.FUNCTION,
        statistic="Sum",
        threshold=1,
        comparison="GreaterThanOrEqualToThreshold",
        evaluation_periods=1,
        description=(
            "The disposer function ended an invocation with an unhandled error (a scheduled run that failed "
            "or aborted, an invalid run event, a timeout, a crash). API errors answered as HTTP 4XX are not "
            "counted. Read the function's log group around the alarm time (level ERROR); a failed scheduled run "
            "is not retried: it lands in the failed-runs queue (alarm FailedRuns)."
        ),
    ),
    AlarmSpec(
        id="FailedRuns",
        metric_name="ApproximateNumberOfMessagesVisible",
        namespace="AWS/SQS",
        dimensions=None,
        resource=WatchedResource.FAILED_RUNS_QUEUE,
        statistic="Maximum",
        threshold=1,
        comparison="GreaterThanOrEqualToThreshold",
        evaluation_periods=1,
        description=(
            "A scheduled or PutEvents run failed (runs are not retried) or waited more than 6 hours, and its "
            "invocation record is in the failed-runs queue (stack output FailedRunsQueueUrl). Read the message: "
            "requestContext.condition, responsePayload (the error), requestPayload (the run event). Fix the "
            "cause, re-send the event's detail with PutEvents if the run is still wanted, then delete the "
            "message: the alarm stays on while messages are visible."
        ),
    ),
    AlarmSpec(
        id="Api5xx",
        metric_name="5XXError",
        namespace="AWS/ApiGateway",
        dimensions=None,
        resource=WatchedResource.API_STAGE,
        statistic="Sum",
        threshold=1,
        comparison="GreaterThanOrEqualToThreshold",
        evaluation_periods=1,
        description=(
            "The REST API answered at least one 5XX: the function failed or timed out behind API Gateway "
            "(29 s integration timeout), or API Gateway itself failed. Find the request in the API access "
            "log group (status, errorResponseType, integrationStatus, requestId) and the function's records "
            "with correlation_id = that requestId."
        ),
    ),
    AlarmSpec(
        id="WorkerErrors",
        metric_name="Errors",
        namespace="AWS/Lambda",
        dimensions=None,
        resource=WatchedResource.WORKER_FUNCTION,
        statistic="Sum",
        threshold=1,
        comparison="GreaterThanOrEqualToThreshold",
        evaluation_periods=1,
        description=(
            "The worker function failed a whole batch of work messages: every message of the batch failed, "
            "or it timed out or crashed (a message that fails alone is reported as a partial batch failure "
            "and is not counted here). The batch's messages are received again after the queue's visibility "
            "timeout; after three receives a message goes to the work DLQ (alarm WorkDeadLetters). Read the "
            "worker's log group (stack output WorkerLogGroup) around the alarm time, level ERROR; a timeout "
            "shows as Lambda's 'Task timed out' line."
        ),
    ),
    AlarmSpec(
        id="WorkDeadLetters",
        metric_name="ApproximateNumberOfMessagesVisible",
        namespace="AWS/SQS",
        dimensions=None,
        resource=WatchedResource.WORK_DEAD_LETTER_QUEUE,
        statistic="Maximum",
        threshold=1,
        comparison="GreaterThanOrEqualToThreshold",
        evaluation_periods=1,
        description=(
            "A work message (part of one package's planned disposals of a fanned-out run) failed in the "
            "worker three times and is parked in the work DLQ (stack output WorkDeadLetterQueueUrl). Its run "
            "never completes, so no run report or run metrics are written for it. Read the message (run_id, "
            "package, items) and the worker's ERROR records with that run_id; fix the cause, then redrive the "
            "DLQ to the work queue (SQS StartMessageMoveTask): parts already applied are skipped. The alarm "
            "stays on while messages are visible."
        ),
    ),
)

SERVICE_METRIC_ALARMS: tuple[AlarmSpec, ...] = tuple(spec for spec in ALARMS if spec.namespace == METRICS_NAMESPACE)
