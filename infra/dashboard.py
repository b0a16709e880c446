"""The service's CloudWatch dashboard: run figures (aggregate, per policy), the run workflow, Lambda, API, audit log,
and the usage recorder where a trail is configured."""

from collections.abc import Sequence

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn

from disposer.constants import (
    METRIC_API_THROTTLES,
    METRIC_BYTES_RECLAIMED,
    METRIC_DIGESTS_READ,
    METRIC_DIMENSIONS_BREAKDOWN,
    METRIC_DIMENSIONS_BY_ERROR,
    METRIC_DISPOSALS_DISABLED,
    METRIC_DOWNLOADS_RECORDED,
    METRIC_QUARANTINE_DISPOSALS,
    METRIC_RUN_ABORTED,
    METRIC_RUN_DURATION,
    METRIC_RUNS,
    METRIC_TRAIL_FILES_READ,
    METRIC_TRAIL_FILES_UNREADABLE,
    METRIC_TRAIL_RECORDS_SKIPPED,
    METRIC_UNREADABLE_LEDGER_ITEMS,
    METRIC_USAGE_UNKNOWN,
    METRIC_VERSIONS_ARCHIVED,
    METRIC_VERSIONS_FAILED,
    METRIC_VERSIONS_HELD,
    METRICS_NAMESPACE,
    SERVICE_NAME,
)
from infra.alarm_model import RUNBOOK, THROTTLES_PER_PERIOD
from infra.queries import LATEST_DISPOSALS
from infra.usage import UsageRecorder
from infra.usage_alarms import QUEUE_AGE_SECONDS
from infra.widgets import (
    ERROR_CODE_LABEL,
    PERIOD,
    VERSION_METRICS,
    WIDTH,
    function_widgets,
    graph,
    per_policy,
    search_expression,
    service_metric,
)
from infra.workflow_definition import APPLY_PARTS_LABEL, PLAN_SHARDS_LABEL

# The executions graphed for the run workflow and for each Map's child executions.
EXECUTION_METRICS: tuple[tuple[str, str], ...] = (
    ("ExecutionsStarted", "started"), ("ExecutionsSucceeded", "succeeded"), ("ExecutionsFailed", "failed"),
    ("ExecutionsAborted", "aborted"), ("ExecutionsTimedOut", "timed out"),
)  # fmt: skip


def executions(state_machine_arn: str, *, title: str, width: int = 8) -> cloudwatch.GraphWidget:
    """Executions of one state machine ARN, by outcome (AWS/States, Sum)."""
    return graph(
        title,
        [
            cloudwatch.Metric(
                namespace="AWS/States",
                metric_name=name,
                dimensions_map={"StateMachineArn": state_machine_arn},
                statistic="Sum",
                period=PERIOD,
                label=label,
            )
            for name, label in EXECUTION_METRICS
        ],
        width=width,
    )


def workflow_row(state_machine: sfn.IStateMachine) -> list[cloudwatch.IWidget]:
    """The run executions, then each Map's child executions (their metrics carry `<machine ARN>/<Label>`)."""
    arn = state_machine.state_machine_arn
    return [
        executions(arn, title="Run workflow executions"),
        executions(f"{arn}/{PLAN_SHARDS_LABEL}", title="Map runs: shards planned (PlanShards)"),
        executions(f"{arn}/{APPLY_PARTS_LABEL}", title="Map runs: parts applied (ApplyParts)"),
    ]


def usage_rows(usage: UsageRecorder) -> list[list[cloudwatch.IWidget]]:
    """The usage recorder: what it reads and records, its queues, the runs it left unsure, and its function."""
    files = [
        service_metric(METRIC_TRAIL_FILES_READ, label="files read"),
        service_metric(METRIC_TRAIL_FILES_UNREADABLE, label="files unreadable"),
        service_metric(METRIC_TRAIL_RECORDS_SKIPPED, label="records skipped"),
    ]
    queues = [
        usage.queue.metric_approximate_age_of_oldest_message(period=PERIOD, statistic="Maximum", label="oldest (s)")
    ]
    dead_letters = [
        usage.dead_letter_queue.metric_approximate_number_of_messages_visible(
            period=PERIOD, statistic="Maximum", label="dead letters"
        )
    ]
    row: list[cloudwatch.IWidget] = [
        graph(
            "Usage: digests read / downloads recorded",
            [service_metric(METRIC_DIGESTS_READ, label="digests read")],
            right=[service_metric(METRIC_DOWNLOADS_RECORDED, label="downloads recorded")],
            width=6,
        ),
        graph("Usage: trail files", files, width=6),
        graph(
            "Usage: queue age / dead letters",
            queues,
            right=dead_letters,
            annotations=[cloudwatch.HorizontalAnnotation(value=QUEUE_AGE_SECONDS, label="alarm threshold")],
            width=6,
        ),
        graph(
            "Kept: usage unknown",
            [service_metric(METRIC_USAGE_UNKNOWN, label="versions (all)"), per_policy(METRIC_USAGE_UNKNOWN)],
            width=6,
        ),
    ]
    return [row, function_widgets(usage.recorder.function, "Usage recorder", width=8)]


