"""In-memory CodeArtifact resources; packages keep publish-time indexes so listing a page is O(page)."""

from __future__ import annotations

import base64
import hashlib
import itertools
import random
import re
import uuid
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

PUBLISHED = "Published"
UNFINISHED = "Unfinished"
UNLISTED = "Unlisted"
ARCHIVED = "Archived"
DISPOSED = "Disposed"
DELETED = "Deleted"

INTERNAL = "INTERNAL"
EXTERNAL = "EXTERNAL"

# Position of a version in its package's indexes: (publishedTime, insertion sequence); unique per package.
VersionKey = tuple[float, int]
# (status, originType) filter an index answers; None means "any".
IndexFilter = tuple[str | None, str | None]
# Packages are ordered by name, then namespace ("" when none), then format.
PackageKey = tuple[str, str, str]


def content_hashes(data: bytes) -> dict[str, str]:
    """The four digests CodeArtifact reports for an asset."""
    return {
        "MD5": hashlib.md5(data).hexdigest(),
        "SHA-1": hashlib.sha1(data).hexdigest(),
        "SHA-256": hashlib.sha256(data).hexdigest(),
        "SHA-512": hashlib.sha512(data).hexdigest(),
    }


class RevisionSource:
    """Mints opaque revisions shaped like the real ones: base64 of 32 bytes, 44 characters."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)

    def new(self) -> str:
        return base64.b64encode(self._random.randbytes(32)).decode()

    def token(self) -> str:
        return base64.urlsafe_b64encode(self._random.randbytes(48)).decode().rstrip("=")


@dataclass(slots=True, eq=False)
class Asset:
    """One file of a package version; seeded assets have a size but no bytes."""

    name: str
    size: int
    content: bytes | None = None
    hashes: dict[str, str] | None = None

    def summary(self) -> dict[str, Any]:
        if self.hashes is None:
            # Seeded assets have no bytes: hash a stand-in so every asset reports stable digests.
            data = self.content if self.content is not None else f"{self.name}:{self.size}".encode()
            self.hashes = content_hashes(data)
        return {"name": self.name, "size": self.size, "hashes": dict(self.hashes)}


@dataclass(slots=True, eq=False)
class PackageVersion:
    """A version record: status, revision, publish time, origin, assets and the dependencies its metadata declares."""

    version: str
    status: str
    revision: str
    # None: no publish time (only a seed can make one; DescribePackageVersion then omits it).
    published_time: float | None
    origin_type: str = INTERNAL
    entry_point: dict[str, str] | None = None
    assets: list[Asset] = field(default_factory=list)
    # As ListPackageVersionDependencies lists them: {"namespace"?, "package", "dependencyType"?, "versionRequirement"}.
    dependencies: list[dict[str, str]] = field(default_factory=list)
    key: VersionKey = (0.0, 0)

    def origin(self) -> dict[str, Any]:
        origin: dict[str, Any] = {"originType": self.origin_type}
        if self.entry_point:
            origin["domainEntryPoint"] = dict(self.entry_point)
        return origin

    def summary(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "revision": self.revision,
            "status": self.status,
            "origin": self.origin(),
        }


class Package:
    """A package and its versions, indexed by publish time for every (status, originType) filter."""

    __slots__ = ("format", "namespace", "name", "publish", "upstream", "versions", "_by_key", "_indexes", "_seq")

    def __init__(
        self, fmt: str, namespace: str | None, name: str, publish: str = "ALLOW", upstream: str = "BLOCK"
    ) -> None:
        self.format = fmt
        self.namespace = namespace
        self.name = name
        self.publish = publish
        self.upstream = upstream
        self.versions: dict[str, PackageVersion] = {}
        self._by_key: dict[VersionKey, PackageVersion] = {}
        self._indexes: dict[IndexFilter, list[VersionKey]] = {}
        self._seq = itertools.count()

    @property
    def sort_key(self) -> PackageKey:
        return (self.name, self.namespace or "", self.format)

    def summary(self) -> dict[str, Any]:
        summary: dict[str, Any] = {"format": self.format}
        if self.namespace is not None:
            summary["namespace"] = self.namespace
        summary["package"] = self.name
        summary["originConfiguration"] = {"restrictions": {"publish": self.publish, "upstream": self.upstream}}
        return summary

    def coordinates(self) -> dict[str, Any]:
        """format/namespace/package as List* responses echo them."""
        echo: dict[str, Any] = {"format": self.format}
        if self.namespace is not None:
            echo["namespace"] = self.namespace
        echo["package"] = self.name
        return echo

    @staticmethod
    def _filters(version: PackageVersion) -> tuple[IndexFilter, ...]:
        return (
            (None, None),
            (version.status, None),
            (None, version.origin_type),
            (version.status, version.origin_type),
        )

    def _index(self, key: IndexFilter) -> list[VersionKey]:
        index = self._indexes.get(key)
        if index is None:
            index = self._indexes[key] = []
        return index

    def _unindex(self, version: PackageVersion, filters: Iterable[IndexFilter]) -> None:
        for key in filters:
            index = self._indexes[key]
            position = bisect_left(index, version.key)
            if position < len(index) and index[position] == version.key:
                del index[position]

    def add(self, version: PackageVersion) -> None:
        """Add (or replace) one version."""
        self.load([version])

    def load(self, versions: Iterable[PackageVersion]) -> None:
        """Add many versions, sorting each index once (seed loading)."""
        touched: set[IndexFilter] = set()
        indexes = self._indexes
        for version in versions:
            previous = self.versions.get(version.version)
            if previous is not None:
                self.remove(previous)
            # A version without a publish time sorts as the oldest (where a newest-first listing ends).
            published = version.published_time if version.published_time is not None else float("-inf")
            key = version.key = (published, next(self._seq))
            self.versions[version.version] = version
            self._by_key[key] = version
            for index_filter in self._filters(version):
                index = indexes.get(index_filter)
                if index is None:
                    index = indexes[index_filter] = []
                    touched.add(index_filter)
                elif index_filter not in touched and index and index[-1] > key:
                    touched.add(index_filter)
                index.append(key)
        for index_filter in touched:
            indexes[index_filter].sort()

    def remove(self, version: PackageVersion) -> None:
        """Remove a version from the package and every index."""
        self._unindex(version, self._filters(version))
        del self._by_key[version.key]
        del self.versions[version.version]

    def set_status(self, version: PackageVersion, status: str, published_time: float | None = None) -> None:
        """Change a version's status (and publish time, which moves it in the indexes)."""
        if published_time is not None and published_time != version.published_time:
            self.remove(version)
            version.status = status
            version.published_time = published_time
            self.add(version)
            return
        if status == version.status:
            return
        old = self._filters(version)
        self._unindex(version, old[1::2])
        version.status = status
        for key in self._filters(version)[1::2]:
            insort(self._index(key), version.key)

    def count(self, status: str | None = None, origin_type: str | None = None) -> int:
        return len(self._indexes.get((status, origin_type), ()))

    def latest(self, status: str = PUBLISHED) -> PackageVersion | None:
        """The most recently published version with `status`."""
        index = self._indexes.get((status, None))
        return self._by_key[index[-1]] if index else None

    def page(
        self,
        status: str | None,
        origin_type: str | None,
        newest_first: bool,
        after: VersionKey | None,
        limit: int,
    ) -> tuple[list[PackageVersion], VersionKey | None]:
        """Up to `limit` versions following `after` in publish-time order, and the key to resume from."""
        index = self._indexes.get((status, origin_type), [])
        if newest_first:
            end = len(index) if after is None else bisect_left(index, after)
            start = max(0, end - limit)
            keys = index[start:end][::-1]
            more = start > 0
        else:
            start = 0 if after is None else bisect_right(index, after)
            end = min(len(index), start + limit)
            keys = index[start:end]
            more = end < len(index)
        versions = [self._by_key[key] for key in keys]
        return versions, (keys[-1] if more and keys else None)


