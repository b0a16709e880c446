"""What a write did to each version: CodeArtifact's per-version answer and the service's own outcome codes."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from disposer.model.plans import Action, PlanItem


class OutcomeCode(StrEnum):
    """Our own per-version codes, beside CodeArtifact's PackageVersionErrorCode values."""

    # No call was sent for the version: the invocation's time budget ran out first.
    NOT_ATTEMPTED = "NOT_ATTEMPTED"
    # CodeArtifact answered the call but said nothing of the version.
    NOT_REPORTED = "NOT_REPORTED"
    # Not sent: the plan that chose the version is older than its time-to-live (a stale plan never disposes).
    EXPIRED = "EXPIRED"
    # Not sent: the kill switch was off (before the run's writes, or flipped while they went).
    DISPOSALS_DISABLED = "DISPOSALS_DISABLED"
    # Not sent: a hold covers the version (placed before the plan or since).
    HELD = "HELD"


DISPOSED = "disposed"
ARCHIVED = "archived"


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """Per-version result of one batch call: `successful` maps version -> (revision, status)."""

    successful: Mapping[str, tuple[str | None, str]]
    failed: Mapping[str, tuple[str, str]]


@dataclass(frozen=True, slots=True)
class VersionOutcome:
    """What happened (or, in a dry run, would happen) to one planned version."""

    item: PlanItem
    succeeded: bool
    # CodeArtifact's answer: the version's revision and status after the call.
    revision: str | None = None
    status: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    # True if the same disposal may succeed later unchanged (a throttle, a fault, time running out).
    transient: bool = False
    # Asset bytes the disposal freed (None: not measured).
    size: int | None = None

    @property
    def label(self) -> str:
        """ "disposed" (or "archived", for quarantine), or the error code: how reports count outcomes."""
        if self.succeeded:
            return ARCHIVED if self.item.action is Action.ARCHIVE else DISPOSED
        return self.error_code or "UNKNOWN"

    @classmethod
    def failure(cls, item: PlanItem, code: str, message: str, *, transient: bool = False) -> "VersionOutcome":
        return cls(item, False, error_code=code, error_message=message, transient=transient)


OutcomeSink = Callable[[VersionOutcome], None]


def switch_stop_reason(outcomes: Mapping[str, int]) -> str | None:
    """Why a run counts as stopped by the kill switch, from its outcome counts (None: it was not)."""
    stopped = outcomes.get(OutcomeCode.DISPOSALS_DISABLED, 0)
    return f"disposals were disabled while the run wrote: {stopped} versions not sent" if stopped else None
