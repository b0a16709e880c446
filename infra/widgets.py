"""Dashboard building blocks: the service's metrics (aggregate, per policy, by SEARCH), graphs, a function's row."""

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_

from disposer.constants import (
    METRIC_DIMENSIONS_BREAKDOWN,
    METRIC_VERSIONS_DISPOSED,
    METRIC_VERSIONS_FAILED,
    METRIC_VERSIONS_KEPT,
    METRIC_VERSIONS_PLANNED,
    METRICS_NAMESPACE,
    SERVICE_NAME,
)
from infra.alarm_model import AGGREGATE_DIMENSIONS

PERIOD, DEFAULT_INTERVAL = Duration.minutes(5), Duration.days(7)
WIDTH, HEIGHT = 24, 6  # a dashboard row is 24 units wide

VERSION_METRICS: tuple[tuple[str, str], ...] = (
    (METRIC_VERSIONS_DISPOSED, "disposed"), (METRIC_VERSIONS_FAILED, "failed"),
    (METRIC_VERSIONS_KEPT, "kept"), (METRIC_VERSIONS_PLANNED, "planned"),
)  # fmt: skip
# Dynamic labels of SEARCH results, from the breakdown dimensions.
POLICY_LABEL, ERROR_CODE_LABEL = "${PROP('Dim.policy')} (${PROP('Dim.trigger')})", "${PROP('Dim.errorCode')}"


def service_metric(name: str, *, statistic: str = "Sum", label: str | None = None) -> cloudwatch.Metric:
    """A service metric under the aggregate dimension set [service] (all policies, all triggers)."""
    return cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map=dict(AGGREGATE_DIMENSIONS),
        statistic=statistic,
        period=PERIOD,
        label=label,
    )


def search_expression(name: str, dimensions: Sequence[str], *, statistic: str = "Sum") -> str:
    """CloudWatch SEARCH over one service metric under exactly `dimensions` (one series per value set)."""
    schema = ",".join((METRICS_NAMESPACE, *dimensions))
    query = f'{{{schema}}} MetricName="{name}" service="{SERVICE_NAME}"'
    return f"SEARCH('{query}', '{statistic}', {int(PERIOD.to_seconds())})"


def per_policy(name: str, *, statistic: str = "Sum") -> cloudwatch.MathExpression:
    """One series per (policy, trigger): the breakdown dimension set [service, policy, trigger]."""
    return cloudwatch.MathExpression(
        expression=search_expression(name, METRIC_DIMENSIONS_BREAKDOWN, statistic=statistic),
        label=POLICY_LABEL,
        period=PERIOD,
    )


def graph(
    title: str,
    left: Sequence[cloudwatch.IMetric],
    *,
    width: int = 8,
    right: Sequence[cloudwatch.IMetric] = (),
    annotations: Sequence[cloudwatch.HorizontalAnnotation] = (),
    stacked: bool = False,
) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(
        title=title,
        left=list(left),
        right=list(right) or None,
        left_annotations=list(annotations) or None,
        left_y_axis=cloudwatch.YAxisProps(min=0),
        stacked=stacked,
        width=width,
        height=HEIGHT,
    )


def function_widgets(
    function: lambda_.IFunction,
    name: str,
    *,
    width: int,
    concurrency_limit: cloudwatch.HorizontalAnnotation | None = None,
) -> list[cloudwatch.IWidget]:
    """A function's errors and throttles, duration, and concurrency (the run function and the steps function)."""
    return [
        graph(
            f"{name} errors / throttles",
            [
                function.metric_errors(period=PERIOD, label="errors"),
                function.metric_throttles(period=PERIOD, label="throttles"),
            ],
            width=width,
        ),
        graph(
            f"{name} duration (ms)",
            [
                function.metric_duration(period=PERIOD, statistic="p50", label="p50"),
                function.metric_duration(period=PERIOD, statistic="Maximum", label="max"),
            ],
            width=width,
        ),
        graph(
            f"{name} concurrency",
            [function.metric("ConcurrentExecutions", period=PERIOD, statistic="Maximum", label="max concurrent")],
            annotations=[concurrency_limit] if concurrency_limit else (),
            width=width,
        ),
    ]
