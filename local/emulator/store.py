"""The emulator's CodeArtifact state and the API operations on it, behind one lock."""

from __future__ import annotations

import threading
import time
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from local.emulator.batch import Action, BatchRequest, run_batch
from local.emulator.errors import conflict, not_found, quota_exceeded, validation_error
from local.emulator.pagination import decode_token, encode_token
from local.emulator.state import (
    ARCHIVED,
    INTERNAL,
    PUBLISHED,
    UNFINISHED,
    UNLISTED,
    Asset,
    Domain,
    Package,
    PackageVersion,
    Repository,
    RevisionSource,
    content_hashes,
    make_domain,
    make_repository,
    normalize_coordinates,
)

DEFAULT_ACCOUNT = "111122223333"
DEFAULT_REGION = "us-east-1"

Params = Mapping[str, Any]
Result = dict[str, Any]

MAX_REPOSITORIES_PER_DOMAIN = 1000
MAX_ASSETS_PER_VERSION = 350
# ListPackageVersionDependencies has no max-results: a page holds this many (U).
DEPENDENCIES_PAGE_SIZE = 50
# Update may only target these; Unfinished is "not permitted" and Disposed has its own API (section 7.1).
UPDATE_TARGETS = (PUBLISHED, UNLISTED, ARCHIVED)
_ASSET_NAME_SPECIALS = frozenset("~!@^&()-_+[]{};,.")
_ASSET_NAME_CATEGORIES = frozenset({"Ll", "Lm", "Lo", "Lt", "Lu", "Nl", "Nd"})


@dataclass(frozen=True, slots=True)
class VersionState:
    """A snapshot of one package version, for tests asserting on emulator state."""

    version: str
    status: str
    revision: str
    published_time: float | None
    origin_type: str
    asset_names: tuple[str, ...]


def _snapshot(version: PackageVersion) -> VersionState:
    return VersionState(
        version=version.version,
        status=version.status,
        revision=version.revision,
        published_time=version.published_time,
        origin_type=version.origin_type,
        asset_names=tuple(asset.name for asset in version.assets),
    )


def _asset_name_problem(name: str) -> str | None:
    """Why a generic asset name breaks the User Guide's rules (section 6), if it does."""
    if name in (".", ".."):
        return f"Asset name '{name}' is not allowed"
    if name != name.strip(" ") or "  " in name:
        return f"Asset name '{name}' must not have leading, trailing or consecutive spaces"
    for char in name:
        allowed = char == " " or char in _ASSET_NAME_SPECIALS
        if not allowed and unicodedata.category(char) not in _ASSET_NAME_CATEGORIES:
            return f"Asset name '{name}' contains a character that is not allowed: '{char}'"
    return None


