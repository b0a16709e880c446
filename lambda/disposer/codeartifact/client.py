"""The only module that talks to CodeArtifact: botocore calls, pagination, pacing, budget, and errors mapped to ours."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.config import Config
from botocore.exceptions import ConnectionClosedError, ReadTimeoutError

from disposer import aws
from disposer.budget import Budget
from disposer.codeartifact.dependencies import DependencyReads
from disposer.codeartifact.pacing import QuotaPacer
from disposer.codeartifact.wire import CallCounter, batch_outcome, batch_params, coordinates, translated_errors
from disposer.errors import DeadlineExceededError, NotFoundError, WriteUnconfirmedError
from disposer.model.outcomes import BatchOutcome
from disposer.model.packages import (
    PackageFormat,
    PackageListing,
    PackageRef,
    PackageVersionOriginType,
    PackageVersionStatus,
    VersionSummary,
)
from disposer.observability import tracer
from disposer.ports import WriteSwitch

# The operations that change a version (the kill switch stops them).
WRITE_OPERATIONS = frozenset({"DisposePackageVersions", "UpdatePackageVersionsStatus"})

if TYPE_CHECKING:
    from mypy_boto3_codeartifact import CodeArtifactClient as Boto3Client

else:
    Boto3Client = Any

# ListPackageVersions returns at most this many versions a page; asking for fewer only adds calls.
LIST_PAGE_SIZE = 1000
_HANDLER_ID = "disposer"


@dataclass(frozen=True, slots=True)
class Timeouts:
    """How long one attempt may take to connect and to be answered: together, the longest an attempt lasts."""

    connect: float = 5.0
    read: float = 15.0

    @property
    def longest(self) -> float:
        return self.connect + self.read


def create_client(
    *,
    endpoint_url: str | None = None,
    max_attempts: int = 5,
    pacer: QuotaPacer | None = None,
    pool: int = 10,
    timeouts: Timeouts = Timeouts(),
) -> Boto3Client:
    """A botocore CodeArtifact client; `endpoint_url` (AWS_ENDPOINT_URL_CODEARTIFACT) points it at the emulator,
    `pacer` holds every attempt to this deployment's share of the account quotas."""
    config = Config(
        max_pool_connections=max(pool, 10),
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        # CodeArtifact answers in well under a second; a stuck connection must not eat the time budget.
        connect_timeout=timeouts.connect,
        read_timeout=timeouts.read,
        user_agent_extra="cadisposer",
    )
    client: Boto3Client = aws.client("codeartifact", endpoint_url=endpoint_url, config=config)
    if pacer is not None:
        client.meta.events.register("before-send.codeartifact", pacer.before_send)
    return client


def _refuse_unanswered_write_retry(event_name: str = "", caught_exception: Any = None, **_: Any) -> None:
    """A write attempt that was sent and then lost (no answer in time, the connection closed) may have been done:
    it is never sent again (botocore would). One that never connected is retried as usual."""
    lost = isinstance(caught_exception, ReadTimeoutError | ConnectionClosedError)
    if event_name.rsplit(".", 1)[-1] in WRITE_OPERATIONS and lost:
        raise WriteUnconfirmedError(
            "WriteUnconfirmed",
            f"CodeArtifact did not answer in time ({caught_exception}): the versions may have been changed; "
            "list them to see (the call is not sent again)",
        )


