"""Quarantine as the engine sees it: a record per version a policy archived, and what it means now.

A run archives a candidate (action `archive`) and the ledger records it: the revision and status it
had, and the run's clock as the start. A later run finds it in one of three states:

- in quarantine: still Archived at that revision, never seen otherwise: kept until `graceDays` have
  passed since the start, then disposed (pinned to the revision and to `Archived`). It is judged by the
  status it had when quarantined, so a policy of Published versions still selects it;
- restored: found in another status or at another revision, now or by an earlier run: someone brought
  it back, and the policy keeps it from then on (even if it is archived again);
- none: not quarantined by this policy.
"""

from datetime import datetime, timedelta
from enum import Enum

from disposer.model.packages import PackageVersionStatus, VersionSummary
from disposer.model.plans import Action, Rule
from disposer.model.quarantine import QuarantineRecord
from disposer.retention.wording import days


class QuarantineState(Enum):
    NONE = "none"
    IN_QUARANTINE = "in-quarantine"
    RESTORED = "restored"


def state_of(record: QuarantineRecord | None, version: VersionSummary) -> QuarantineState:
    if record is None:
        return QuarantineState.NONE
    if record.restored_at is not None:
        return QuarantineState.RESTORED
    if version.status is not PackageVersionStatus.ARCHIVED or version.revision != record.revision:
        return QuarantineState.RESTORED
    return QuarantineState.IN_QUARANTINE


def selection_status(record: QuarantineRecord | None, version: VersionSummary) -> PackageVersionStatus:
    """The status `select.statuses` judges: the one it had when quarantined, while it is in quarantine."""
    if record is not None and state_of(record, version) is QuarantineState.IN_QUARANTINE:
        return record.status_before
    return version.status


def quarantine_decision(
    grace_days: int, record: QuarantineRecord | None, state: QuarantineState, trusted: datetime
) -> tuple[Action, Rule, str]:
    """What the quarantine says of a candidate no keep rule kept: archive it (not yet quarantined), keep it (in
    quarantine), or dispose it (its grace passed)."""
    # The grace is measured on the function's own clock, from the start it recorded: a caller's clock
    # (an event's time, --as-of) can make versions look younger, never shorten a quarantine.
    if state is QuarantineState.NONE or record is None:
        return Action.ARCHIVE, Rule.ARCHIVE_QUARANTINE, f"archive: quarantine for {days(grace_days)} before disposal"
    due = record.since + timedelta(days=grace_days)
    if due <= trusted:
        return (
            Action.DISPOSE,
            Rule.DISPOSE_AFTER_QUARANTINE,
            f"dispose: in quarantine since {record.since.date().isoformat()}, {days(grace_days)} or more",
        )
    return (
        Action.KEEP,
        Rule.KEEP_IN_QUARANTINE,
        f"kept: in quarantine since {record.since.date().isoformat()}, disposed from {due.date().isoformat()}",
    )