class Store:
    """Domains, repositories, packages and versions, and the operations botocore can call on them."""

    def __init__(
        self,
        *,
        account: str = DEFAULT_ACCOUNT,
        region: str = DEFAULT_REGION,
        clock: Callable[[], float] = time.time,
        random_seed: int | None = None,
        redispose_not_allowed: bool = False,
    ) -> None:
        self.account = account
        self.region = region
        self.clock = clock
        self.revisions = RevisionSource(random_seed)
        self.redispose_not_allowed = redispose_not_allowed
        self._lock = threading.Lock()
        self._domains: dict[tuple[str, str], Domain] = {}
        self._operations: dict[str, Callable[[Params], Result]] = {
            "CreateDomain": self.create_domain,
            "DescribeDomain": self.describe_domain,
            "ListDomains": self.list_domains,
            "CreateRepository": self.create_repository,
            "DescribeRepository": self.describe_repository,
            "ListRepositories": self.list_repositories,
            "ListRepositoriesInDomain": self.list_repositories_in_domain,
            "ListPackages": self.list_packages,
            "DescribePackage": self.describe_package,
            "DeletePackage": self.delete_package,
            "ListPackageVersions": self.list_package_versions,
            "DescribePackageVersion": self.describe_package_version,
            "ListPackageVersionAssets": self.list_package_version_assets,
            "ListPackageVersionDependencies": self.list_package_version_dependencies,
            "PublishPackageVersion": self.publish_package_version,
            "UpdatePackageVersionsStatus": self.update_package_versions_status,
            "DisposePackageVersions": self.dispose_package_versions,
            "DeletePackageVersions": self.delete_package_versions,
            "GetAuthorizationToken": self.get_authorization_token,
        }

    @property
    def operations(self) -> frozenset[str]:
        """Names of the operations this store implements."""
        return frozenset(self._operations)

    def call(self, operation: str, params: Params) -> Result:
        """Run one validated API call."""
        handler = self._operations.get(operation)
        if handler is None:
            raise validation_error(
                f"The local CodeArtifact emulator does not implement {operation}", reason="UNKNOWN_OPERATION"
            )
        return handler(params)

    # -- seeding and test inspection -------------------------------------------------------------

    def has_domains(self) -> bool:
        with self._lock:
            return bool(self._domains)

    def merge(self, domains: Iterable[Domain]) -> None:
        """Add seeded domains; existing domains, repositories and packages are merged into."""
        with self._lock:
            for domain in domains:
                existing = self._domains.setdefault((domain.owner, domain.name), domain)
                if existing is domain:
                    continue
                for repository in domain.repositories.values():
                    current = existing.repositories.setdefault(repository.name, repository)
                    if current is repository:
                        continue
                    for package in repository.packages.values():
                        target = current.package(package.format, package.namespace, package.name)
                        if target is None:
                            current.add_package(package)
                        else:
                            target.load(list(package.versions.values()))

    def get_version(
        self,
        domain: str,
        repository: str,
        fmt: str,
        package: str,
        version: str,
        namespace: str | None = None,
    ) -> VersionState | None:
        """A snapshot of one version, or None if it does not exist (Deleted or never published)."""
        with self._lock:
            found = self._find_package(domain, repository, fmt, namespace, package)
            current = found.versions.get(version) if found else None
            return _snapshot(current) if current else None

    def get_versions(
        self, domain: str, repository: str, fmt: str, package: str, namespace: str | None = None
    ) -> list[VersionState]:
        """Snapshots of every version of a package, oldest published first."""
        with self._lock:
            found = self._find_package(domain, repository, fmt, namespace, package)
            if found is None:
                return []
            return [_snapshot(v) for v in sorted(found.versions.values(), key=lambda v: v.key)]

    def _find_package(
        self, domain: str, repository: str, fmt: str, namespace: str | None, package: str
    ) -> Package | None:
        matches = [d for (_, name), d in self._domains.items() if name == domain]
        repo = matches[0].repositories.get(repository) if len(matches) == 1 else None
        if repo is None:
            return None
        namespace, package = normalize_coordinates(fmt, namespace, package)
        return repo.package(fmt, namespace, package)

    # -- lookups -----------------------------------------------------------------------------------

    def _domain(self, params: Params) -> Domain:
        name: str = params["domain"]
        owner: str | None = params.get("domainOwner")
        # As in AWS, no domain-owner means the caller's account (the seed decides which account that is).
        domain = self._domains.get((owner or self.account, name))
        if domain is None:
            raise not_found(
                f"Domain not found. Domain '{name}' owned by account '{owner or self.account}' does not exist",
                "domain",
                name,
            )
        return domain

    def _repository(self, params: Params) -> tuple[Domain, Repository]:
        domain = self._domain(params)
        name: str = params["repository"]
        repository = domain.repositories.get(name)
        if repository is None:
            raise not_found(
                f"Repository not found. Repository '{name}' in domain '{domain.name}' "
                f"owned by account '{domain.owner}' does not exist",
                "repository",
                name,
            )
        return domain, repository

    def _package(self, params: Params) -> tuple[Repository, Package]:
        _, repository = self._repository(params)
        fmt: str = params["format"]
        namespace, name = normalize_coordinates(fmt, params.get("namespace"), params["package"])
        package = repository.package(fmt, namespace, name)
        if package is None:
            raise not_found(
                f"The {fmt} package '{name}' does not exist in repository '{repository.name}'.", "package", name
            )
        return repository, package

    def _version(self, params: Params) -> tuple[Package, PackageVersion]:
        _, package = self._package(params)
        name: str = params["packageVersion"]
        version = package.versions.get(name)
        if version is None:
            raise not_found(
                f"Package version '{name}' of {package.format} package '{package.name}' does not exist.",
                "package-version",
                name,
            )
        return package, version

    # -- domains and repositories ------------------------------------------------------------------

    def create_domain(self, params: Params) -> Result:
        name: str = params["domain"]
        with self._lock:
            if (self.account, name) in self._domains:
                raise conflict(f"Domain with name '{name}' already exists.", "domain", name)
            domain = make_domain(
                name, self.account, self.region, self.clock(), params.get("encryptionKey"), params.get("tags")
            )
            self._domains[(domain.owner, name)] = domain
            return {"domain": domain.description_document()}

    def describe_domain(self, params: Params) -> Result:
        with self._lock:
            return {"domain": self._domain(params).description_document()}

    def list_domains(self, params: Params) -> Result:
        with self._lock:
            domains = sorted(self._domains.values(), key=lambda d: (d.name, d.owner))
            page, token = _page_of(domains, lambda d: [d.name, d.owner], "domains", params, 50)
            return _with_token({"domains": [d.summary() for d in page]}, token)

    def create_repository(self, params: Params) -> Result:
        name: str = params["repository"]
        upstreams = [item["repositoryName"] for item in params.get("upstreams", [])]
        with self._lock:
            domain = self._domain(params)
            if name in domain.repositories:
                raise conflict(
                    f"Repository with name '{name}' already exists in domain '{domain.name}'.", "repository", name
                )
            if len(domain.repositories) >= MAX_REPOSITORIES_PER_DOMAIN:
                raise quota_exceeded(
                    f"Domain '{domain.name}' already has {MAX_REPOSITORIES_PER_DOMAIN} repositories",
                    "repository",
                    name,
                )
            for upstream in upstreams:
                if upstream not in domain.repositories:
                    # (U) 404 for an unknown upstream (section 3).
                    raise not_found(
                        f"Upstream repository '{upstream}' does not exist in domain '{domain.name}'",
                        "repository",
                        upstream,
                    )
            repository = make_repository(domain, name, self.region, self.clock())
            repository.description = params.get("description")
            repository.upstreams = upstreams
            repository.tags = list(params.get("tags", []))
            domain.repositories[name] = repository
            return {"repository": repository.description_document()}

    def describe_repository(self, params: Params) -> Result:
        with self._lock:
            _, repository = self._repository(params)
            return {"repository": repository.description_document()}

    def list_repositories(self, params: Params) -> Result:
        prefix: str = params.get("repositoryPrefix", "")
        with self._lock:
            repositories = sorted(
                (
                    repo
                    for domain in self._domains.values()
                    for repo in domain.repositories.values()
                    if repo.name.startswith(prefix)
                ),
                key=lambda r: (r.domain_name, r.domain_owner, r.name),
            )
            page, token = _page_of(
                repositories, lambda r: [r.domain_name, r.domain_owner, r.name], "repositories", params, 50
            )
            return _with_token({"repositories": [r.summary() for r in page]}, token)

    def list_repositories_in_domain(self, params: Params) -> Result:
        prefix: str = params.get("repositoryPrefix", "")
        administrator: str | None = params.get("administratorAccount")
        with self._lock:
            domain = self._domain(params)
            repositories = sorted(
                (
                    repo
                    for repo in domain.repositories.values()
                    if repo.name.startswith(prefix) and administrator in (None, repo.domain_owner)
                ),
                key=lambda r: r.name,
            )
            page, token = _page_of(repositories, lambda r: [r.name], "domain-repositories", params, 50)
            return _with_token({"repositories": [r.summary() for r in page]}, token)

    # -- packages ----------------------------------------------------------------------------------

    def list_packages(self, params: Params) -> Result:
        fmt: str | None = params.get("format")
        namespace: str | None = params.get("namespace")
        prefix: str = params.get("packagePrefix", "")
        publish: str | None = params.get("publish")
        upstream: str | None = params.get("upstream")
        limit: int = params.get("maxResults", 100)
        if namespace is not None and fmt is None:
            # The User Guide: "Using --namespace by itself results in an error" (section 5).
            raise validation_error("namespace can only be used together with format")
        after = decode_token("packages", params.get("nextToken"))
        with self._lock:
            _, repository = self._repository(params)
            order = repository.order
            start = bisect_right(order, tuple(_require_strings(after))) if after is not None else 0
            if prefix:
                start = max(start, bisect_left(order, (prefix,)))
            page: list[Package] = []
            more = False
            for key in order[start:]:
                if not key[0].startswith(prefix):
                    break
                package = repository.packages[key]
                if (
                    (fmt is not None and package.format != fmt)
                    or (namespace is not None and not (package.namespace or "").startswith(namespace))
                    or (publish is not None and package.publish != publish)
                    or (upstream is not None and package.upstream != upstream)
                ):
                    continue
                if len(page) == limit:
                    more = True
                    break
                page.append(package)
            token = encode_token("packages", list(page[-1].sort_key)) if more else None
            return _with_token({"packages": [package.summary() for package in page]}, token)

    def describe_package(self, params: Params) -> Result:
        with self._lock:
            _, package = self._package(params)
            summary = package.summary()
            summary["name"] = summary.pop("package")
            return {"package": summary}

    def delete_package(self, params: Params) -> Result:
        with self._lock:
            repository, package = self._package(params)
            repository.remove_package(package)
            return {"deletedPackage": package.summary()}

    def list_package_versions(self, params: Params) -> Result:
        newest_first = params.get("sortBy") == "PUBLISHED_TIME"
        kind = "versions-desc" if newest_first else "versions-asc"
        after = _version_key(decode_token(kind, params.get("nextToken")))
        limit: int = params.get("maxResults", 50)
        with self._lock:
            _, package = self._package(params)
            versions, next_key = package.page(
                params.get("status"), params.get("originType"), newest_first, after, limit
            )
            result: Result = {}
            # Computed over the whole package whatever the filters, so it is on every page (section 5).
            default = package.latest(PUBLISHED)
            if default is not None:
                result["defaultDisplayVersion"] = default.version
            result.update(package.coordinates())
            result["versions"] = [version.summary() for version in versions]
            return _with_token(result, encode_token(kind, list(next_key)) if next_key else None)

    def describe_package_version(self, params: Params) -> Result:
        with self._lock:
            package, version = self._version(params)
            description: Result = {"format": package.format}
            if package.namespace is not None:
                description["namespace"] = package.namespace
            description["packageName"] = package.name
            description["displayName"] = (
                f"@{package.namespace}/{package.name}"
                if package.format == "npm" and package.namespace
                else package.name
            )
            description.update(version=version.version)
            if version.published_time is not None:
                description["publishedTime"] = version.published_time
            description.update(revision=version.revision, status=version.status, origin=version.origin())
            return {"packageVersion": description}

    def list_package_version_assets(self, params: Params) -> Result:
        offset = decode_token("assets", params.get("nextToken")) or 0
        if not isinstance(offset, int) or offset < 0:
            raise validation_error("Invalid pagination token", reason="OTHER")
        limit: int = params.get("maxResults", 50)  # (U) default page size (section 5).
        with self._lock:
            package, version = self._version(params)
            assets = version.assets[offset : offset + limit]
            result = package.coordinates()
            result.update(version=version.version, versionRevision=version.revision)
            result["assets"] = [asset.summary() for asset in assets]
            more = offset + limit < len(version.assets)
            return _with_token(result, encode_token("assets", offset + limit) if more else None)

    def list_package_version_dependencies(self, params: Params) -> Result:
        # No max-results in the model: the page size is the service's own (U: 50, as for assets). The versions of
        # every status answer, Disposed ones too: their record, and the metadata the dependencies come from, stay
        # (U). Generic versions never have any (section 4); the seed refuses to give them some.
        offset = decode_token("dependencies", params.get("nextToken")) or 0
        if not isinstance(offset, int) or offset < 0:
            raise validation_error("Invalid pagination token", reason="OTHER")
        with self._lock:
            package, version = self._version(params)
            page = version.dependencies[offset : offset + DEPENDENCIES_PAGE_SIZE]
            result = package.coordinates()
            result.update(version=version.version, versionRevision=version.revision)
            result["dependencies"] = [dict(dependency) for dependency in page]
            more = offset + DEPENDENCIES_PAGE_SIZE < len(version.dependencies)
            return _with_token(result, encode_token("dependencies", offset + DEPENDENCIES_PAGE_SIZE) if more else None)

    # -- publishing --------------------------------------------------------------------------------

    def publish_package_version(self, params: Params) -> Result:
        fmt: str = params["format"]
        namespace: str | None = params.get("namespace")
        asset_name: str = params["assetName"]
        content: bytes = params["assetContent"]
        if fmt != "generic":
            raise validation_error(f"PublishPackageVersion supports only the generic format, not '{fmt}'")
        if namespace is None:
            # (U) namespace is required for generic packages; 400 when missing (section 4).
            raise validation_error("namespace is required for generic packages")
        problem = _asset_name_problem(asset_name)
        if problem:
            raise validation_error(problem)
        hashes = content_hashes(content)
        if hashes["SHA-256"] != params["assetSHA256"]:
            # (U) a hash mismatch is a 400 (section 6).
            raise validation_error(
                f"The SHA256 hash of the asset content ({hashes['SHA-256']}) does not match "
                f"the assetSHA256 value ({params['assetSHA256']})"
            )
        asset = Asset(name=asset_name, size=len(content), content=content, hashes=hashes)
        target_status = UNFINISHED if params.get("unfinished") else PUBLISHED
        version_name: str = params["packageVersion"]
        with self._lock:
            _, repository = self._repository(params)
            package = repository.package(fmt, namespace, params["package"])
            if package is None:
                package = Package(fmt, namespace, params["package"], publish="ALLOW", upstream="BLOCK")
                repository.add_package(package)
            version = package.versions.get(version_name)
            if version is None:
                version = PackageVersion(
                    version=version_name,
                    status=target_status,
                    revision=self.revisions.new(),
                    published_time=self.clock(),
                    origin_type=INTERNAL,
                    entry_point={"repositoryName": repository.name},
                    assets=[asset],
                )
                package.add(version)
            else:
                self._add_asset(package, version, asset, target_status)
            result = package.coordinates()
            result.update(
                version=version.version,
                versionRevision=version.revision,
                status=version.status,
                asset=asset.summary(),
            )
            return result

    def _add_asset(self, package: Package, version: PackageVersion, asset: Asset, target_status: str) -> None:
        if version.status not in (PUBLISHED, UNFINISHED):
            # (U) 409 for Archived, Unlisted or Disposed versions (section 6).
            raise conflict(
                f"Package version '{version.version}' has status {version.status} and cannot be modified",
                "package-version",
                version.version,
            )
        existing = next((item for item in version.assets if item.name == asset.name), None)
        if existing is not None:
            if existing.summary()["hashes"]["SHA-256"] != (asset.hashes or {}).get("SHA-256"):
                raise conflict(
                    f"Asset '{asset.name}' already exists in package version '{version.version}' "
                    "with different content",
                    "asset",
                    asset.name,
                )
        elif version.status == PUBLISHED:
            # A version published without `unfinished` takes no further assets (section 6).
            raise conflict(
                f"Package version '{version.version}' is already Published and cannot accept new assets",
                "package-version",
                version.version,
            )
        else:
            if len(version.assets) >= MAX_ASSETS_PER_VERSION:
                raise quota_exceeded(
                    f"Package version '{version.version}' already has {MAX_ASSETS_PER_VERSION} assets",
                    "asset",
                    asset.name,
                )
            version.assets.append(asset)
            version.revision = self.revisions.new()
        if version.status == UNFINISHED and target_status == PUBLISHED:
            package.set_status(version, PUBLISHED, published_time=self.clock())

    # -- batch mutators (section 7) ----------------------------------------------------------------

    def _batch(self, params: Params, action: Action, target_status: str | None = None) -> Result:
        request = BatchRequest(
            action=action,
            versions=list(params["versions"]),
            version_revisions=dict(params.get("versionRevisions") or {}),
            expected_status=params.get("expectedStatus"),
            target_status=target_status,
            redispose_not_allowed=self.redispose_not_allowed,
        )
        with self._lock:
            _, package = self._package(params)
            return run_batch(request, package, self.clock)

    def update_package_versions_status(self, params: Params) -> Result:
        target: str = params["targetStatus"]
        if target not in UPDATE_TARGETS:
            # (U) a 400 rather than per-version NOT_ALLOWED (section 7, step A).
            raise validation_error(
                f"1 validation error detected: Value '{target}' at 'targetStatus' failed to satisfy "
                f"constraint: Member must satisfy enum value set: [{', '.join(UPDATE_TARGETS)}]"
            )
        return self._batch(params, Action.UPDATE, target)

    def dispose_package_versions(self, params: Params) -> Result:
        return self._batch(params, Action.DISPOSE)

    def delete_package_versions(self, params: Params) -> Result:
        return self._batch(params, Action.DELETE)

    # -- tokens ------------------------------------------------------------------------------------

    def get_authorization_token(self, params: Params) -> Result:
        duration: int = params.get("durationSeconds", 43200)
        if 0 < duration < 900:
            raise validation_error(
                f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy "
                "constraint: Member must be 0 or between 900 and 43200"
            )
        with self._lock:
            self._domain(params)
            token = self.revisions.token()
        # (U) duration 0 means "the caller's session expiry", which the emulator does not know: 1 hour.
        lifetime = duration or 3600
        return {"authorizationToken": token, "expiration": self.clock() + lifetime}


def _version_key(position: Any) -> tuple[float, int] | None:
    if position is None:
        return None
    if (
        isinstance(position, list)
        and len(position) == 2
        and isinstance(position[0], int | float)
        and isinstance(position[1], int)
    ):
        return (float(position[0]), position[1])
    raise validation_error("Invalid pagination token", reason="OTHER")


def _page_of(
    items: list[Any], key: Callable[[Any], list[str]], kind: str, params: Params, default_limit: int
) -> tuple[list[Any], str | None]:
    """One page of a small sorted listing, resuming after the key in the request's token."""
    after = decode_token(kind, params.get("nextToken"))
    limit: int = params.get("maxResults", default_limit)
    start = 0
    if after is not None:
        _require_strings(after)
        start = next((i for i, item in enumerate(items) if key(item) > after), len(items))
    page = items[start : start + limit]
    more = start + limit < len(items)
    return page, (encode_token(kind, key(page[-1])) if more and page else None)


def _require_strings(position: Any) -> list[str]:
    if not isinstance(position, list) or not all(isinstance(item, str) for item in position):
        raise validation_error("Invalid pagination token", reason="OTHER")
    return position


def _with_token(result: Result, token: str | None) -> Result:
    if token is not None:
        result["nextToken"] = token
    return result
