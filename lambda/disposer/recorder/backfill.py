"""A backfill: CloudTrail's event history read into the ledger an hour at a time, for the hours before the
recorder was deployed (or any the trail's files left uncovered).

Hours are read oldest first, each to its last page (LookupEvents, trail/history.py). Each hour's latest
download of each version is written once the hour has been read, or as far as it was read: those are real
downloads, and a download only ever keeps a version. Only an hour read to its last page with no error is
covered (`hour_backfilled`). An hour cut short is not, and:
- by the invocation's time running out (no attempt could end inside it): the backfill stops there, and
  `next` is that hour;
- by an error that may heal (EventHistoryUnavailableError: throttled after every retry, a fault, no answer):
  the hour is reported failed and the next one read, unless MAX_FAILED_IN_A_ROW hours failed in a row (the
  service is down, or others use the whole quota: every further hour would fail too), when the backfill
  stops and `next` is the hour after the last one tried;
- by a refusal (EventHistoryRefusedError) or the ledger failing (LedgerError): raised.
Reading an hour again changes nothing: a download is written only if later than the version's last one, and
an hour's coverage item is the same each time.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from disposer.errors import DeadlineExceededError, DisposerError, EventHistoryUnavailableError
from disposer.observability import logger
from disposer.ports import EventHistory, UsageStore
from disposer.recorder.files import Latest, keep_latest, write_latest
from disposer.usage.cloudtrail import DOWNLOAD_EVENTS, DownloadScope
from disposer.usage.history import HOUR, HourRange, read_event

# What an invocation keeps back from Lambda's timeout: botocore's longest backoff between two attempts (20 s),
# then the last hour's writes and the answer.
BACKFILL_MARGIN_SECONDS = 35.0
MAX_FAILED_IN_A_ROW = 3


@dataclass(frozen=True, slots=True)
class FailedHour:
    """An hour read in part, or not at all, because event history failed; it stays uncovered."""

    hour: datetime
    code: str
    message: str


@dataclass
class BackfillResult:
    """What one backfill did: hours covered, downloads that moved a version's last download forward, where to go
    on (None: the range was read to its end), the hours that failed, and what it read."""

    hours_covered: int = 0
    downloads_recorded: int = 0
    next: datetime | None = None
    failed: list[FailedHour] = field(default_factory=list)
    pages: int = 0
    events: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Backfill:
    """Event history read into the ledger for what counts as a download (`scope`), `threads` writes at once."""

    store: UsageStore
    history: EventHistory
    scope: DownloadScope
    threads: int = 8

    def run(self, hours: HourRange) -> BackfillResult:
        """Read every hour of `hours`, oldest first, until the range or the invocation's time ends."""
        result = BackfillResult()
        in_a_row = 0
        for hour in hours.hours():
            cut = self._hour(hour, result)
            if isinstance(cut, DeadlineExceededError):
                logger.info("backfill stopped: the invocation's time is up", next=hour.isoformat())
                result.next = hour
                return result
            if cut is None:
                in_a_row = 0
                continue
            result.failed.append(FailedHour(hour, cut.code, cut.message))
            logger.warning("backfill hour failed", hour=hour.isoformat(), error_code=cut.code, error=cut.message)
            in_a_row += 1
            if in_a_row >= MAX_FAILED_IN_A_ROW:
                # Stopped for the service's sake; the hours from the next one on were not tried.
                result.next = hour + HOUR if hour + HOUR < hours.end else None
                return result
        return result

    def _hour(self, hour: datetime, result: BackfillResult) -> DisposerError | None:
        """Read one hour into the ledger; what cut it short (None: it is covered)."""
        latest: Latest = {}
        cut: DisposerError | None = None
        try:
            self._read(hour, latest, result)
        except (DeadlineExceededError, EventHistoryUnavailableError) as error:
            cut = error
        finally:
            # Whatever was read is written, even on the way out with a refusal.
            result.downloads_recorded += write_latest(self.store, latest, self.threads)
        if cut is None:
            self.store.hour_backfilled(hour)
            result.hours_covered += 1
            logger.debug("hour backfilled", hour=hour.isoformat(), versions_downloaded=len(latest))
        return cut

    def _read(self, hour: datetime, latest: Latest, result: BackfillResult) -> None:
        """Every page of the hour's download events (each kind: a package manager's read, an asset fetched
        through the API), each event kept if it is its version's latest yet."""
        for event_name in DOWNLOAD_EVENTS:
            token: str | None = None
            while True:
                page = self.history.downloads_page(event_name, hour, hour + HOUR, token)
                result.pages += 1
                result.events += len(page.events)
                for text in page.events:
                    keep_latest(latest, result.skipped, read_event(text, self.scope))
                token = page.next_token
                if token is None:
                    break
