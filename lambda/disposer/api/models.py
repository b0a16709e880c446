"""Request and response contracts of the HTTP API (field names as in the CodeArtifact API)."""

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationInfo, field_validator

from disposer.model.outcomes import VersionOutcome
from disposer.model.packages import (
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
from disposer.model.plans import ON_DEMAND, REQUESTED_BY_CALLER, Action, PackagePlan, Plan, PlanItem, Rule
from disposer.model.report import RunReportBody
from disposer.retention.policy import RetentionPolicy

# One request may name up to this many versions; they are sent to AWS in calls of 100. The bound keeps
# one request well inside API Gateway's 29 s integration timeout even when every call is retried.
MAX_VERSIONS_PER_REQUEST = 1000


def namespace_for(package_format: PackageFormat | None, namespace: str | None) -> str | None:
    """`namespace` if the format allows it as given (required for some formats, forbidden for others)."""
    if package_format in NAMESPACE_REQUIRED and namespace is None:
        raise ValueError(f"namespace is required for {package_format} packages")
    if package_format in NAMESPACE_FORBIDDEN and namespace is not None:
        raise ValueError(f"namespace must be omitted for {package_format} packages")
    return namespace


class ApiModel(BaseModel):
    """Base for API bodies: unknown fields are errors (a typo must not silently change meaning)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class PackageRequest(ApiModel):
    """A request about one package: its coordinates, as CodeArtifact names them."""

    # Only the API's own (camelCase) names: `dry_run` is an unknown field, not a synonym.
    model_config = ConfigDict(validate_by_name=False, validate_by_alias=True)

    domain: DomainName
    domain_owner: AccountId | None = Field(default=None, alias="domainOwner")
    repository: RepositoryName
    format: PackageFormat
    namespace: PackageNamespace | None = Field(default=None, validate_default=True)
    package: PackageName

    # Cross-field checks are field validators (not one model validator) so each error names its field;
    # `info.data` holds the fields declared above, when they were valid.
    @field_validator("namespace")
    @classmethod
    def _namespace_fits_format(cls, namespace: str | None, info: ValidationInfo) -> str | None:
        return namespace_for(info.data.get("format"), namespace)

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


class DisposeRequest(PackageRequest):
    """`POST /dispose`: the parameters of DisposePackageVersions, plus `dryRun`."""

    versions: Annotated[list[PackageVersion], Field(min_length=1, max_length=MAX_VERSIONS_PER_REQUEST)]
    version_revisions: dict[PackageVersion, PackageVersionRevision] | None = Field(
        default=None, alias="versionRevisions"
    )
    expected_status: PackageVersionStatus | None = Field(default=None, alias="expectedStatus")
    dry_run: StrictBool = Field(default=False, alias="dryRun")

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

    def to_plan(self, as_of: datetime) -> Plan:
        """The named versions as a plan: each one a disposal pinned as the caller asked."""
        ref, revisions = self.ref, self.version_revisions or {}
        items = tuple(
            PlanItem(
                ref=ref,
                version=version,
                revision=revisions.get(version),
                status=None,
                action=Action.DISPOSE,
                rule=Rule.DISPOSE_REQUESTED,
                reason=REQUESTED_BY_CALLER,
                expected_status=self.expected_status,
            )
            for version in self.versions
        )
        return Plan(policy=ON_DEMAND, as_of=as_of, packages=(PackagePlan(ref, items),))


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

    @classmethod
    def of(cls, outcomes: Sequence[VersionOutcome], *, dry_run: bool) -> "DisposeResponse":
        return cls(
            successful_versions={
                o.item.version: VersionSuccess(revision=o.revision, status=o.status or "")
                for o in outcomes
                if o.succeeded
            },
            failed_versions={
                o.item.version: VersionFailure(
                    error_code=o.error_code or "UNKNOWN", error_message=o.error_message or ""
                )
                for o in outcomes
                if not o.succeeded
            },
            dry_run=dry_run,
        )


class ErrorDetail(ApiModel):
    field: str
    message: str


class Error(ApiModel):
    code: str
    message: str
    details: list[ErrorDetail] = Field(default_factory=list)


class ErrorResponse(ApiModel):
    """Every non-2xx body: `{"error": {"code", "message"}}`, naming the offending field when there is one; a run
    that was stopped (a guard, the budget, a fault part-way) also carries its report, every version accounted
    for."""

    error: Error
    report: RunReportBody | None = Field(default=None, description="the run's report, when a run was stopped")


class ApplyRequest(RetentionPolicy):
    """`POST /apply`: a retention policy, optionally the planDigest of the plan its caller reviewed, and whether
    to run it in the run workflow (`async`) rather than within the request."""

    expected_plan_digest: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    run_async: StrictBool = Field(
        default=False,
        alias="async",
        description="start the run in the run workflow and answer 202 with its runId at once",
    )

    def as_policy(self) -> RetentionPolicy:
        """The policy alone, without the request's own fields."""
        return RetentionPolicy.model_validate(self.model_dump(exclude={"expected_plan_digest", "run_async"}))
