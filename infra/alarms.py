"""Every alarm of the service in one declarative table (no CDK here: tests on either side import it cheaply).

`ALARMS` is the whole table (the usage recorder's rows, deployed with it, are in infra/usage_alarms.py);
`infra/monitoring.py` turns each row into a CloudWatch alarm whose alarm and OK actions notify the alarm
topic, missing data counting as not breaching (no run, no alarm) unless the row says otherwise.
`SERVICE_METRIC_ALARMS` is the subset on the function's own EMF metrics (namespace
METRICS_NAMESPACE): their dimensions are literal, so a test can check that the handler emits each
metric under exactly that dimension set. The others watch an AWS namespace whose dimensions name a
resource of the stack; `resource` says which, and the construct fills them in.
"""

from disposer.constants import (
    METRIC_API_THROTTLES,
    METRIC_DISPOSALS_DISABLED,
    METRIC_RUN_ABORTED,
    METRIC_UNREADABLE_LEDGER_ITEMS,
    METRIC_VERSIONS_FAILED,
    METRICS_NAMESPACE,
)
from infra.alarm_model import AGGREGATE_DIMENSIONS, THROTTLES_PER_PERIOD, AlarmSpec, WatchedResource

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
            "Find its report: runs/<runId>/report.json in the reports bucket (stack output ReportsBucketName), or "
            'Logs Insights on the audit trails, filter message = "run report" and level = "ERROR" (abortedReason, '
            "totals, runId); the plan is runs/<runId>/plan.html. If the plan is right, raise the limit in "
            "policies.json, else fix the policy's selection."
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
            "The run function (the API) ended an invocation with an unhandled error: a crash, a timeout or a "
            "setting that does not parse. API errors answered as HTTP 4XX are not counted; the caller got a 5XX "
            "(see Api5xx). Read the function's log group (stack output FunctionLogGroup) around the alarm time, "
            "level ERROR; a timeout shows as Lambda's 'Task timed out' line."
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
        id="ExecutionsFailed",
        metric_name="ExecutionsFailed",
        namespace="AWS/States",
        dimensions=None,
        resource=WatchedResource.STATE_MACHINE,
        statistic="Sum",
        threshold=1,
        comparison="GreaterThanOrEqualToThreshold",
        evaluation_periods=1,
        description=(
            "A run of the run workflow failed. Usually it was aborted (its cap, its breaker, the kill switch, a "
            "changed plan: RunAborted fires too, and a Run Aborted notification went out); else the Start step "
            "refused its event (an unknown policy, a bad detail), or its Report step failed after retries. Open "
            "the execution (stack output RunStateMachineArn; an API run's execution is named after its runId): "
            "the failed state's error and cause say which. An aborted run's report is runs/<runId>/report.json "
            "in the reports bucket. Runs are not retried: once fixed, start the run again."
        ),
    ),
    AlarmSpec(
        id="ExecutionsTimedOut",
        metric_name="ExecutionsTimedOut",
        namespace="AWS/States",
        dimensions=None,
        resource=WatchedResource.STATE_MACHINE,
        statistic="Sum",
        threshold=1,
        comparison="GreaterThanOrEqualToThreshold",
        evaluation_periods=1,
        description=(
            "An execution of the run workflow timed out. The workflow sets no timeout of its own (an approval "
            "that waits past its timeoutSeconds is caught and reported), so Step Functions' own limit ended it: "
            "a run that waited a year. Open the execution (stack output RunStateMachineArn) to see the state it "
            "was in; nothing was disposed after it stopped. Start the run again if it is still wanted."
        ),
    ),
    AlarmSpec(
        id="ExecutionsAborted",
        metric_name="ExecutionsAborted",
        namespace="AWS/States",
        dimensions=None,
        resource=WatchedResource.STATE_MACHINE,
        statistic="Sum",
        threshold=1,
        comparison="GreaterThanOrEqualToThreshold",
        evaluation_periods=1,
        description=(
            "Someone stopped a run (StopExecution: the API, the console or the CLI). If that was meant, nothing "
            "to do. Otherwise find who in CloudTrail (StopExecution on the stack output RunStateMachineArn). What "
            "was disposed before the stop stays disposed and is in the audit trail; the run wrote no report, so "
            "its runs/<runId>/ files in the reports bucket are all there is. Start the run again if it is wanted."
        ),
    ),
)

SERVICE_METRIC_ALARMS: tuple[AlarmSpec, ...] = tuple(spec for spec in ALARMS if spec.namespace == METRICS_NAMESPACE)
