"""Disposing named versions of one package: chunking, SKIPPED retries, dry-run prediction."""

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from disposer.aws_types import PackageVersionErrorCode, PackageVersionStatus
from disposer.constants import MAX_VERSIONS_PER_CALL
from disposer.errors import CodeArtifactError
from disposer.gateway import CodeArtifactGateway
from disposer.packages import PackageRef


@dataclass(frozen=True, slots=True)
class VersionOutcome:
    """What happened (or, in a dry run, would happen) to one version."""

    version: str
    succeeded: bool
    revision: str | None = None
    status: PackageVersionStatus | None = None
    error_code: str | None = None
    error_message: str | None = None


OutcomeSink = Callable[[VersionOutcome], None]


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
    sink: OutcomeSink,
) -> list[VersionOutcome]:
    """Dispose `versions` in calls of 100, reporting every outcome to `sink` as soon as it is known.

    CodeArtifact answers a batch all-or-nothing: one failing version turns the rest into SKIPPED. Those
    are retried without the failed ones, so one bad version never blocks the others. A whole-call
    failure before any outcome is known is raised (nothing happened); after that, the versions not yet
    done are reported failed with the AWS error code, so no outcome already known is ever hidden.
    """
    outcomes: list[VersionOutcome] = []

    def emit(outcome: VersionOutcome) -> None:
        outcomes.append(outcome)
        sink(outcome)

    done: set[str] = set()
    for chunk in _chunks(versions, MAX_VERSIONS_PER_CALL):
        try:
            _dispose_chunk(gateway, ref, chunk, revisions, expected_status, emit, done)
        except CodeArtifactError as error:
            if not outcomes:
                raise
            for version in versions:
                if version not in done:
                    emit(VersionOutcome(version, False, error_code=error.code, error_message=error.message))
            break
    return outcomes


def _dispose_chunk(
    gateway: CodeArtifactGateway,
    ref: PackageRef,
    chunk: Sequence[str],
    revisions: Mapping[str, str] | None,
    expected_status: PackageVersionStatus | None,
    emit: OutcomeSink,
    done: set[str],
) -> None:
    pending = list(chunk)
    # Each round drops at least one hard failure from `pending`, so the loop ends within len(chunk) rounds.
    while pending:
        batch = gateway.dispose(ref, pending, revisions=revisions, expected_status=expected_status)
        for version, (revision, status) in batch.successful.items():
            emit(VersionOutcome(version, True, revision=revision, status=status))
            done.add(version)
        skipped = [v for v in pending if batch.failed.get(v, ("",))[0] == PackageVersionErrorCode.SKIPPED]
        hard = {v: f for v, f in batch.failed.items() if f[0] != PackageVersionErrorCode.SKIPPED}
        retry = bool(hard) and bool(skipped)
        for version, (code, message) in batch.failed.items():
            if retry and version in skipped:
                continue
            emit(VersionOutcome(version, False, error_code=code, error_message=message))
            done.add(version)
        pending = skipped if retry else []


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
