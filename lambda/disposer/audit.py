"""The audit trail: one structured record per version outcome, one summary per run, and their metrics."""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from aws_lambda_powertools.metrics import MetricUnit

from disposer.disposal import OutcomeSink, VersionOutcome
from disposer.observability import VERSIONS_DISPOSED, VERSIONS_FAILED, logger, metrics
from disposer.packages import PackageRef

Trigger = Literal["api", "schedule", "cli"]
REQUESTED_BY_CALLER = "requested by caller"


@dataclass(frozen=True, slots=True)
class RunContext:
    """Who asked for a run and how; carried into every audit record."""

    run_id: str
    trigger: Trigger
    caller: str | None
    dry_run: bool
    policy: str | None = None


@dataclass
class AuditTrail:
    """Receives outcomes as they happen, so a record exists even if the run stops half-way."""

    run: RunContext
    counts: Counter[str] = field(default_factory=Counter)

    def sink(self, ref: PackageRef, reasons: Mapping[str, str] | None = None) -> OutcomeSink:
        """An outcome sink for one package; `reasons` says why each version was disposed."""
        return lambda outcome: self.record(ref, outcome, (reasons or {}).get(outcome.version, REQUESTED_BY_CALLER))

    def record(self, ref: PackageRef, outcome: VersionOutcome, reason: str = REQUESTED_BY_CALLER) -> None:
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
            domain=ref.domain,
            domain_owner=ref.domain_owner,
            repository=ref.repository,
            format=str(ref.format),
            namespace=ref.namespace,
            package=ref.package,
            version=outcome.version,
            revision=outcome.revision,
            status=str(outcome.status) if outcome.status else None,
            action="dispose",
            reason=reason,
            outcome=result,
            error_code=outcome.error_code,
            error_message=outcome.error_message,
        )

    def close(self, *, emit_summary: bool = True) -> None:
        """Write the run's summary record (unless the caller writes a fuller one) and, for a real run, its
        metrics (a dry run changes nothing)."""
        if emit_summary:
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
