"""How many versions a listed package can lose at most, before its ages are known: what lets a run start
disposing before its plan is finished (runs/pipeline.py's early start)."""

from dataclasses import replace
from datetime import datetime

from disposer.retention.engine import PackageVersions, plan_package, ranked
from disposer.retention.policy import RetentionPolicy
from disposer.retention.selection import policy_cutoffs


def disposal_bound(
    package: PackageVersions, policy: RetentionPolicy, now: datetime, *, trusted_now: datetime | None = None
) -> int:
    """The most versions any plan of this listed package can dispose or archive, before its ages are known.

    Every version is taken to be older than every cutoff (an age only ever keeps a version: olderThanDays
    selects fewer, keep.newerThanDays keeps more), and keep.latest is counted, not placed: which versions
    it keeps can depend on the publish times (versions published at the same instant, versions found to
    have none), how many cannot. Of the versions it ranks now (`ranked`), the finished plan keeps at
    least min(latest, len(ranked)): its newest ranked ones, and every one found without a publish time.
    At most `ranked - changes` of those are versions not counted here anyway; the rest come off the
    bound. The plan made once the ages are known writes a subset of these changes, that many fewer.
    """
    unranked = policy.model_copy(update={"keep": policy.keep.model_copy(update={"latest": None})})
    oldest = (
        package if package.times_known else replace(package, newer_counts=dict.fromkeys(policy_cutoffs(policy, now), 0))
    )
    plan = plan_package(oldest, unranked, now, trusted_now=trusted_now)
    changes = {item.version for item in plan.changes}
    latest = policy.keep.latest or 0
    if not latest or not changes:
        return len(changes)
    ordered = oldest.versions
    counted = {ordered[position].version for position in ranked(oldest, policy, ordered)}
    return len(changes) - max(0, min(latest, len(counted)) - len(counted - changes))
