"""What the service knows about packages and their versions, independent of boto3's dict shapes."""

from dataclasses import dataclass
from datetime import datetime

from disposer.aws_types import PackageFormat, PackageVersionOriginType, PackageVersionStatus


@dataclass(frozen=True, slots=True)
class PackageRef:
    """One package: CodeArtifact identifies it by all six coordinates."""

    domain: str
    domain_owner: str | None
    repository: str
    format: PackageFormat
    namespace: str | None
    package: str


@dataclass(frozen=True, slots=True)
class VersionSummary:
    """One version as ListPackageVersions reports it; the publish time is known only once described."""

    version: str
    revision: str | None
    status: PackageVersionStatus
    origin_type: PackageVersionOriginType = PackageVersionOriginType.UNKNOWN
    published_time: datetime | None = None
