"""Disposing named versions of one package: chunking, SKIPPED retries, dry-run prediction."""

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from disposer.codeartifact.client import BatchOutcome, CodeArtifactGateway
from disposer.codeartifact.types import PackageRef, PackageVersionErrorCode, PackageVersionStatus
from disposer.constants import MAX_VERSIONS_PER_CALL
from disposer.errors import CodeArtifactError


@dataclass(frozen=True, slots=True)
class VersionOutcome:
    """What happened (or, in a dry run, would happen) to one version."""

    version: str
    succeeded: bool
    revision: str | None = None
    status: str | None = None
    error_code: str | None = None
    error_message: str | None = None


OutcomeSink = Callable[[VersionOutcome], None]

# Our own per-version codes, beside CodeArtifact's PackageVersionErrorCode values.
NOT_ATTEMPTED = "NOT_ATTEMPTED"
NOT_REPORTED = "NOT_REPORTED"


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def dispose_versions(
    gateway: CodeArtifactGateway,
    ref: PackageRef,
    versions: Sequence[str],
    *,
    revisions: Mapping[str, str] | None = None,
    expected_status: PackageVersionStatus | None = None,
    deadline: float | None = None,
    sink: OutcomeSink,
) -> list[VersionOutcome]:
    """Dispose `versions` in calls of 100, reporting every outcome to `sink` as soon as it is known.

    CodeArtifact answers a batch all-or-nothing: one failing version turns the rest into SKIPPED. Those
    are retried without the failed ones, so one bad version never blocks the others. A whole-call
    failure before any outcome is known is raised (nothing happened); after that, the versions not yet
    done are reported failed with the AWS error code, so no outcome already known is ever hidden.
    No call starts after `deadline` (time.monotonic()); versions left are reported NOT_ATTEMPTED.
    """
    outcomes: list[VersionOutcome] = []

    def emit(outcome: VersionOutcome) -> None:
        outcomes.append(outcome)
        sink(outcome)

    def fail_rest(code: str, message: str) -> None:
        done = {outcome.version for outcome in outcomes}
        for version in versions:
            if version not in done:
                emit(VersionOutcome(version, False, error_code=code, error_message=message))

    for chunk in _chunks(versions, MAX_VERSIONS_PER_CALL):
        try:
            _dispose_chunk(gateway, ref, chunk, revisions, expected_status, emit, deadline)
        except _DeadlineReached:
            fail_rest(NOT_ATTEMPTED, "not attempted: the request's time budget ran out; nothing was sent for it")
            break
        except CodeArtifactError as error:
            if not outcomes:
                raise
            fail_rest(error.code, error.message)
            break
    return outcomes


class _DeadlineReached(Exception):
    pass


def _dispose_chunk(
    gateway: CodeArtifactGateway,
    ref: PackageRef,
    chunk: Sequence[str],
    revisions: Mapping[str, str] | None,
    expected_status: PackageVersionStatus | None,
    emit: OutcomeSink,
    deadline: float | None,
) -> None:
    pending = list(chunk)
    while True:
        if deadline is not None and time.monotonic() >= deadline:
            raise _DeadlineReached
        batch = gateway.dispose(ref, pending, revisions=revisions, expected_status=expected_status)
        skipped: list[str] = []
        for version in pending:
            if version in batch.successful:
                revision, status = batch.successful[version]
                emit(VersionOutcome(version, True, revision=revision, status=status))
            elif version in batch.failed:
                code, message = batch.failed[version]
                if code == PackageVersionErrorCode.SKIPPED:
                    skipped.append(version)
                else:
                    emit(VersionOutcome(version, False, error_code=code, error_message=message))
            else:
                emit(VersionOutcome(version, False, error_code=NOT_REPORTED, error_message=_unreported(batch)))
        if len(skipped) == len(pending):
            # Nothing failed for real, so a retry would get the same answer: report what AWS said.
            for version in skipped:
                emit(VersionOutcome(version, False, error_code="SKIPPED", error_message=batch.failed[version][1]))
            return
        if not skipped:
            return
        # Strictly fewer versions each round (at least one was answered), so the loop ends.
        pending = skipped


def _unreported(batch: BatchOutcome) -> str:
    answered = sorted({*batch.successful, *batch.failed})
    return f"CodeArtifact's answer did not mention this version (it answered for: {', '.join(answered[:10])})"


def predict_disposal(
    gateway: CodeArtifactGateway,
    ref: PackageRef,
    versions: Sequence[str],
    *,
    revisions: Mapping[str, str] | None = None,
    expected_status: PackageVersionStatus | None = None,
    sink: OutcomeSink,
) -> list[VersionOutcome]:
    """Dry run: what `dispose_versions` would do, from one listing of the package; writes nothing.

    The checks and messages are CodeArtifact's own, in its order (existence, revision, status); a
    successful prediction reports the version's current revision and status.
    """
    current = {summary.version: summary for summary in gateway.list_versions(ref).versions}
    outcomes: list[VersionOutcome] = []
    for version in versions:
        summary = current.get(version)
        wanted_revision = (revisions or {}).get(version)
        if summary is None:
            outcome = VersionOutcome(
                version, False, error_code="NOT_FOUND", error_message=f"Could not find version {version}"
            )
        elif wanted_revision is not None and wanted_revision != summary.revision:
            outcome = VersionOutcome(
                version,
                False,
                error_code="MISMATCHED_REVISION",
                error_message=f"current revision: {summary.revision}, expected revision: {wanted_revision}",
            )
        elif expected_status is not None and expected_status != summary.status:
            outcome = VersionOutcome(
                version,
                False,
                error_code="MISMATCHED_STATUS",
                error_message=f"current status: {summary.status}, expected status: {expected_status}",
            )
        else:
            outcome = VersionOutcome(version, True, revision=summary.revision, status=summary.status)
        outcomes.append(outcome)
        sink(outcome)
    return outcomes


def measure_sizes(gateway: CodeArtifactGateway, ref: PackageRef, versions: Sequence[str]) -> dict[str, int]:
    """Asset bytes per version, read before disposal deletes them (one ListPackageVersionAssets each).

    A version whose assets cannot be listed (it does not exist, say) counts 0: measuring never blocks
    or changes a disposal.
    """
    sizes: dict[str, int] = {}
    for version in versions:
        try:
            sizes[version] = gateway.asset_bytes(ref, version)
        except CodeArtifactError:
            sizes[version] = 0
    return sizes
