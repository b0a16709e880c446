"""Disposing planned versions of one package: sizes, calls of 100, SKIPPED retries, and dry-run prediction."""

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from disposer.constants import MAX_VERSIONS_PER_CALL
from disposer.errors import CodeArtifactError, DeadlineExceededError, DisposalsDisabledError
from disposer.model.outcomes import BatchOutcome, OutcomeCode, OutcomeSink, VersionOutcome
from disposer.model.packages import PackageRef, PackageVersionErrorCode, PackageVersionStatus
from disposer.model.plans import Action, PlanItem
from disposer.ports import CodeArtifact


def _chunks(items: Sequence[PlanItem], size: int) -> Iterator[Sequence[PlanItem]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


GroupKey = tuple[PackageRef, PackageVersionStatus | None, Action]


def _call_groups(items: Sequence[PlanItem]) -> dict[GroupKey, list[PlanItem]]:
    """One group per package, pinned status and action: each group is sent with its own expectedStatus,
    disposals to DisposePackageVersions and archives to UpdatePackageVersionsStatus."""
    groups: dict[GroupKey, list[PlanItem]] = {}
    for item in items:
        groups.setdefault((item.ref, item.expected_status, item.action), []).append(item)
    return groups


def dispose_items(
    codeartifact: CodeArtifact,
    items: Sequence[PlanItem],
    *,
    sink: OutcomeSink,
    measure: bool = False,
    measure_threads: int = 1,
    raise_first_refusal: bool = False,
) -> None:
    """Dispose (or, for archive items, archive) `items`, pinned as each says, in calls of 100, reporting
    every outcome to `sink` as it is known.

    With `measure`, each call's versions have their asset bytes read just before it (what
    BytesReclaimed counts), `measure_threads` at a time. CodeArtifact answers a batch all-or-nothing:
    one failing version turns the rest into SKIPPED, and those are retried without the failed ones, so
    one bad version never blocks the others. A whole call refused (the package deleted, say) fails its
    versions with the AWS error code and the rest go on; with `raise_first_refusal`, a refusal before
    any outcome is known is raised instead (nothing happened: an API caller gets the error itself).
    Once the budget has run out, the versions left are reported NOT_ATTEMPTED, and once the kill switch
    is off, DISPOSALS_DISABLED: nothing is sent for them.
    """
    answered: set[PlanItem] = set()

    def emit(outcome: VersionOutcome) -> None:
        answered.add(outcome.item)
        sink(outcome)

    for (_, _, action), group in _call_groups(items).items():
        # An archive frees no bytes (they go when the version is disposed after its quarantine).
        measured = measure and action is Action.DISPOSE
        try:
            for chunk in _chunks(group, MAX_VERSIONS_PER_CALL):
                sizes = measure_sizes(codeartifact, chunk, threads=measure_threads) if measured else None
                _dispose_chunk(codeartifact, chunk, sizes, emit)
        except DeadlineExceededError as error:
            _unanswered(group, answered, emit, OutcomeCode.NOT_ATTEMPTED, f"not attempted: {error.message}", True)
        except DisposalsDisabledError as error:
            _unanswered(group, answered, emit, OutcomeCode.DISPOSALS_DISABLED, error.message, False)
        except CodeArtifactError as error:
            if raise_first_refusal and not answered:
                raise
            _unanswered(group, answered, emit, error.code, error.message, error.transient)


def _unanswered(
    group: Sequence[PlanItem], answered: set[PlanItem], emit: OutcomeSink, code: str, message: str, transient: bool
) -> None:
    """Every item of `group` without an outcome yet fails with `code` (nothing was sent for it)."""
    for item in group:
        if item not in answered:
            emit(VersionOutcome.failure(item, code, message, transient=transient))


def _dispose_chunk(
    codeartifact: CodeArtifact,
    chunk: Sequence[PlanItem],
    sizes: Mapping[PlanItem, int] | None,
    emit: OutcomeSink,
) -> None:
    pending = list(chunk)
    ref, expected_status = chunk[0].ref, chunk[0].expected_status
    call = codeartifact.archive if chunk[0].action is Action.ARCHIVE else codeartifact.dispose
    while True:
        by_version = {item.version: item for item in pending}
        batch = call(
            ref,
            list(by_version),
            revisions={item.version: item.revision for item in pending if item.revision is not None},
            expected_status=expected_status,
        )
        skipped: list[PlanItem] = []
        for version, item in by_version.items():
            if version in batch.successful:
                revision, status = batch.successful[version]
                size = None if sizes is None else sizes.get(item, 0)
                emit(VersionOutcome(item, True, revision=revision, status=status, size=size))
            elif version in batch.failed:
                code, message = batch.failed[version]
                if code == PackageVersionErrorCode.SKIPPED:
                    skipped.append(item)
                else:
                    emit(VersionOutcome.failure(item, code, message))
            else:
                emit(VersionOutcome.failure(item, OutcomeCode.NOT_REPORTED, _unreported(batch)))
        if len(skipped) == len(pending):
            # Nothing failed for real, so a retry would get the same answer: report what AWS said.
            for item in skipped:
                emit(VersionOutcome.failure(item, PackageVersionErrorCode.SKIPPED, batch.failed[item.version][1]))
            return
        if not skipped:
            return
        # Strictly fewer versions each round (at least one was answered), so the loop ends.
        pending = skipped


def _unreported(batch: BatchOutcome) -> str:
    answered = sorted({*batch.successful, *batch.failed})
    return f"CodeArtifact's answer did not mention this version (it answered for: {', '.join(answered[:10])})"


def predict_items(codeartifact: CodeArtifact, items: Sequence[PlanItem], *, sink: OutcomeSink) -> None:
    """Dry run: what `dispose_items` would do, from one listing per package; writes nothing.

    The checks and messages are CodeArtifact's own, in its order (existence, revision, status); a
    successful prediction reports the version's current revision and status.
    """
    for (ref, _, _), group in _call_groups(items).items():
        current = {summary.version: summary for summary in codeartifact.list_versions(ref).versions}
        for item in group:
            summary = current.get(item.version)
            if summary is None:
                outcome = VersionOutcome.failure(
                    item, PackageVersionErrorCode.NOT_FOUND, f"Could not find version {item.version}"
                )
            elif item.revision is not None and item.revision != summary.revision:
                outcome = VersionOutcome.failure(
                    item,
                    PackageVersionErrorCode.MISMATCHED_REVISION,
                    f"current revision: {summary.revision}, expected revision: {item.revision}",
                )
            elif item.expected_status is not None and item.expected_status != summary.status:
                outcome = VersionOutcome.failure(
                    item,
                    PackageVersionErrorCode.MISMATCHED_STATUS,
                    f"current status: {summary.status}, expected status: {item.expected_status}",
                )
            else:
                outcome = VersionOutcome(item, True, revision=summary.revision, status=summary.status)
            sink(outcome)


def measure_sizes(codeartifact: CodeArtifact, items: Sequence[PlanItem], *, threads: int = 1) -> dict[PlanItem, int]:
    """Asset bytes per version, read before disposal deletes them (one ListPackageVersionAssets each,
    `threads` at a time).

    A version whose assets cannot be listed (it does not exist, say) counts 0: measuring never blocks
    or changes a disposal. Running out of time does stop it (DeadlineExceededError is raised).
    """

    def size(item: PlanItem) -> int:
        try:
            return codeartifact.asset_bytes(item.ref, item.version)
        except DeadlineExceededError:
            raise
        except CodeArtifactError:
            return 0

    if threads <= 1:
        return {item: size(item) for item in items}
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="measure") as pool:
        return dict(zip(items, pool.map(size, items), strict=True))
