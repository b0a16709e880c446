"""What the run pipeline and the safety use cases need of the outside world, as Protocols.

The adapters implement them (codeartifact/client.py, ledger/table.py, safety's switch over SSM, the run
workflow's state machine in stepfunctions/machine.py); the tests' fakes implement them too, so both
type-check against the same contract.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from disposer.budget import Budget
from disposer.model.dependencies import Dependency, VersionDependencies
from disposer.model.executions import Execution
from disposer.model.holds import Hold, UnreadableHold
from disposer.model.memory import RememberedTimes, VersionRevision
from disposer.model.outcomes import BatchOutcome
from disposer.model.packages import PackageFormat, PackageListing, PackageRef, PackageVersionStatus
from disposer.model.quarantine import QuarantineRecord
from disposer.model.usage import Covered, Download, HistoryPage


class CallCount(Protocol):
    """Calls made per CodeArtifact operation, and throttled attempts."""

    @property
    def calls(self) -> Counter[str]: ...

    @property
    def throttles(self) -> int: ...


class WriteSwitch(Protocol):
    """The kill switch as a write sees it: why writes are off (None: they are on)."""

    def why_off(self) -> str | None: ...

    def check(self) -> None:
        """Raise DisposalsDisabledError unless writes are allowed."""
        ...


class CodeArtifact(Protocol):
    """The CodeArtifact calls a run makes, for one invocation: paced, within its budget, counted."""

    @property
    def threads(self) -> int:
        """How many calls the logic may keep in flight at once."""
        ...

    @property
    def budget(self) -> Budget: ...

    @property
    def switch(self) -> WriteSwitch | None: ...

    @property
    def counter(self) -> CallCount: ...

    def list_repositories(self, domain: str, domain_owner: str | None, prefix: str = "") -> list[str]: ...

    def list_packages(
        self,
        domain: str,
        domain_owner: str | None,
        repository: str,
        *,
        package_format: PackageFormat | None = None,
        namespace_prefix: str = "",
        package_prefix: str = "",
    ) -> list[PackageRef]: ...

    def list_versions(self, ref: PackageRef) -> PackageListing: ...

    def published_time(self, ref: PackageRef, version: str) -> datetime | None: ...

    def asset_bytes(self, ref: PackageRef, version: str) -> int: ...

    def dependencies(self, ref: PackageRef, version: str) -> VersionDependencies:
        """A version's direct dependencies and the revision they were read at (a read, like the listings)."""
        ...

    def dispose(
        self,
        ref: PackageRef,
        versions: Sequence[str],
        *,
        revisions: Mapping[str, str] | None = None,
        expected_status: PackageVersionStatus | None = None,
    ) -> BatchOutcome: ...

    def archive(
        self,
        ref: PackageRef,
        versions: Sequence[str],
        *,
        revisions: Mapping[str, str] | None = None,
        expected_status: PackageVersionStatus | None = None,
    ) -> BatchOutcome: ...