@dataclass(slots=True, eq=False)
class Repository:
    """A repository and its packages, kept ordered for ListPackages."""

    name: str
    domain_name: str
    domain_owner: str
    arn: str
    created_time: float
    description: str | None = None
    upstreams: list[str] = field(default_factory=list)
    external_connections: list[str] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)
    packages: dict[PackageKey, Package] = field(default_factory=dict)
    order: list[PackageKey] = field(default_factory=list)

    def package(self, fmt: str, namespace: str | None, name: str) -> Package | None:
        return self.packages.get((name, namespace or "", fmt))

    def add_package(self, package: Package) -> None:
        key = package.sort_key
        if key not in self.packages:
            insort(self.order, key)
        self.packages[key] = package

    def remove_package(self, package: Package) -> None:
        key = package.sort_key
        del self.packages[key]
        del self.order[bisect_left(self.order, key)]

    def summary(self) -> dict[str, Any]:
        summary: dict[str, Any] = {
            "name": self.name,
            "administratorAccount": self.domain_owner,
            "domainName": self.domain_name,
            "domainOwner": self.domain_owner,
            "arn": self.arn,
            "createdTime": self.created_time,
        }
        if self.description is not None:
            summary["description"] = self.description
        return summary

    def description_document(self) -> dict[str, Any]:
        document = self.summary()
        document["upstreams"] = [{"repositoryName": name} for name in self.upstreams]
        document["externalConnections"] = [
            {"externalConnectionName": name, "packageFormat": _connection_format(name), "status": "Available"}
            for name in self.external_connections
        ]
        return document

    def asset_size_bytes(self) -> int:
        return sum(
            asset.size
            for package in self.packages.values()
            for version in package.versions.values()
            for asset in version.assets
        )


