"""The plan as a page shows it: its decisions, the publish times the run learnt, and versions that were never
candidates (already Disposed, Deleted, Unfinished) apart."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from disposer.model.packages import DISPOSABLE_STATUSES
from disposer.model.report import RunItem, RunReportBody

# Why most versions have no publish time: said wherever "unknown" is shown.
UNKNOWN_TIME_REASON = (
    "publish time unknown: CodeArtifact lists versions without one, and a run describes only the few "
    "versions that place its age cutoffs (or reads the ones an earlier run described from the ledger)"
)
NOT_CANDIDATE = "not a candidate"

ItemKey = tuple[str, str, str | None, str, str]


def item_key(item: RunItem) -> ItemKey:
    return (item.repository, str(item.format), item.namespace, item.package, item.version)


def is_candidate(item: RunItem) -> bool:
    """False for a version no policy can dispose: its status is Disposed, Deleted or Unfinished already."""
    return item.status is None or item.status in DISPOSABLE_STATUSES


def shown_action(item: RunItem) -> str:
    """keep, dispose, archive, or `not a candidate` (kept only in the sense that nothing can dispose it)."""
    return item.action if is_candidate(item) else NOT_CANDIDATE


@dataclass(frozen=True)
class PlanView:
    """A run's report with its decisions, the publish times known, and where the policy points."""

    body: RunReportBody
    published: dict[ItemKey, datetime] = field(default_factory=dict)
    domain: str | None = None
    domain_owner: str | None = None

    def published_of(self, item: RunItem) -> datetime | None:
        moment = self.published.get(item_key(item))
        # The report's items carry what the run learnt; the CLI's view adds what its plan items hold.
        return moment if moment is not None else item.published_time

    def age_days(self, item: RunItem) -> int | None:
        moment = self.published_of(item)
        return None if moment is None else (self.body.as_of - moment).days

    def not_candidates(self) -> Counter[str]:
        """Versions listed as kept that were never candidates, per status."""
        return Counter(str(item.status) for item in self.body.items if not is_candidate(item))

    @property
    def keep_candidates(self) -> int:
        """Kept versions that a policy could have disposed (the totals' keep, less the non-candidates)."""
        return self.body.totals.keep - sum(self.not_candidates().values())
