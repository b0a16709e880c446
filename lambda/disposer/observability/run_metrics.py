"""Run metrics in EMF (namespace CodeArtifactDisposal): one line per run, aggregated and per policy.

Every run's figures are published under two dimension sets: `[service]`, which the alarms watch
(any policy, any trigger), and `[service, policy, trigger]` for the dashboard's breakdown. Failed
versions are also published per error code. Dimension values stay low-cardinality: policy names come
from the policies file, triggers are api, schedule or cli, error codes are a short enumeration.
"""

from collections import Counter
from dataclasses import dataclass, field

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit, single_metric

from disposer.constants import (
    METRIC_API_THROTTLES,
    METRIC_BYTES_RECLAIMED,
    METRIC_DISPOSALS_DISABLED,
    METRIC_QUARANTINE_DISPOSALS,
    METRIC_RUN_ABORTED,
    METRIC_RUN_DURATION,
    METRIC_RUNS,
    METRIC_UNREADABLE_LEDGER_ITEMS,
    METRIC_USAGE_UNKNOWN,
    METRIC_VERSIONS_ARCHIVED,
    METRIC_VERSIONS_DISPOSED,
    METRIC_VERSIONS_FAILED,
    METRIC_VERSIONS_HELD,
    METRIC_VERSIONS_KEPT,
    METRIC_VERSIONS_PLANNED,
    METRICS_NAMESPACE,
    SERVICE_NAME,
)
from disposer.model.outcomes import ARCHIVED, DISPOSED
from disposer.model.plans import Rule
from disposer.model.report import RunReportBody


@dataclass(frozen=True)
class RunFigures:
    """What one run did, in the units the alarms and the dashboard use (made from its report)."""

    trigger: str
    policy: str
    planned: int = 0
    kept: int = 0
    disposed: int = 0
    archived: int = 0
    # Planned disposals of versions whose quarantine is over, and versions kept by a hold.
    quarantine_disposals: int = 0
    held: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    bytes_reclaimed: int | None = None
    throttles: int = 0
    duration_seconds: float = 0.0
    aborted: bool = False
    # The kill switch stopped the run's writes (all of them, or those left when it was flipped).
    disposals_disabled: bool = False
    # Candidates kept because usage was unknown (keep.downloadedWithinDays across a gap in the trail's coverage).
    usage_unknown: int = 0


def figures_of(body: RunReportBody) -> RunFigures:
    """A run report's figures in the units metrics are published in."""
    failed = Counter({code: n for code, n in body.outcomes.items() if code not in (DISPOSED, ARCHIVED)})
    return RunFigures(
        trigger=body.trigger,
        policy=body.policy,
        planned=body.totals.dispose + body.totals.archive,
        kept=body.totals.keep,
        disposed=body.outcomes.get(DISPOSED, 0),
        archived=body.outcomes.get(ARCHIVED, 0),
        quarantine_disposals=body.totals.rules.get(Rule.DISPOSE_AFTER_QUARANTINE, 0),
        held=body.totals.rules.get(Rule.KEEP_HOLD, 0),
        failed=failed,
        bytes_reclaimed=body.bytes_reclaimed,
        throttles=body.throttles,
        duration_seconds=body.duration_seconds,
        aborted=body.aborted,
        disposals_disabled=body.disposals_disabled,
        usage_unknown=body.totals.rules.get(Rule.KEEP_USAGE_UNKNOWN, 0),
    )


def emit_run_metrics(run: RunFigures) -> None:
    """Print the run's EMF lines (CloudWatch turns them into metrics; no API call, no extra latency)."""
    emf = EphemeralMetrics(namespace=METRICS_NAMESPACE, service=SERVICE_NAME)
    emf.add_dimensions(service=SERVICE_NAME, policy=run.policy, trigger=run.trigger)
    emf.add_metric(name=METRIC_RUNS, unit=MetricUnit.Count, value=1)
    emf.add_metric(name=METRIC_VERSIONS_PLANNED, unit=MetricUnit.Count, value=run.planned)
    emf.add_metric(name=METRIC_VERSIONS_KEPT, unit=MetricUnit.Count, value=run.kept)
    emf.add_metric(name=METRIC_VERSIONS_DISPOSED, unit=MetricUnit.Count, value=run.disposed)
    emf.add_metric(name=METRIC_VERSIONS_FAILED, unit=MetricUnit.Count, value=sum(run.failed.values()))
    emf.add_metric(name=METRIC_VERSIONS_ARCHIVED, unit=MetricUnit.Count, value=run.archived)
    emf.add_metric(name=METRIC_QUARANTINE_DISPOSALS, unit=MetricUnit.Count, value=run.quarantine_disposals)
    emf.add_metric(name=METRIC_VERSIONS_HELD, unit=MetricUnit.Count, value=run.held)
    emf.add_metric(name=METRIC_API_THROTTLES, unit=MetricUnit.Count, value=run.throttles)
    emf.add_metric(name=METRIC_RUN_DURATION, unit=MetricUnit.Seconds, value=round(run.duration_seconds, 3))
    emf.add_metric(name=METRIC_RUN_ABORTED, unit=MetricUnit.Count, value=int(run.aborted))
    emf.add_metric(name=METRIC_DISPOSALS_DISABLED, unit=MetricUnit.Count, value=int(run.disposals_disabled))
    if run.usage_unknown:
        # Only where it happened: a policy without the usage rule publishes no such metric at all.
        emf.add_metric(name=METRIC_USAGE_UNKNOWN, unit=MetricUnit.Count, value=run.usage_unknown)
    if run.bytes_reclaimed is not None:
        emf.add_metric(name=METRIC_BYTES_RECLAIMED, unit=MetricUnit.Bytes, value=run.bytes_reclaimed)
    emf.flush_metrics()
    for code, count in sorted(run.failed.items()):
        with single_metric(
            name=METRIC_VERSIONS_FAILED,
            unit=MetricUnit.Count,
            value=count,
            namespace=METRICS_NAMESPACE,
            default_dimensions={"service": SERVICE_NAME},
        ) as metric:
            metric.add_dimension(name="errorCode", value=code)


def count_unreadable_items(count: int) -> None:
    """One EMF line: ledger items a request met that do not parse (the UnreadableLedgerItems alarm)."""
    with single_metric(
        name=METRIC_UNREADABLE_LEDGER_ITEMS,
        unit=MetricUnit.Count,
        value=count,
        namespace=METRICS_NAMESPACE,
        default_dimensions={"service": SERVICE_NAME},
    ):
        pass