class CodeArtifactClient(DependencyReads):
    """Thin adapter over botocore CodeArtifact clients for one invocation; it decides nothing.

    Every call it makes is counted. No HTTP attempt (retries included) is sent unless its longest possible
    duration (its client's connect and read timeouts) ends inside `budget`: DeadlineExceededError is raised
    instead, before anything reaches CodeArtifact, so an API request is answered before API Gateway gives
    up and nothing is written after the answer. A write whose attempt was sent but not answered in time is
    never sent again (WriteUnconfirmedError: it may have been done). No write attempt is sent while
    `switch` is off: DisposalsDisabledError is raised instead. `writer` sends the writes, where they get
    longer timeouts than the reads (an API request's). A version's dependencies are read by DependencyReads.
    """

    def __init__(
        self,
        client: Boto3Client,
        *,
        writer: Boto3Client | None = None,
        threads: int = 1,
        budget: Budget | None = None,
        switch: WriteSwitch | None = None,
    ) -> None:
        self._client = client
        self._writer = writer or client
        self.switch = switch
        # How many calls the logic may keep in flight at once (the client's pool is sized to match).
        self.threads = threads
        self.budget = budget or Budget.unlimited()
        self.counter = CallCounter()
        for each in {id(client): client, id(self._writer): self._writer}.values():
            self._hook(each)

    def _hook(self, client: Boto3Client) -> None:
        # Clients are shared across invocations: the newest adapter's hooks replace the previous ones. The
        # budget check is registered after the pacer (added when the client was made), so a send that
        # waited for its quota past the deadline is still stopped.
        # A call stopped by the budget is not counted: the check comes before the counter.
        config: Any = client.meta.config
        longest = float(config.connect_timeout) + float(config.read_timeout)

        def check_attempt(event_name: str = "", **_: Any) -> None:
            self._check_budget(event_name, needs=longest)

        for event, name, handler in (
            ("before-call.codeartifact", "budget", self._check_budget),
            ("before-call.codeartifact", "count", self.counter.record),
            ("needs-retry.codeartifact", "throttles", self.counter.check_throttle),
            ("needs-retry.codeartifact", "unconfirmed", _refuse_unanswered_write_retry),
            ("before-send.codeartifact", "attempt", check_attempt),
            ("before-send.codeartifact", "switch", self._stop_writes_while_off),
        ):
            unique_id = f"{_HANDLER_ID}-{event}-{name}"
            client.meta.events.unregister(event, unique_id=unique_id)
            client.meta.events.register(event, handler, unique_id=unique_id)

    def _check_budget(self, event_name: str = "", needs: float = 0.0, **_: Any) -> None:
        remaining = self.budget.remaining()
        if remaining is not None and (remaining <= 0 or remaining < needs):
            # "before-call.codeartifact.DisposePackageVersions", "before-send.codeartifact.ListPackages"
            operation = event_name.rsplit(".", 1)[-1]
            raise DeadlineExceededError(
                f"{self.budget.describe()}: {operation} was not sent"
                + (f" (an attempt may take {needs:g} s, and {remaining:.1f} s were left)" if needs else "")
            )

    def _stop_writes_while_off(self, event_name: str = "", **_: Any) -> None:
        # Every attempt of a write, retries included: a flip stops the next one.
        if self.switch is not None and event_name.rsplit(".", 1)[-1] in WRITE_OPERATIONS:
            self.switch.check()

    @tracer.capture_method(capture_response=False)
    def dispose(
        self,
        ref: PackageRef,
        versions: Sequence[str],
        *,
        revisions: Mapping[str, str] | None = None,
        expected_status: PackageVersionStatus | None = None,
    ) -> BatchOutcome:
        """One DisposePackageVersions call (at most 100 versions)."""
        params = batch_params(ref, versions, revisions, expected_status)
        with translated_errors():
            response = self._writer.dispose_package_versions(**params)
        return batch_outcome(response, default_status=PackageVersionStatus.DISPOSED)

    @tracer.capture_method(capture_response=False)
    def archive(
        self,
        ref: PackageRef,
        versions: Sequence[str],
        *,
        revisions: Mapping[str, str] | None = None,
        expected_status: PackageVersionStatus | None = None,
    ) -> BatchOutcome:
        """One UpdatePackageVersionsStatus call to Archived (at most 100 versions): quarantine."""
        params = batch_params(ref, versions, revisions, expected_status)
        params["targetStatus"] = str(PackageVersionStatus.ARCHIVED)
        with translated_errors():
            response = self._writer.update_package_versions_status(**params)
        return batch_outcome(response, default_status=PackageVersionStatus.ARCHIVED)

    @tracer.capture_method(capture_response=False)
    def list_repositories(self, domain: str, domain_owner: str | None, prefix: str = "") -> list[str]:
        """Names of the domain's repositories (those starting with `prefix`), 1000 a page."""
        params: dict[str, Any] = {"domain": domain}
        if domain_owner:
            params["domainOwner"] = domain_owner
        if prefix:
            params["repositoryPrefix"] = prefix
        paginator = self._client.get_paginator("list_repositories_in_domain")
        with translated_errors():
            return [
                repository["name"]
                for page in paginator.paginate(**params, PaginationConfig={"PageSize": LIST_PAGE_SIZE})
                for repository in page.get("repositories", [])
            ]

    @tracer.capture_method(capture_response=False)
    def list_packages(
        self,
        domain: str,
        domain_owner: str | None,
        repository: str,
        *,
        package_format: PackageFormat | None = None,
        namespace_prefix: str = "",
        package_prefix: str = "",
    ) -> list[PackageRef]:
        """Packages of a repository, narrowed server-side by format and prefixes, 1000 a page."""
        params: dict[str, Any] = {"domain": domain, "repository": repository}
        if domain_owner:
            params["domainOwner"] = domain_owner
        if package_format is not None:
            params["format"] = str(package_format)
            # CodeArtifact rejects a namespace filter without a format.
            if namespace_prefix:
                params["namespace"] = namespace_prefix
        if package_prefix:
            params["packagePrefix"] = package_prefix
        paginator = self._client.get_paginator("list_packages")
        with translated_errors():
            return [
                PackageRef(
                    domain=domain,
                    domain_owner=domain_owner,
                    repository=repository,
                    format=PackageFormat(item["format"]),
                    namespace=item.get("namespace"),
                    package=item["package"],
                )
                for page in paginator.paginate(**params, PaginationConfig={"PageSize": LIST_PAGE_SIZE})
                for item in page.get("packages", [])
            ]

    @tracer.capture_method(capture_response=False)
    def published_time(self, ref: PackageRef, version: str) -> datetime | None:
        """One DescribePackageVersion call: the only way CodeArtifact tells a version's publish time."""
        with translated_errors():
            described = self._client.describe_package_version(**coordinates(ref), packageVersion=version)  # type: ignore[arg-type]
        published = described["packageVersion"].get("publishedTime")
        if published is None:
            return None
        return published if published.tzinfo else published.replace(tzinfo=UTC)

    @tracer.capture_method(capture_response=False)
    def asset_bytes(self, ref: PackageRef, version: str) -> int:
        """The total size of a version's assets (ListPackageVersionAssets, paginated): what disposing it frees."""
        paginator = self._client.get_paginator("list_package_version_assets")
        with translated_errors():
            pages = paginator.paginate(**coordinates(ref), packageVersion=version)  # type: ignore[arg-type]
            return sum(int(asset.get("size", 0)) for page in pages for asset in page.get("assets", []))

    @tracer.capture_method(capture_response=False)
    def package_exists(self, ref: PackageRef) -> bool:
        """One ListPackageVersions call of one version: False if CodeArtifact has no such package."""
        try:
            with translated_errors():
                self._client.list_package_versions(**coordinates(ref), maxResults=1)  # type: ignore[arg-type]
        except NotFoundError:
            return False
        return True

    @tracer.capture_method(capture_response=False)
    def list_versions(self, ref: PackageRef) -> PackageListing:
        """Every version of a package, newest published first, 1000 a page."""
        paginator = self._client.get_paginator("list_package_versions")
        versions: list[VersionSummary] = []
        default_display: str | None = None
        with translated_errors():
            pages = paginator.paginate(
                **coordinates(ref),  # type: ignore[arg-type]
                sortBy="PUBLISHED_TIME",
                PaginationConfig={"PageSize": LIST_PAGE_SIZE},
            )
            for page in pages:
                default_display = page.get("defaultDisplayVersion", default_display)
                versions.extend(
                    VersionSummary(
                        version=item["version"],
                        revision=item.get("revision"),
                        status=PackageVersionStatus(item["status"]),
                        origin_type=PackageVersionOriginType(
                            item.get("origin", {}).get("originType", PackageVersionOriginType.UNKNOWN)
                        ),
                    )
                    for item in page.get("versions", [])
                )
        return PackageListing(versions=tuple(versions), default_display_version=default_display)
