"""Request and response contracts of the HTTP API (field names as in the CodeArtifact API)."""

from collections import Counter
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationInfo, field_validator

from disposer.codeartifact.types import (
    NAMESPACE_FORBIDDEN,
    NAMESPACE_REQUIRED,
    AccountId,
    DomainName,
    PackageFormat,
    PackageName,
    PackageNamespace,
    PackageRef,
    PackageVersion,
    PackageVersionRevision,
    PackageVersionStatus,
    RepositoryName,
)

# One request may name up to this many versions; they are sent to AWS in calls of 100. The bound keeps
# one request well inside API Gateway's 29 s integration timeout even when every call is retried.
MAX_VERSIONS_PER_REQUEST = 1000


class ApiModel(BaseModel):
    """Base for API bodies: unknown fields are errors (a typo must not silently change meaning)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class DisposeRequest(ApiModel):
    """`POST /dispose`: the parameters of DisposePackageVersions, plus `dryRun`."""

    # Only the API's own (camelCase) names: `dry_run` is an unknown field, not a synonym.
    model_config = ConfigDict(validate_by_name=False, validate_by_alias=True)

    domain: DomainName
    domain_owner: AccountId | None = Field(default=None, alias="domainOwner")
    repository: RepositoryName
    format: PackageFormat
    namespace: PackageNamespace | None = Field(default=None, validate_default=True)
    package: PackageName
    versions: Annotated[list[PackageVersion], Field(min_length=1, max_length=MAX_VERSIONS_PER_REQUEST)]
    version_revisions: dict[PackageVersion, PackageVersionRevision] | None = Field(
        default=None, alias="versionRevisions"
    )
    expected_status: PackageVersionStatus | None = Field(default=None, alias="expectedStatus")
    dry_run: StrictBool = Field(default=False, alias="dryRun")

    # Cross-field checks are field validators (not one model validator) so each error names its field;
    # `info.data` holds the fields declared above, when they were valid.
    @field_validator("namespace")
    @classmethod
    def _namespace_fits_format(cls, namespace: str | None, info: ValidationInfo) -> str | None:
        package_format = info.data.get("format")
        if package_format in NAMESPACE_REQUIRED and namespace is None:
            raise ValueError(f"namespace is required for {package_format} packages")
        if package_format in NAMESPACE_FORBIDDEN and namespace is not None:
            raise ValueError(f"namespace must be omitted for {package_format} packages")
        return namespace

    @field_validator("versions")
    @classmethod
    def _no_duplicates(cls, versions: list[str]) -> list[str]:
        duplicates = sorted(v for v, n in Counter(versions).items() if n > 1)
        if duplicates:
            raise ValueError(f"lists these more than once: {', '.join(duplicates)}")
        return versions

    @field_validator("version_revisions")
    @classmethod
    def _revisions_match_versions(cls, revisions: dict[str, str] | None, info: ValidationInfo) -> dict[str, str] | None:
        unknown = sorted(set(revisions or {}) - set(info.data.get("versions", revisions or {})))
        if unknown:
            # AWS ignores such keys; a revision for a version not asked for is almost surely a mistake.
            raise ValueError(f"names versions not in versions: {', '.join(unknown)}")
        return revisions

    @property
    def ref(self) -> PackageRef:
        return PackageRef(
            domain=self.domain,
            domain_owner=self.domain_owner,
            repository=self.repository,
            format=self.format,
            namespace=self.namespace,
            package=self.package,
        )


class VersionSuccess(ApiModel):
    revision: str | None = None
    status: str


class VersionFailure(ApiModel):
    error_code: str = Field(alias="errorCode")
    error_message: str = Field(alias="errorMessage")


class DisposeResponse(ApiModel):
    """Per-version outcomes, as DisposePackageVersions reports them; a partial failure is still a 200."""

    successful_versions: dict[str, VersionSuccess] = Field(alias="successfulVersions")
    failed_versions: dict[str, VersionFailure] = Field(alias="failedVersions")
    dry_run: bool = Field(alias="dryRun")


class ErrorDetail(ApiModel):
    field: str
    message: str


class Error(ApiModel):
    code: str
    message: str
    details: list[ErrorDetail] = Field(default_factory=list)


class ErrorResponse(ApiModel):
    """Every non-2xx body: `{"error": {"code", "message"}}`, naming the offending field when there is one."""

    error: Error


class RunItem(ApiModel):
    """One version in a run: the plan's decision and, once applied, what happened."""

    repository: str
    format: PackageFormat
    namespace: str | None
    package: str
    version: str
    revision: str | None
    status: PackageVersionStatus
    action: Literal["keep", "dispose"]
    reason: str
    outcome: Literal["disposed", "failed"] | None = None
    error_code: str | None = Field(default=None, alias="errorCode")
    error_message: str | None = Field(default=None, alias="errorMessage")


class RunTotals(ApiModel):
    packages: int
    versions: int
    keep: int
    dispose: int
    rules: dict[str, int] = Field(description="versions per deciding rule, e.g. keep:latest, dispose:older-than")


class RunError(ApiModel):
    scope: str = Field(description="the repository or package that could not be read")
    error_code: str = Field(alias="errorCode")
    error_message: str = Field(alias="errorMessage")


class RunReportBody(ApiModel):
    """`POST /plan`, `POST /apply` and scheduled runs: the plan, what was done, and what it cost."""

    run_id: str = Field(alias="runId")
    policy: str
    trigger: Literal["api", "schedule", "cli"]
    mode: Literal["plan", "apply"]
    as_of: datetime = Field(alias="asOf")
    items: list[RunItem] = Field(description="dispose items first; at most 5000 (see itemsOmitted)")
    items_omitted: int = Field(alias="itemsOmitted")
    totals: RunTotals
    max_disposals_per_run: int = Field(alias="maxDisposalsPerRun")
    cap_exceeded: bool = Field(alias="capExceeded")
    outcomes: dict[str, int] = Field(description="disposed, or the error code, per version acted on")
    errors: list[RunError]
    calls: dict[str, int] = Field(description="CodeArtifact calls made, per operation")
    throttles: int = Field(description="CodeArtifact answers of ThrottlingException (each was retried)")
    bytes_reclaimed: int | None = Field(
        alias="bytesReclaimed", description="asset bytes of the versions disposed; null when not measured"
    )
    duration_seconds: float = Field(alias="durationSeconds")
    aborted: bool
    aborted_reason: str | None = Field(alias="abortedReason")
