"""One trail file into the ledger: a log file's downloads, then the file as processed; a digest's coverage.

A log file counts as processed only once read whole and its downloads written: a file that stops short
(TrailFileUnreadableError) has what it held before the fault written (they are real downloads, and a
download only ever keeps a version) and is never counted, so its hour stays uncovered and a run keeps
its candidates. Within a file only the latest download of each version is written (memory grows with the
distinct versions, not the records), on `threads` writes at once.
"""

from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from disposer import clock
from disposer.errors import TrailFileUnreadableError
from disposer.model.packages import PackageRef
from disposer.model.usage import Download
from disposer.observability import logger
from disposer.ports import TrailFiles, UsageStore
from disposer.recorder.notices import TrailObject
from disposer.usage.cloudtrail import DownloadScope, Skipped, TrailDownload, read_download
from disposer.usage.digest import read_digest
from disposer.usage.keys import TrailFileKind, TrailLayout, classify_key
from disposer.usage.stream import read_records

Latest = dict[tuple[PackageRef, str], Download]
# Clocks differ by seconds, not this much.
FUTURE_TOLERANCE = timedelta(minutes=5)


@dataclass
class Tally:
    """What one invocation did, in the recorder's metrics' units."""

    files_read: int = 0
    files_unreadable: int = 0
    records_skipped: int = 0
    downloads_recorded: int = 0
    digests_read: int = 0
    ignored_objects: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Recorder:
    """The deployment's trail (bucket, layout), what counts as a download, and where both are read and written."""

    store: UsageStore
    files: TrailFiles
    bucket: str | None
    layout: TrailLayout
    scope: DownloadScope
    threads: int = 8

    def record(self, announced: TrailObject, tally: Tally) -> None:
        """Read one announced object into the ledger if it is one of the trail's files (else ignore it).
        TrailFileUnreadableError if it cannot be read; TrailUnavailableError or LedgerError to try again."""
        found = classify_key(announced.key, self.layout)
        if found is None or (self.bucket is not None and announced.bucket != self.bucket):
            tally.ignored_objects += 1
            logger.debug("object ignored", bucket=announced.bucket, key=announced.key)
            return
        if found.kind is TrailFileKind.DIGEST:
            self._digest(announced, tally)
        else:
            self._log_file(announced, tally)

    def _digest(self, announced: TrailObject, tally: Tally) -> None:
        digest = read_digest(self.files.chunks(announced.bucket, announced.key), announced.key)
        if digest.end > clock.now() + FUTURE_TOLERANCE:
            # CloudTrail writes a digest after its hour: one that ends later would vouch for hours not yet seen.
            raise TrailFileUnreadableError(f"{announced.key} is not a CloudTrail digest: it ends in the future")
        self.store.digest_processed(announced.key, digest.start, digest.end, digest.log_files)
        tally.digests_read += 1
        logger.info("digest read", key=announced.key, start=digest.start.isoformat(), listed=len(digest.log_files))

    def _log_file(self, announced: TrailObject, tally: Tally) -> None:
        latest: Latest = {}
        skipped: Counter[str] = Counter()
        fault: TrailFileUnreadableError | None = None
        records = 0
        try:
            for record in read_records(self.files.chunks(announced.bucket, announced.key), announced.key):
                records += 1
                keep_latest(latest, skipped, read_download(record, self.scope))
        except TrailFileUnreadableError as error:
            fault = error
        recorded = write_latest(self.store, latest, self.threads)
        tally.downloads_recorded += recorded
        tally.records_skipped += skipped[Skipped.MALFORMED]
        tally.skipped.update(skipped)
        if fault is not None:
            raise fault
        self.store.log_file_processed(announced.key)
        tally.files_read += 1
        logger.info(
            "log file read",
            key=announced.key,
            records=records,
            versions_downloaded=len(latest),
            downloads_recorded=recorded,
            skipped=dict(skipped),
        )


def write_latest(store: UsageStore, latest: Mapping[tuple[PackageRef, str], Download], threads: int) -> int:
    """Write each version's latest download, `threads` at once; how many moved a version's last download forward."""
    if not latest:
        return 0
    with ThreadPoolExecutor(max_workers=max(1, min(threads, len(latest)))) as pool:
        moved = pool.map(lambda item: store.record_download(item[0][0], item[0][1], item[1]), latest.items())
        return sum(moved)


def keep_latest(latest: Latest, skipped: Counter[str], found: TrailDownload | Skipped) -> None:
    """Count `found` in `skipped` if it is no download, else keep it if it is its version's latest yet."""
    if isinstance(found, Skipped):
        skipped[found] += 1
        return
    key = (found.ref, found.version)
    known = latest.get(key)
    if known is None or found.download.at > known.at:
        latest[key] = found.download
