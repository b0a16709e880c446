"""The audit trail: one structured record per version outcome, one summary per run, and their metrics."""

import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from disposer.codeartifact.disposal import OutcomeSink, VersionOutcome
from disposer.codeartifact.types import PackageRef
from disposer.observability import logger
from disposer.retention.engine import Plan

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
    # Packages are applied on several threads; the counts and bytes are shared.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Asset bytes of the versions disposed, when their sizes were measured before disposal.
    bytes_reclaimed: int | None = None

    def sink(
        self,
        ref: PackageRef,
        reasons: Mapping[str, str] | None = None,
        before: Mapping[str, str] | None = None,
        sizes: Mapping[str, int] | None = None,
        revisions: Mapping[str, str] | None = None,
    ) -> OutcomeSink:
        """An outcome sink for one package: `reasons` says why each version was disposed, `before` the
        status each had when the plan saw it, `sizes` its asset bytes (measured before disposal),
        `revisions` the revision each was pinned to (logged when CodeArtifact's answer has none)."""
        reasons, before, revisions = reasons or {}, before or {}, revisions or {}
        if sizes is not None and self.bytes_reclaimed is None:
            self.bytes_reclaimed = 0

        def record(outcome: VersionOutcome) -> None:
            if outcome.revision is None and outcome.version in revisions:
                outcome = replace(outcome, revision=revisions[outcome.version])
            self.record(ref, outcome, reasons.get(outcome.version, REQUESTED_BY_CALLER), before.get(outcome.version))
            if sizes is not None and outcome.succeeded and not self.run.dry_run:
                with self._lock:
                    self.bytes_reclaimed = (self.bytes_reclaimed or 0) + sizes.get(outcome.version, 0)

        return record

    def record(
        self,
        ref: PackageRef,
        outcome: VersionOutcome,
        reason: str = REQUESTED_BY_CALLER,
        status_before: str | None = None,
    ) -> None:
        result = ("would dispose" if self.run.dry_run else "disposed") if outcome.succeeded else "failed"
        with self._lock:
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
            status_before=status_before,
            status=str(outcome.status) if outcome.status else None,
            action="dispose",
            reason=reason,
            outcome=result,
            error_code=outcome.error_code,
            error_message=outcome.error_message,
        )

    def close(self, **figures: Any) -> None:
        """Write the run's summary record: outcome counts and whatever figures the caller adds."""
        logger.info(
            "run summary",
            run_id=self.run.run_id,
            trigger=self.run.trigger,
            caller=self.run.caller,
            dry_run=self.run.dry_run,
            outcomes=dict(self.counts),
            **figures,
        )

    @property
    def disposed(self) -> int:
        return self.counts["disposed"]

    @property
    def failed(self) -> Counter[str]:
        return Counter({code: n for code, n in self.counts.items() if code not in ("disposed", "would dispose")})


# Decisions per "plan" record: even 255-character versions keep a record far below CloudWatch's
# 256 KiB event limit.
PLAN_RECORD_ITEMS = 500


def log_plan(run: RunContext, plan: Plan) -> None:
    """Every decision of a plan, kept or disposed, as compact records: the full plan is in the audit
    trail whatever mode the run has and however many items its API response could show."""
    for package in plan.packages:
        ref = package.ref
        for start in range(0, len(package.items), PLAN_RECORD_ITEMS):
            logger.info(
                "plan",
                audit_plan=True,
                run_id=run.run_id,
                trigger=run.trigger,
                policy=run.policy,
                dry_run=run.dry_run,
                domain=ref.domain,
                repository=ref.repository,
                format=str(ref.format),
                namespace=ref.namespace,
                package=ref.package,
                # [version, revision, status, action, rule] per version; the rule's reason text is in
                # the run report's vocabulary (engine.Rule), its full wording in the item of the API.
                decisions=[
                    [i.version, i.revision, str(i.status), str(i.action), str(i.rule)]
                    for i in package.items[start : start + PLAN_RECORD_ITEMS]
                ],
            )
