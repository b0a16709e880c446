"""The audit trail: one structured record per version outcome, one summary per run, and their metrics."""

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from aws_lambda_powertools.metrics import MetricUnit

from disposer.disposal import VersionOutcome
from disposer.observability import VERSIONS_DISPOSED, VERSIONS_FAILED, logger, metrics
from disposer.packages import PackageRef

Trigger = Literal["api", "schedule"]


@dataclass(frozen=True, slots=True)
class RunContext:
    """Who asked for a run and how; carried into every audit record."""

    run_id: str
    trigger: Trigger
    caller: str | None
    dry_run: bool
    policy: str | None = None
    reason: str = "requested by caller"


@dataclass
class AuditTrail:
    """Receives outcomes as they happen, so a record exists even if the run stops half-way."""

    run: RunContext
    ref: PackageRef
    counts: Counter[str] = field(default_factory=Counter)

    def __call__(self, outcome: VersionOutcome) -> None:
        result = ("would dispose" if self.run.dry_run else "disposed") if outcome.succeeded else "failed"
        self.counts[outcome.error_code or result] += 1
        logger.info(
            "version outcome",
            audit=True,
            run_id=self.run.run_id,
            trigger=self.run.trigger,
            policy=self.run.policy,
            caller=self.run.caller,
            dry_run=self.run.dry_run,
            domain=self.ref.domain,
            domain_owner=self.ref.domain_owner,
            repository=self.ref.repository,
            format=str(self.ref.format),
            namespace=self.ref.namespace,
            package=self.ref.package,
            version=outcome.version,
            revision=outcome.revision,
            status=str(outcome.status) if outcome.status else None,
            action="dispose",
            reason=self.run.reason,
            outcome=result,
            error_code=outcome.error_code,
            error_message=outcome.error_message,
        )

    def close(self) -> None:
        """Write the run's summary record and, for a real run, its metrics (a dry run changes nothing)."""
        logger.info(
            "run summary",
            run_id=self.run.run_id,
            trigger=self.run.trigger,
            caller=self.run.caller,
            dry_run=self.run.dry_run,
            outcomes=dict(self.counts),
        )
        if self.run.dry_run:
            return
        failed = sum(n for key, n in self.counts.items() if key != "disposed")
        metrics.add_dimension(name="trigger", value=self.run.trigger)
        metrics.add_metric(name=VERSIONS_DISPOSED, unit=MetricUnit.Count, value=self.counts["disposed"])
        metrics.add_metric(name=VERSIONS_FAILED, unit=MetricUnit.Count, value=failed)