# Longer than 50 lines: the dashboard's widgets, one declaration each, in the order they are laid out.
def dashboard_widgets(
    *,
    function: lambda_.IFunction,
    steps: lambda_.IFunction,
    state_machine: sfn.IStateMachine,
    log_groups: Sequence[logs.ILogGroup],
    api_stage: apigw.Stage,
    alarms: Sequence[cloudwatch.IAlarm],
    steps_concurrency: int,
    usage: UsageRecorder | None = None,
) -> list[list[cloudwatch.IWidget]]:
    """The dashboard, row by row; `log_groups` are the audit trails, `steps_concurrency` the Maps' most."""
    header = cloudwatch.TextWidget(
        markdown=(
            f"# {SERVICE_NAME}\n"
            f"Run metrics: namespace `{METRICS_NAMESPACE}`, all policies under `[service]`, per policy under "
            f"`[{', '.join(METRIC_DIMENSIONS_BREAKDOWN)}]`. What each alarm means and what to do: `{RUNBOOK}`."
        ),
        width=WIDTH,
        height=2,
    )
    alarm_status = cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(alarms), width=WIDTH, height=3)

    runs: list[cloudwatch.IWidget] = [
        graph("Runs", [service_metric(METRIC_RUNS, label="runs (all)"), per_policy(METRIC_RUNS)]),
        graph(
            "Versions (all policies)",
            [service_metric(name, label=label) for name, label in VERSION_METRICS],
        ),
        graph("Bytes reclaimed", [service_metric(METRIC_BYTES_RECLAIMED, label="bytes")]),
    ]
    per_policy_row: list[cloudwatch.IWidget] = [
        graph(f"Versions {label} per policy", [per_policy(name)], width=WIDTH // len(VERSION_METRICS))
        for name, label in VERSION_METRICS
    ]
    health: list[cloudwatch.IWidget] = [
        graph(
            "CodeArtifact throttles (retried)",
            [service_metric(METRIC_API_THROTTLES, label="ThrottlingException answers")],
            annotations=[cloudwatch.HorizontalAnnotation(value=THROTTLES_PER_PERIOD, label="alarm threshold")],
        ),
        graph(
            "Run duration (s)",
            [
                service_metric(METRIC_RUN_DURATION, statistic="p50", label="p50"),
                service_metric(METRIC_RUN_DURATION, statistic="Maximum", label="max"),
            ],
        ),
        graph(
            "Runs aborted / failed versions by error code",
            [service_metric(METRIC_RUN_ABORTED, label="runs aborted")],
            right=[
                cloudwatch.MathExpression(
                    expression=search_expression(METRIC_VERSIONS_FAILED, METRIC_DIMENSIONS_BY_ERROR),
                    label=ERROR_CODE_LABEL,
                    period=PERIOD,
                )
            ],
        ),
    ]
    safety: list[cloudwatch.IWidget] = [
        graph(
            "Kept by a hold",
            [service_metric(METRIC_VERSIONS_HELD, label="versions held"), per_policy(METRIC_VERSIONS_HELD)],
        ),
        graph(
            "Quarantine",
            [
                service_metric(METRIC_VERSIONS_ARCHIVED, label="archived (quarantined)"),
                service_metric(METRIC_QUARANTINE_DISPOSALS, label="disposed out of quarantine"),
            ],
        ),
        graph(
            "Kill switch, unreadable hold items",
            [
                service_metric(METRIC_DISPOSALS_DISABLED, label="runs and requests stopped by the switch"),
                service_metric(METRIC_UNREADABLE_LEDGER_ITEMS, label="unreadable hold items met"),
            ],
        ),
    ]
    lambda_row = function_widgets(function, "Run function (API)", width=8)
    steps_row: list[cloudwatch.IWidget] = [
        *function_widgets(
            steps,
            "Steps function",
            width=6,
            concurrency_limit=cloudwatch.HorizontalAnnotation(
                value=steps_concurrency, label="max(planConcurrency, workerConcurrency)"
            ),
        ),
        graph(
            "Run workflow duration (ms)",
            [
                cloudwatch.Metric(
                    namespace="AWS/States",
                    metric_name="ExecutionTime",
                    dimensions_map={"StateMachineArn": state_machine.state_machine_arn},
                    statistic=statistic,
                    period=PERIOD,
                    label=label,
                )
                for statistic, label in (("p50", "p50"), ("Maximum", "max"))
            ],
            width=6,
        ),
    ]
    api_row: list[cloudwatch.IWidget] = [
        graph("API requests", [api_stage.metric_count(period=PERIOD, statistic="Sum", label="requests")]),
        graph(
            "API errors",
            [
                api_stage.metric_client_error(period=PERIOD, statistic="Sum", label="4XX"),
                api_stage.metric_server_error(period=PERIOD, statistic="Sum", label="5XX"),
            ],
        ),
        graph(
            "API latency (ms)",
            [
                api_stage.metric_latency(period=PERIOD, statistic="p50", label="p50"),
                api_stage.metric_latency(period=PERIOD, statistic="p90", label="p90"),
                api_stage.metric_latency(period=PERIOD, statistic="Maximum", label="max"),
            ],
        ),
    ]
    latest = cloudwatch.LogQueryWidget(
        title=LATEST_DISPOSALS.title,
        log_group_names=[group.log_group_name for group in log_groups],
        query_lines=list(LATEST_DISPOSALS.lines),
        view=cloudwatch.LogQueryVisualizationType.TABLE,
        width=WIDTH,
        height=8,
    )
    return [
        [header],
        [alarm_status],
        runs,
        per_policy_row,
        health,
        safety,
        workflow_row(state_machine),
        steps_row,
        lambda_row,
        api_row,
        *(usage_rows(usage) if usage is not None else []),
        [latest],
    ]