class Ledger(Protocol):
    """The ledger table: holds, quarantine records, remembered publish times."""

    def remembered_times(self, refs: Sequence[PackageRef]) -> Mapping[PackageRef, RememberedTimes]:
        """What is remembered of each package's publish times, read in batches (one request per 100 packages)."""
        ...

    def earlier_times(self, ref: PackageRef) -> RememberedTimes:
        """The publish times an earlier version stored for a package without today's memory."""
        ...

    def store_publish_times(
        self, memories: Mapping[PackageRef, Mapping[VersionRevision, datetime]], *, now: float
    ) -> None:
        """Store packages' remembered publish times, each in place of what was stored."""
        ...

    def quarantine_records(self, ref: PackageRef, policy: str) -> Mapping[str, QuarantineRecord]: ...

    def record_quarantine(self, ref: PackageRef, policy: str, records: Sequence[QuarantineRecord]) -> None: ...

    def mark_restored(self, ref: PackageRef, policy: str, version: str, seen: datetime) -> None: ...

    def put_hold(self, hold: Hold) -> None: ...

    def holds(self, now: datetime) -> list[Hold | UnreadableHold]:
        """Every hold in force at `now`, and every item of the holds partition that does not parse."""
        ...

    def hold_page(
        self, now: datetime, *, limit: int, token: str | None
    ) -> tuple[list[Hold | UnreadableHold], str | None]: ...

    def get_hold(self, hold_id: str) -> Hold | UnreadableHold | None: ...

    def delete_hold(self, hold_id: str) -> Hold | UnreadableHold | None: ...

    def remembered_dependencies(
        self, refs: Sequence[PackageRef]
    ) -> Mapping[PackageRef, Mapping[VersionRevision, tuple[Dependency, ...]]]:
        """What is remembered of each package's versions' dependencies, by (version, revision): read in batches
        (one request per 100 packages). A package whose memory does not decode has none."""
        ...

    def store_dependencies(
        self, memories: Mapping[PackageRef, Mapping[VersionRevision, tuple[Dependency, ...]]], *, now: float
    ) -> None:
        """Store packages' remembered dependencies, each in place of what was stored."""
        ...

    def downloads(self, ref: PackageRef) -> Mapping[str, Download]:
        """The latest download the recorder saw of each of the package's versions, by version (one Query)."""
        ...

    def covered(self, start: datetime, end: datetime) -> Sequence[Covered]:
        """The covered stretches of the trail that overlap [start, end] (digests fully processed, hours
        backfilled)."""
        ...


class UsageStore(Protocol):
    """The ledger as the usage recorder and the backfill write it: downloads, which only move forward, and the
    trail's coverage."""

    def record_download(self, ref: PackageRef, version: str, download: Download) -> bool:
        """Remember `download` if it is later than the version's last one; True if it was (a replay: False)."""
        ...

    def log_file_processed(self, key: str) -> None:
        """A log file was read whole: it counts toward the coverage of the digest that lists it (once)."""
        ...

    def digest_processed(self, key: str, start: datetime, end: datetime, listed: Sequence[str]) -> None:
        """A digest file was read: [start, end) is covered once every log file it lists is processed."""
        ...

    def hour_backfilled(self, start: datetime) -> None:
        """Every event of the hour from `start` was read by a backfill: that hour is covered."""
        ...


class TrailFiles(Protocol):
    """The trail's bucket as the usage recorder reads it: an object's bytes as they arrive."""

    def chunks(self, bucket: str, key: str) -> Iterable[bytes]:
        """The object's bytes in pieces; TrailFileUnreadableError if it is not there, TrailUnavailableError if
        the bucket cannot be read now."""
        ...


class EventHistory(Protocol):
    """CloudTrail's event history as a backfill reads it: the download events (`ReadFromRepository`) of a stretch
    of time, a page at a time."""

    def downloads_page(self, event_name: str, start: datetime, end: datetime, token: str | None) -> HistoryPage:
        """One page of the `event_name` events of [start, end] (`token`: the previous page's, None for the first).
        EventHistoryUnavailableError if it cannot be read now, EventHistoryRefusedError if it is refused,
        DeadlineExceededError if no attempt could end inside the invocation's time."""
        ...


class PackageDirectory(Protocol):
    """Whether a package exists (CodeArtifact, for placing a hold)."""

    def package_exists(self, ref: PackageRef) -> bool: ...


class Workflow(Protocol):
    """The run workflow's state machine: start a run, read and list its executions, answer a waiting approval."""

    def execution_arn(self, name: str) -> str: ...

    def start(self, name: str, document: Mapping[str, Any]) -> str:
        """Start an execution named `name` with `document` as its input; its ARN."""
        ...

    def describe(self, execution_arn: str) -> Execution | None: ...

    def list_executions(
        self, *, status: str | None, limit: int, token: str | None
    ) -> tuple[list[Execution], str | None]: ...

    def send_task_success(self, token: str, output: Mapping[str, Any]) -> None: ...

    def send_task_failure(self, token: str, *, error: str, cause: str) -> None: ...