_CONNECTION_FORMATS = {
    "public:npmjs": "npm",
    "public:pypi": "pypi",
    "public:maven-central": "maven",
    "public:nuget-org": "nuget",
    "public:crates-io": "cargo",
    "public:ruby-gems-org": "ruby",
}


def _connection_format(name: str) -> str:
    return _CONNECTION_FORMATS.get(name, "maven")


def default_connection(fmt: str) -> str | None:
    """The public external connection a format's EXTERNAL versions usually come from."""
    return next((name for name, known in _CONNECTION_FORMATS.items() if known == fmt), None)


@dataclass(slots=True, eq=False)
class Domain:
    """A domain and its repositories."""

    name: str
    owner: str
    arn: str
    encryption_key: str
    s3_bucket_arn: str
    created_time: float
    tags: list[dict[str, str]] = field(default_factory=list)
    repositories: dict[str, Repository] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "owner": self.owner,
            "arn": self.arn,
            "status": "Active",
            "createdTime": self.created_time,
            "encryptionKey": self.encryption_key,
        }

    def description_document(self) -> dict[str, Any]:
        document = self.summary()
        document["repositoryCount"] = len(self.repositories)
        document["assetSizeBytes"] = sum(repo.asset_size_bytes() for repo in self.repositories.values())
        document["s3BucketArn"] = self.s3_bucket_arn
        return document


def make_domain(
    name: str,
    owner: str,
    region: str,
    created_time: float,
    encryption_key: str | None = None,
    tags: list[dict[str, str]] | None = None,
) -> Domain:
    """A new domain with the ARNs AWS would give it."""
    key_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{owner}/{region}/{name}")
    return Domain(
        name=name,
        owner=owner,
        arn=f"arn:aws:codeartifact:{region}:{owner}:domain/{name}",
        encryption_key=encryption_key or f"arn:aws:kms:{region}:{owner}:key/{key_id}",
        s3_bucket_arn=f"arn:aws:s3:::assets-{owner}-{region}",
        created_time=created_time,
        tags=list(tags or []),
    )


def make_repository(domain: Domain, name: str, region: str, created_time: float) -> Repository:
    """A new, empty repository in `domain`."""
    return Repository(
        name=name,
        domain_name=domain.name,
        domain_owner=domain.owner,
        arn=f"arn:aws:codeartifact:{region}:{domain.owner}:repository/{domain.name}/{name}",
        created_time=created_time,
    )


def normalize_coordinates(fmt: str, namespace: str | None, name: str) -> tuple[str | None, str]:
    """Namespace and name as the service stores and matches them (codeartifact-api.md section 4)."""
    if fmt == "nuget":
        return namespace, name.lower()
    if fmt == "swift":
        return (namespace.lower() if namespace else namespace), name.lower()
    return namespace, name


def normalize_pypi(name: str) -> str:
    """PEP 503: lowercase, runs of '.', '-', '_' become one '-'."""
    return _PYPI_SEPARATORS.sub("-", name).lower()


_PYPI_SEPARATORS = re.compile(r"[-_.]+")
