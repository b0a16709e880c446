"""Seed files (format: docs/emulator.md): parse, check with the API's own constraints, load."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.model import Shape, StringShape

from local.emulator.errors import ApiError
from local.emulator.protocol import ServiceSpec, load_service_spec
from local.emulator.state import (
    DELETED,
    DISPOSED,
    EXTERNAL,
    INTERNAL,
    PUBLISHED,
    Asset,
    Domain,
    Package,
    PackageVersion,
    RevisionSource,
    default_connection,
    make_domain,
    make_repository,
    normalize_coordinates,
    normalize_pypi,
)
from local.emulator.store import Store
from local.emulator.validation import check_value, java_pattern

SeedSource = Mapping[str, Any] | str | Path

DEFAULT_ASSET_SIZE = 1024
_ASSET_EXTENSIONS = {
    "npm": ".tgz",
    "pypi": ".tar.gz",
    "maven": ".jar",
    "nuget": ".nupkg",
    "ruby": ".gem",
    "cargo": ".crate",
    "swift": ".zip",
    "generic": ".bin",
}
_DOMAIN_KEYS = {"name", "owner", "encryptionKey", "createdTime", "repositories"}
_REPOSITORY_KEYS = {"name", "description", "upstreams", "externalConnections", "createdTime", "packages"}
_PACKAGE_KEYS = {"format", "namespace", "name", "originConfiguration", "versions"}
_VERSION_KEYS = {"version", "status", "publishedTime", "revision", "origin", "originType", "assets", "dependencies"}
_ASSET_KEYS = {"name", "size", "hashes"}
_DEPENDENCY_KEYS = {"namespace", "package", "dependencyType", "versionRequirement"}
# The dependency types the API reference lists (PackageDependency.dependencyType); NuGet never sets one. Ruby, Swift
# and Cargo are not documented: any type is taken. Generic packages cannot declare dependencies at all.
_DEPENDENCY_TYPES: dict[str, frozenset[str]] = {
    "npm": frozenset({"regular", "dev", "peer", "optional"}),
    "maven": frozenset({"optional", "parent", "compile", "runtime", "test", "system", "provided"}),
    "pypi": frozenset({"Requires-Dist"}),
    "nuget": frozenset(),
}
# A dependency has a namespace where its format's packages do (PackageDependency.namespace).
_DEPENDENCY_NAMESPACE_REQUIRED = frozenset({"maven", "swift"})
_DEPENDENCY_NAMESPACE_FORBIDDEN = frozenset({"pypi", "nuget", "ruby", "cargo"})


class SeedError(ValueError):
    """A seed file that does not follow the documented format; the message names the offending path."""


@dataclass(frozen=True, slots=True)
class SeedSummary:
    """What a seed added."""

    domains: int
    repositories: int
    packages: int
    versions: int


def read_seed(source: SeedSource) -> Mapping[str, Any]:
    """The seed document from a mapping, or from a JSON file path."""
    if isinstance(source, Mapping):
        return source
    try:
        document = json.loads(Path(source).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SeedError(f"cannot read seed file {source}: {exc}") from exc
    if not isinstance(document, Mapping):
        raise SeedError("seed: the document must be a JSON object")
    return document


def load_seed(store: Store, source: SeedSource) -> SeedSummary:
    """Parse a seed and merge it into `store`."""
    builder = _SeedBuilder(load_service_spec(), store.account, store.region, store.clock(), store.revisions)
    document = read_seed(source)
    # Building 100k+ objects triggers the cyclic GC over and over; none of them form cycles worth finding.
    collecting = gc.isenabled()
    gc.disable()
    try:
        domains = builder.domains(document)
    finally:
        if collecting:
            gc.enable()
    # The account is 111122223333 unless the seed says otherwise: a seed whose domains all
    # have one owner makes that owner the caller's account, so calls without domainOwner find them.
    owners = {domain.owner for domain in domains}
    if len(owners) == 1 and not store.has_domains():
        store.account = owners.pop()
    store.merge(domains)
    return builder.summary()


def _timestamp(value: Any, path: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            raise SeedError(f"{path}: '{value}' is not an ISO-8601 timestamp") from exc
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    raise SeedError(f"{path}: expected an ISO-8601 string or epoch seconds, got {value!r}")


def _mapping(value: Any, path: str, allowed: set[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise SeedError(f"{path}: expected an object")
    unknown = value.keys() - allowed
    if unknown:
        raise SeedError(f"{path}: unknown field(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    return value


def _items(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SeedError(f"{path}: expected a list")
    return value


def _string_predicate(shape: Shape) -> Callable[[Any], bool]:
    """A fast yes for valid strings (seeds hold 100k+ versions); a no means: run the full check."""
    if shape.type_name != "string":
        return lambda value: False
    enum = frozenset(shape.enum) if isinstance(shape, StringShape) else frozenset()
    if enum:
        return lambda value: value in enum
    low, high = shape.metadata.get("min", 0), shape.metadata.get("max", 1 << 30)
    pattern = shape.metadata.get("pattern")
    match = java_pattern(pattern).fullmatch if pattern else None
    return lambda value: (
        isinstance(value, str) and low <= len(value) <= high and (match is None or match(value) is not None)
    )


class _SeedBuilder:
    def __init__(self, spec: ServiceSpec, account: str, region: str, now: float, revisions: RevisionSource) -> None:
        self._spec = spec
        self._account = account
        self._region = region
        self._now = now
        self._revisions = revisions
        self._counts = [0, 0, 0, 0]
        self._accepts: dict[str, Callable[[Any], bool]] = {}
        self._internal_points: dict[str, dict[str, str]] = {}

    def summary(self) -> SeedSummary:
        return SeedSummary(*self._counts)

    def _check(self, shape_name: str, value: Any, parent: str, field: str) -> Any:
        """`value` if it meets the API's constraints for `shape_name`, else a SeedError naming the field."""
        accepts = self._accepts.get(shape_name)
        if accepts is None:
            accepts = self._accepts[shape_name] = _string_predicate(self._spec.shape(shape_name))
        if accepts(value):
            return value
        # The path is only formatted for a bad value: seeds hold 100k+ versions.
        path = f"{parent}.{field}"
        if value is None:
            raise SeedError(f"{path}: required")
        errors: list[str] = []
        try:
            check_value(self._spec.shape(shape_name), value, path, errors)
        except ApiError as exc:
            raise SeedError(f"{path}: {exc.message}") from exc
        if errors:
            raise SeedError(errors[0])
        return value

    def domains(self, document: Mapping[str, Any]) -> list[Domain]:
        _mapping(document, "seed", {"domains"})
        domains: dict[tuple[str, str], Domain] = {}
        for index, entry in enumerate(_items(document.get("domains"), "domains")):
            path = f"domains[{index}]"
            domain = self._domain(_mapping(entry, path, _DOMAIN_KEYS), path)
            if (domain.owner, domain.name) in domains:
                raise SeedError(f"{path}: duplicate domain '{domain.name}'")
            domains[(domain.owner, domain.name)] = domain
        return list(domains.values())

    def _domain(self, entry: Mapping[str, Any], path: str) -> Domain:
        name = self._check("DomainName", entry.get("name"), path, "name")
        owner = self._check("AccountId", entry.get("owner", self._account), path, "owner")
        created = _timestamp(entry["createdTime"], f"{path}.createdTime") if "createdTime" in entry else self._now
        domain = make_domain(name, owner, self._region, created, entry.get("encryptionKey"))
        self._counts[0] += 1
        for index, item in enumerate(_items(entry.get("repositories"), f"{path}.repositories")):
            where = f"{path}.repositories[{index}]"
            self._repository(domain, _mapping(item, where, _REPOSITORY_KEYS), where)
        return domain

    def _repository(self, domain: Domain, entry: Mapping[str, Any], path: str) -> None:
        name = self._check("RepositoryName", entry.get("name"), path, "name")
        if name in domain.repositories:
            raise SeedError(f"{path}: duplicate repository '{name}'")
        created = _timestamp(entry["createdTime"], f"{path}.createdTime") if "createdTime" in entry else self._now
        repository = make_repository(domain, name, self._region, created)
        repository.description = entry.get("description")
        repository.upstreams = [
            self._check("RepositoryName", upstream, path, f"upstreams[{i}]")
            for i, upstream in enumerate(_items(entry.get("upstreams"), f"{path}.upstreams"))
        ]
        repository.external_connections = [
            str(connection) for connection in _items(entry.get("externalConnections"), f"{path}.externalConnections")
        ]
        domain.repositories[name] = repository
        self._counts[1] += 1
        for index, item in enumerate(_items(entry.get("packages"), f"{path}.packages")):
            where = f"{path}.packages[{index}]"
            package = self._package(repository.name, _mapping(item, where, _PACKAGE_KEYS), where)
            if repository.package(package.format, package.namespace, package.name) is not None:
                raise SeedError(f"{where}: duplicate package '{package.name}'")
            repository.add_package(package)

    def _package(self, repository: str, entry: Mapping[str, Any], path: str) -> Package:
        fmt = self._check("PackageFormat", entry.get("format"), path, "format")
        namespace = entry.get("namespace")
        if namespace is not None:
            self._check("PackageNamespace", namespace, path, "namespace")
        name = self._check("PackageName", entry.get("name"), path, "name")
        # PyPI names are stored normalized (section 4); lookups then match the stored form exactly.
        namespace, name = normalize_coordinates(fmt, namespace, normalize_pypi(name) if fmt == "pypi" else name)
        versions: dict[str, PackageVersion] = {}
        for index, item in enumerate(_items(entry.get("versions"), f"{path}.versions")):
            where = f"{path}.versions[{index}]"
            if not isinstance(item, Mapping) or not item.keys() <= _VERSION_KEYS:
                _mapping(item, where, _VERSION_KEYS)
            version = self._version(fmt, name, repository, item, where)
            if version.version in versions:
                raise SeedError(f"{where}: duplicate version '{version.version}'")
            versions[version.version] = version
        publish, upstream = self._restrictions(entry.get("originConfiguration"), versions, path)
        package = Package(fmt, namespace, name, publish=publish, upstream=upstream)
        package.load(versions.values())
        self._counts[2] += 1
        self._counts[3] += len(versions)
        return package

    def _restrictions(self, configuration: Any, versions: Mapping[str, PackageVersion], path: str) -> tuple[str, str]:
        if configuration is not None:
            where = f"{path}.originConfiguration"
            restrictions = _mapping(configuration, where, {"restrictions", "publish", "upstream"})
            inner = restrictions.get("restrictions", restrictions)
            publish = self._check("AllowPublish", inner.get("publish", "ALLOW"), where, "publish")
            upstream = self._check("AllowUpstream", inner.get("upstream", "BLOCK"), where, "upstream")
            return publish, upstream
        # The first version's origin sets the package's defaults (section 4, origin configuration).
        first = min(
            versions.values(), key=lambda v: v.published_time if v.published_time is not None else 0.0, default=None
        )
        if first is not None and first.origin_type == EXTERNAL:
            return "BLOCK", "ALLOW"
        return "ALLOW", "BLOCK"

    def _version(self, fmt: str, package: str, repository: str, entry: Mapping[str, Any], path: str) -> PackageVersion:
        name = self._check("PackageVersion", entry.get("version"), path, "version")
        status = self._check("PackageVersionStatus", entry.get("status", PUBLISHED), path, "status")
        if status == DELETED:
            raise SeedError(f"{path}.status: Deleted versions do not exist; leave the version out")
        revision = entry.get("revision")
        if revision is None:
            revision = self._revisions.new()
        else:
            self._check("PackageVersionRevision", revision, path, "revision")
        published: float | None = self._now
        if "publishedTime" in entry:
            # null: a version CodeArtifact gives no publish time (what Unfinished versions may lack).
            raw_time = entry["publishedTime"]
            published = None if raw_time is None else _timestamp(raw_time, f"{path}.publishedTime")
        origin_type, entry_point = self._origin(entry, fmt, repository, path)
        if status == DISPOSED:
            assets: list[Asset] = []
        elif "assets" in entry:
            assets = [
                self._asset(_mapping(item, f"{path}.assets[{i}]", _ASSET_KEYS), f"{path}.assets[{i}]")
                for i, item in enumerate(_items(entry["assets"], f"{path}.assets"))
            ]
        else:
            assets = [Asset(name=f"{package}-{name}{_ASSET_EXTENSIONS[fmt]}", size=DEFAULT_ASSET_SIZE)]
        return PackageVersion(
            version=name,
            status=status,
            revision=revision,
            published_time=published,
            origin_type=origin_type,
            entry_point=entry_point,
            assets=assets,
            dependencies=self._dependencies(fmt, entry.get("dependencies"), f"{path}.dependencies"),
        )

    def _dependencies(self, fmt: str, value: Any, path: str) -> list[dict[str, str]]:
        """The wire form of a version's seeded dependencies, checked with the API's shapes and each format's rules."""
        items = _items(value, path)
        if items and fmt == "generic":
            raise SeedError(f"{path}: generic packages cannot declare dependencies (the API always lists none)")
        return [self._dependency(fmt, item, f"{path}[{index}]") for index, item in enumerate(items)]

    def _dependency(self, fmt: str, value: Any, path: str) -> dict[str, str]:
        entry = _mapping(value, path, _DEPENDENCY_KEYS)
        dependency: dict[str, str] = {}
        namespace = entry.get("namespace")
        if namespace is not None:
            if fmt in _DEPENDENCY_NAMESPACE_FORBIDDEN:
                raise SeedError(f"{path}.namespace: {fmt} packages have no namespace")
            dependency["namespace"] = self._check("PackageNamespace", namespace, path, "namespace")
        elif fmt in _DEPENDENCY_NAMESPACE_REQUIRED:
            raise SeedError(f"{path}.namespace: required for a {fmt} dependency")
        dependency["package"] = self._check("PackageName", entry.get("package"), path, "package")
        kind = entry.get("dependencyType")
        if kind is not None:
            if not isinstance(kind, str):
                raise SeedError(f"{path}.dependencyType: expected a string")
            allowed = _DEPENDENCY_TYPES.get(fmt)
            if allowed is not None and kind not in allowed:
                known = f"one of {sorted(allowed)}" if allowed else "none: NuGet never sets one"
                raise SeedError(f"{path}.dependencyType: '{kind}' is not a {fmt} dependency type; expected {known}")
            dependency["dependencyType"] = kind
        requirement = entry.get("versionRequirement")
        if not isinstance(requirement, str):
            raise SeedError(f"{path}.versionRequirement: required, a string such as '^1.2.0', '>=2.0' or '[1.0,2.0)'")
        dependency["versionRequirement"] = requirement
        return dependency

    def _origin(
        self, entry: Mapping[str, Any], fmt: str, repository: str, path: str
    ) -> tuple[str, dict[str, str] | None]:
        raw = entry.get("origin", entry.get("originType", INTERNAL))
        entry_point: dict[str, str] | None = None
        if isinstance(raw, Mapping):
            where = f"{path}.origin"
            _mapping(raw, where, {"originType", "domainEntryPoint"})
            origin_type = self._check("PackageVersionOriginType", raw.get("originType", INTERNAL), where, "originType")
            point = raw.get("domainEntryPoint")
            if point is not None:
                _mapping(point, f"{where}.domainEntryPoint", {"repositoryName", "externalConnectionName"})
                entry_point = {str(key): str(value) for key, value in point.items()}
        else:
            origin_type = self._check("PackageVersionOriginType", raw, path, "origin")
        if entry_point is None:
            if origin_type == INTERNAL:
                # Shared between versions: PackageVersion.origin() copies it, nothing mutates it.
                entry_point = self._internal_points.setdefault(repository, {"repositoryName": repository})
            elif origin_type == EXTERNAL:
                connection = default_connection(fmt)
                entry_point = {"externalConnectionName": connection} if connection else None
        return origin_type, entry_point

    def _asset(self, entry: Mapping[str, Any], path: str) -> Asset:
        name = self._check("AssetName", entry.get("name"), path, "name")
        size = entry.get("size", DEFAULT_ASSET_SIZE)
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise SeedError(f"{path}.size: expected a non-negative integer")
        hashes = entry.get("hashes")
        if hashes is not None and not isinstance(hashes, Mapping):
            raise SeedError(f"{path}.hashes: expected an object of algorithm -> hex digest")
        return Asset(name=name, size=size, hashes=dict(hashes) if hashes is not None else None)
