"""The only module that talks to CodeArtifact: botocore calls, pagination, pacing, budget, and errors mapped to ours."""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.config import Config

from disposer import aws
from disposer.budget import Budget
from disposer.codeartifact.pacing import QuotaPacer
from disposer.codeartifact.wire import CallCounter, batch_outcome, batch_params, coordinates, translated_errors
from disposer.errors import (
    DeadlineExceededError,
    NotFoundError,
)
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


def create_client(
    *, endpoint_url: str | None = None, max_attempts: int = 5, pacer: QuotaPacer | None = None, pool: int = 10
) -> Boto3Client:
    """A botocore CodeArtifact client; `endpoint_url` (AWS_ENDPOINT_URL_CODEARTIFACT) points it at the emulator,
    `pacer` holds every attempt to this deployment's share of the account quotas."""
    config = Config(
        max_pool_connections=max(pool, 10),
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        # CodeArtifact answers in well under a second; a stuck connection must not eat the time budget.
        connect_timeout=5,
        read_timeout=15,
        user_agent_extra="cadisposer",
    )
    client: Boto3Client = aws.client("codeartifact", endpoint_url=endpoint_url, config=config)
    if pacer is not None:
        client.meta.events.register("before-send.codeartifact", pacer.before_send)
    return client


class CodeArtifactClient:
    """Thin adapter over the botocore CodeArtifact client for one invocation; it decides nothing.

    Every call it makes is counted, and no HTTP attempt (retries included) is sent once `budget` has
    run out: DeadlineExceededError is raised instead, before anything reaches CodeArtifact. No write
    attempt is sent while `switch` is off: DisposalsDisabledError is raised instead.
    """

    def __init__(
        self,
        client: Boto3Client,
        *,
        threads: int = 1,
        budget: Budget | None = None,
        switch: WriteSwitch | None = None,
    ) -> None:
        self._client = client
        self.switch = switch
        # How many calls the logic may keep in flight at once (the client's pool is sized to match).
        self.threads = threads
        self.budget = budget or Budget.unlimited()
        self.counter = CallCounter()
        # Clients are shared across invocations: the newest adapter's hooks replace the previous ones. The
        # budget check is registered after the pacer (added when the client was made), so a send that
        # waited for its quota past the deadline is still stopped.
        # A call stopped by the budget is not counted: the check comes before the counter.
        for event, handler in (
            ("before-call.codeartifact", self._check_budget),
            ("before-call.codeartifact", self.counter.record),
            ("needs-retry.codeartifact", self.counter.check_throttle),
            ("before-send.codeartifact", self._check_budget),
            ("before-send.codeartifact", self._stop_writes_while_off),
        ):
            unique_id = f"{_HANDLER_ID}-{event}-{handler.__name__}"
            client.meta.events.unregister(event, unique_id=unique_id)
            client.meta.events.register(event, handler, unique_id=unique_id)

    def _check_budget(self, event_name: str = "", **_: Any) -> None:
        if self.budget.exhausted:
            # "before-call.codeartifact.DisposePackageVersions", "before-send.codeartifact.ListPackages"
            operation = event_name.rsplit(".", 1)[-1]
            raise DeadlineExceededError(f"{self.budget.describe()}: {operation} was not sent")

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
            response = self._client.dispose_package_versions(**params)
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
            response = self._client.update_package_versions_status(**params)
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
