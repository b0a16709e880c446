"""The adapter's reading of a version's dependencies: ListPackageVersionDependencies followed page by page (botocore
has no paginator for it), read strictly, since a list read in part could let a needed version go."""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from disposer.codeartifact.wire import coordinates, translated_errors
from disposer.errors import UpstreamError
from disposer.model.dependencies import Dependency, VersionDependencies
from disposer.model.packages import PackageRef
from disposer.observability import tracer

if TYPE_CHECKING:
    from mypy_boto3_codeartifact import CodeArtifactClient as Boto3Client
else:
    Boto3Client = Any


class DependencyReads:
    """The dependency reads of CodeArtifactClient (codeartifact/client.py), which counts, paces and budgets them
    like every call it sends: ListPackageVersionDependencies counts against the account's read quota."""

    _client: Boto3Client

    @tracer.capture_method(capture_response=False)
    def dependencies(self, ref: PackageRef, version: str) -> VersionDependencies:
        """Every direct dependency of one version, in CodeArtifact's order, and the revision they were read at.

        Raises UpstreamError if the pages disagree on the revision (the version changed while it was read), if a
        page token comes back twice, or if a dependency has no package name: the caller keeps what it cannot tell.
        """
        found: list[Dependency] = []
        revisions: set[str | None] = set()
        tokens: set[str] = set()
        params: dict[str, Any] = {**coordinates(ref), "packageVersion": version}
        with translated_errors():
            while True:
                page = self._client.list_package_version_dependencies(**params)
                revisions.add(page.get("versionRevision"))
                if len(revisions) > 1:
                    raise UpstreamError("VersionChanged", f"{ref.package} {version} changed while it was read")
                found.extend(_dependency(item, ref, version) for item in page.get("dependencies", []))
                token = page.get("nextToken")
                if not token:
                    return VersionDependencies(version, page.get("versionRevision"), tuple(found))
                if token in tokens:
                    raise UpstreamError("RepeatedPageToken", f"{ref.package} {version}: a page token came back twice")
                tokens.add(token)
                params["nextToken"] = token


def _dependency(item: Mapping[str, Any], ref: PackageRef, version: str) -> Dependency:
    package = item.get("package")
    if not package:
        raise UpstreamError("UnreadableDependency", f"a dependency of {ref.package} {version} names no package")
    return Dependency(
        namespace=item.get("namespace"),
        package=package,
        dependency_type=item.get("dependencyType"),
        requirement=item.get("versionRequirement"),
    )
