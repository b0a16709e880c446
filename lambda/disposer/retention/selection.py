"""Which versions a policy selects, and the publish-time cutoffs its age rules need: one check for the engine,
the bound and discovery alike."""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from disposer.model.packages import DISPOSABLE_STATUSES, PackageRef, VersionSummary
from disposer.model.plans import Rule
from disposer.model.quarantine import QuarantineRecord
from disposer.retention.policy import RetentionPolicy
from disposer.retention.quarantine import selection_status


def require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware (the run's clock, UTC)")


def older_cutoff(policy: RetentionPolicy, now: datetime) -> datetime | None:
    days = policy.select.older_than_days
    return None if days is None else now - timedelta(days=days)


def newer_cutoff(policy: RetentionPolicy, now: datetime) -> datetime | None:
    days = policy.keep.newer_than_days
    older_than = policy.select.older_than_days
    if days is None or (older_than is not None and days <= older_than):
        # Every candidate is older than olderThanDays, so none can be newer than a shorter keep window:
        # the rule can never decide, and resolving its cutoff would only cost describes.
        return None
    return now - timedelta(days=days)


def policy_cutoffs(policy: RetentionPolicy, now: datetime) -> tuple[datetime, ...]:
    """The publish-time cutoffs the policy needs resolved per package, newest first, no duplicates."""
    require_aware(now)
    cutoffs = {c for c in (older_cutoff(policy, now), newer_cutoff(policy, now)) if c is not None}
    return tuple(sorted(cutoffs, reverse=True))


def not_selected(
    policy: RetentionPolicy, version: VersionSummary, record: QuarantineRecord | None = None
) -> tuple[Rule, str] | None:
    """Why `select` does not take the version, ages aside (its status, pattern or origin), or None if it does.

    A version in this policy's quarantine is judged by the status it had when it was archived.
    """
    select = policy.select
    status = selection_status(record, version)
    if status not in DISPOSABLE_STATUSES or status not in select.statuses:
        return Rule.NOT_SELECTED_STATUS, f"kept: not selected (status {version.status})"
    if not select.matches_version(version.version):
        return Rule.NOT_SELECTED_VERSION_PATTERN, "kept: not selected (version does not match select.versionPattern)"
    if version.origin_type not in select.origins:
        return Rule.NOT_SELECTED_ORIGIN, f"kept: not selected (origin {version.origin_type})"
    return None


def needs_ages(
    policy: RetentionPolicy,
    ref: PackageRef,
    versions: Iterable[VersionSummary],
    quarantine: Mapping[str, QuarantineRecord] | None = None,
) -> bool:
    """True if planning this package needs its age cutoffs resolved (saves describes when not).

    Ages matter only for versions selected by status (the one before quarantine, for a quarantined
    version), pattern and origin; a package with none (or a policy without age rules) plans identically
    without them.
    """
    has_age_rules = policy.select.older_than_days is not None or policy.keep.newer_than_days is not None
    if not has_age_rules or not policy.matches_package(ref):
        return False
    records = quarantine or {}
    return any(not_selected(policy, v, records.get(v.version)) is None for v in versions)
