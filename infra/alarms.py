"""Every alarm of the service in one declarative table (no CDK here: tests on either side import it cheaply).

`ALARMS` is the whole table; `infra/monitoring.py` turns each row into a CloudWatch alarm whose alarm
and OK actions notify the alarm topic, missing data counting as not breaching (no run, no alarm).
`SERVICE_METRIC_ALARMS` is the subset on the function's own EMF metrics (namespace
METRICS_NAMESPACE): their dimensions are literal, so a test can check that the handler emits each
metric under exactly that dimension set. The others watch an AWS namespace whose dimensions name a
resource of the stack; `resource` says which, and the construct fills them in (a row whose resource
the stack does not have, the worker without fan-out, makes no alarm).
"""

from disposer.constants import (
    METRIC_API_THROTTLES,
    METRIC_DISPATCHED_RUNS_REPORTED,
    METRIC_DISPOSALS_DISABLED,
    METRIC_RUN_ABORTED,
    METRIC_RUNS_DISPATCHED,
    METRIC_UNREADABLE_LEDGER_ITEMS,
    METRIC_VERSIONS_FAILED,
    METRICS_NAMESPACE,
)
from infra.alarm_model import AGGREGATE_DIMENSIONS, THROTTLES_PER_PERIOD, AlarmSpec, WatchedResource

# A fanned-out run owes a report; a part dropped (received and deleted by someone, or lost) means it never
# comes, and no queue metric sees a message that is gone. Both metrics are dated at the dispatch, so each
# hourly datapoint of `dispatched - reported` is the runs dispatched in that hour still unreported. Only
# hours older than the plan's time-to-live (plus the hour's own length) count: a run still within it may
# yet report. Evaluated over the time-to-live plus a day, so an unreported run alarms for a day.
UNREPORTED_EXPRESSION = (
    "IF(EPOCH(FILL(dispatched, 0)) <= MAX(EPOCH(FILL(dispatched, 0))) - {overdue_seconds}, "
    "FILL(dispatched, 0) - FILL(reported, 0), 0)"
)
UNREPORTED_WINDOW_HOURS = 24

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
        id="RunsUnreported",
        metric_name=METRIC_RUNS_DISPATCHED,
        subtracted=METRIC_DISPATCHED_RUNS_REPORTED,
        expression=UNREPORTED_EXPRESSION,
        namespace=METRICS_NAMESPACE,
        dimensions=AGGREGATE_DIMENSIONS,
        statistic="Sum",
        threshold=0,
        comparison="GreaterThanThreshold",
        evaluation_periods=UNREPORTED_WINDOW_HOURS,
        datapoints_to_alarm=1,
        period_minutes=60,
        description=(
            "A fanned-out run was dispatched longer ago than the plan's time-to-live (planTtlHours) and has not "
            "reported: some part never finished. Either it is in the work DLQ (alarm WorkDeadLetters) or its "
            "message is gone: received and deleted by a principal other than the worker (the queue's policy "
            "denies that; check CloudTrail and the policy), or lost. Find the run: the run table's items with "
            "reported false and started_at that long ago (done/parts say how many parts finished); the "
            "worker's records with its run_id. Run the policy again (PutEvents, deployed policy): what was "
            "disposed is gone, the rest is planned anew. The alarm clears a day after the dispatch."
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
