"""Parts of a workflow run that never kept their outcomes (an invocation that crashed or timed out, retries
run out, a write of the outcomes that failed): what became of each of their versions, read from CodeArtifact.

Such a part may have written some of its versions before it stopped. Each version is reported as it is
now: disposed (or archived) if it is in that status at the revision the plan pinned, and otherwise
NOT_ATTEMPTED, not disposed; when its package cannot be read, NOT_ATTEMPTED saying the outcome is not
known. Each gets its `version outcome` record here.
"""

from collections import Counter
from collections.abc import Iterable

from disposer.errors import CodeArtifactError, DeadlineExceededError
from disposer.model.outcomes import OutcomeCode, VersionOutcome
from disposer.model.packages import PackageVersionStatus, VersionSummary
from disposer.model.plans import Action, PlanItem
from disposer.model.runs import RunContext
from disposer.observability.audit import record_outcome
from disposer.ports import CodeArtifact
from disposer.runs.staged import by_package

NOT_FINISHED = "not disposed: its part never got a final answer (see the execution's ApplyParts map run)"
NOT_KNOWN = "its part never got a final answer and the package could not be read: the outcome is not known"
# The status a version has once the plan's write happened.
_WRITTEN = {Action.DISPOSE: PackageVersionStatus.DISPOSED, Action.ARCHIVE: PackageVersionStatus.ARCHIVED}


def settle(context: RunContext, codeartifact: CodeArtifact, items: Iterable[PlanItem]) -> Counter[str]:
    """Each item's outcome as CodeArtifact shows it now, recorded; the counts by outcome label."""
    counts: Counter[str] = Counter()
    for package in by_package(list(items)):
        try:
            now = {v.version: v for v in codeartifact.list_versions(package.ref).versions}
        except (CodeArtifactError, DeadlineExceededError):
            now = None
        for item in package.items:
            outcome = _outcome(item, now)
            record_outcome(context, outcome)
            counts[outcome.label] += 1
    return counts


def _outcome(item: PlanItem, now: dict[str, VersionSummary] | None) -> VersionOutcome:
    if now is None:
        return VersionOutcome.failure(item, OutcomeCode.NOT_ATTEMPTED, NOT_KNOWN)
    found = now.get(item.version)
    written = _WRITTEN.get(item.action)
    if found is not None and found.status is written and found.revision == item.revision:
        # An archive of a version Archived already is not told apart: it is counted archived, as planned.
        return VersionOutcome(item, True, revision=item.revision, status=str(written))
    return VersionOutcome.failure(item, OutcomeCode.NOT_ATTEMPTED, NOT_FINISHED)
