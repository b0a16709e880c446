"""The audit trail: one record per version outcome and compact records of every plan decision.

Records are Powertools Logger JSON lines with their fields at the top level, read by the stack's saved
Logs Insights queries (infra/queries.py): keep the field names stable.
"""

from typing import TYPE_CHECKING, Any

from disposer.model.runs import RunContext
from disposer.observability import logger

if TYPE_CHECKING:
    from disposer.model.holds import Hold, UnreadableHold
    from disposer.model.outcomes import VersionOutcome
    from disposer.model.packages import PackageRef
    from disposer.model.plans import PackagePlan, Plan

# Decisions per "plan" record: even 255-character versions keep a record far below CloudWatch's
# 256 KiB event limit.
PLAN_RECORD_ITEMS = 500


def _coordinates(ref: "PackageRef") -> dict[str, Any]:
    """A package's fields in the audit records that name one (a version outcome, a hold)."""
    return {
        "domain": ref.domain,
        "domain_owner": ref.domain_owner,
        "repository": ref.repository,
        "format": str(ref.format),
        "namespace": ref.namespace,
        "package": ref.package,
    }


def record_outcome(run: RunContext, outcome: "VersionOutcome") -> None:
    """One `version outcome` record: who, what, why, and what CodeArtifact answered."""
    item = outcome.item
    ref = item.ref
    if not outcome.succeeded:
        result = "failed"
    elif run.dry_run:
        result = f"would {item.action}"
    else:
        result = outcome.label  # "disposed", or "archived" for quarantine
    logger.info(
        "version outcome",
        audit=True,
        run_id=run.run_id,
        trigger=run.trigger,
        policy=run.policy,
        caller=run.caller,
        dry_run=run.dry_run,
        **_coordinates(ref),
        version=item.version,
        # CodeArtifact's answer has no revision on a failure: the one the disposal was pinned to, then.
        revision=outcome.revision or item.revision,
        status_before=None if item.status is None else str(item.status),
        status=outcome.status,
        action=str(item.action),
        reason=item.reason,
        outcome=result,
        error_code=outcome.error_code,
        error_message=outcome.error_message,
    )


def record_plan(run: RunContext, plan: "Plan") -> None:
    """Every decision of a plan, kept or disposed, as compact records: the full plan is in the audit
    trail whatever mode the run has and however many items its API response could show."""
    for package in plan.packages:
        record_package_plan(run, package)


def record_package_plan(run: RunContext, package: "PackagePlan") -> None:
    """One package's decisions, written as soon as it is planned (before any of its disposals)."""
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
            # [version, revision, status, action, rule] per version; the rule's full wording is in
            # the item of the API's run report.
            decisions=[
                [i.version, i.revision, str(i.status), str(i.action), str(i.rule)]
                for i in package.items[start : start + PLAN_RECORD_ITEMS]
            ],
        )


def record_hold(message: str, hold: "Hold", *, removed_by: str | None = None, override: bool = False) -> None:
    """A hold placed or removed: who, on what, until when, why, and (removed) by whom (an audit record)."""
    logger.info(
        message,
        audit=True,
        hold_id=hold.hold_id,
        **_coordinates(hold.ref),
        version=hold.version,
        until=hold.until.isoformat(),
        reason=hold.reason,
        created_by=hold.created_by,
        removed_by=removed_by,
        override=override,
    )


def record_unreadable_hold(message: str, entry: "UnreadableHold", *, removed_by: str | None = None) -> None:
    """An item of the holds partition that does not parse: met (an error) or removed by the override."""
    coordinates = {} if entry.ref is None else _coordinates(entry.ref)
    log = logger.error if removed_by is None else logger.info
    log(
        message,
        audit=True,
        hold_id=entry.hold_id,
        problem=entry.problem,
        holds_every_version=entry.ref is not None,
        **coordinates,
        removed_by=removed_by,
        override=removed_by is not None,
    )


def record_run(
    message: str,
    *,
    run_id: str,
    policy: str,
    requested_by: str | None,
    decided_by: str | None,
    plan_digest: str | None,
    **fields: Any,
) -> None:
    """A workflow run requested, approved or rejected: the run, who asked for it and who decided (an audit record)."""
    logger.info(
        message,
        audit=True,
        run_id=run_id,
        policy=policy,
        requested_by=requested_by,
        decided_by=decided_by,
        plan_digest=plan_digest,
        **fields,
    )
