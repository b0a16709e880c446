"""The engine's last word on a candidate no rule keeps: dispose it, with a reason naming the rules that selected
it, pinned to the status it was seen in where a status change could change the decision."""

from disposer.model.packages import PackageVersionStatus, VersionSummary
from disposer.model.plans import Action, Rule
from disposer.retention.policy import RetentionPolicy
from disposer.retention.usage import not_downloaded
from disposer.retention.wording import days

Decision = tuple[Action, Rule, str]


def disposal(policy: RetentionPolicy) -> Decision:
    select = policy.select
    because = []
    if select.older_than_days is not None:
        because.append(f"older than {days(select.older_than_days)}")
    if select.version_pattern is not None:
        because.append("matches select.versionPattern")
    unused = not_downloaded(policy)
    if unused is not None:
        because.append(unused)
    if select.older_than_days is not None:
        rule = Rule.DISPOSE_OLDER_THAN
    elif select.version_pattern is not None:
        rule = Rule.DISPOSE_VERSION_PATTERN
    else:
        rule = Rule.DISPOSE_SELECTED
    return Action.DISPOSE, rule, f"dispose: {' and '.join(because) or 'selected'}"


def expected_status(
    action: Action, rule: Rule, version: VersionSummary, pin_status: bool
) -> PackageVersionStatus | None:
    """The status a write is pinned to: an archive always to the one seen, a disposal out of quarantine to
    Archived, any other disposal to the one seen only where a status change could change the decision."""
    if action is Action.ARCHIVE:
        return version.status
    if rule is Rule.DISPOSE_AFTER_QUARANTINE:
        return PackageVersionStatus.ARCHIVED
    return version.status if action is Action.DISPOSE and pin_status else None
