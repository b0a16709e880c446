"""CodeArtifact's value types: its constraints (from the botocore service model), its packages and versions."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field


class PackageFormat(StrEnum):
    NPM = "npm"
    PYPI = "pypi"
    MAVEN = "maven"
    NUGET = "nuget"
    GENERIC = "generic"
    RUBY = "ruby"
    SWIFT = "swift"
    CARGO = "cargo"


class PackageVersionStatus(StrEnum):
    PUBLISHED = "Published"
    UNFINISHED = "Unfinished"
    UNLISTED = "Unlisted"
    ARCHIVED = "Archived"
    DISPOSED = "Disposed"
    DELETED = "Deleted"


class PackageVersionOriginType(StrEnum):
    INTERNAL = "INTERNAL"
    EXTERNAL = "EXTERNAL"
    UNKNOWN = "UNKNOWN"


class PackageVersionErrorCode(StrEnum):
    ALREADY_EXISTS = "ALREADY_EXISTS"
    MISMATCHED_REVISION = "MISMATCHED_REVISION"
    MISMATCHED_STATUS = "MISMATCHED_STATUS"
    NOT_ALLOWED = "NOT_ALLOWED"
    NOT_FOUND = "NOT_FOUND"
    SKIPPED = "SKIPPED"


# Formats whose packages always have a namespace, and those that never have one.
NAMESPACE_REQUIRED = frozenset({PackageFormat.MAVEN, PackageFormat.SWIFT, PackageFormat.GENERIC})
NAMESPACE_FORBIDDEN = frozenset({PackageFormat.PYPI, PackageFormat.NUGET, PackageFormat.RUBY, PackageFormat.CARGO})

# Statuses a disposal may ever act on; Unfinished, Disposed and Deleted are never candidates.
DISPOSABLE_STATUSES = frozenset(
    {PackageVersionStatus.PUBLISHED, PackageVersionStatus.UNLISTED, PackageVersionStatus.ARCHIVED}
)

DomainName = Annotated[str, Field(min_length=2, max_length=50, pattern=r"^[a-z][a-z0-9\-]{0,48}[a-z0-9]$")]
RepositoryName = Annotated[str, Field(min_length=2, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]{1,99}$")]
AccountId = Annotated[str, Field(min_length=12, max_length=12, pattern=r"^[0-9]{12}$")]
PackageNamespace = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^#/\s]+$")]
PackageName = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^#/\s]+$")]
PackageVersion = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^#/\s]+$")]
PackageVersionRevision = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^\S+$")]


@dataclass(frozen=True, slots=True)
class PackageRef:
    """One package: CodeArtifact identifies it by all six coordinates."""

    domain: str
    domain_owner: str | None
    repository: str
    format: PackageFormat
    namespace: str | None
    package: str

    @property
    def sort_key(self) -> tuple[str, str, str, str]:
        """Repository, format, namespace, name: the order a plan lists its packages in."""
        return (self.repository, str(self.format), self.namespace or "", self.package)


@dataclass(frozen=True, slots=True)
class VersionSummary:
    """One version as ListPackageVersions reports it; the publish time is known only once described."""

    version: str
    revision: str | None
    status: PackageVersionStatus
    origin_type: PackageVersionOriginType = PackageVersionOriginType.UNKNOWN
    published_time: datetime | None = None


@dataclass(frozen=True, slots=True)
class PackageListing:
    """Every version of one package, newest published first, and its default display version."""

    versions: tuple[VersionSummary, ...]
    default_display_version: str | None
