"""The all-or-nothing batch mutators (Update status, Dispose, Delete) of codeartifact-api.md section 7."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from local.emulator.state import DELETED, DISPOSED, PUBLISHED, UNFINISHED, Package, PackageVersion

# ALREADY_EXISTS is never produced here: the service uses it only in CopyPackageVersions, for a version
# that already exists in the destination repository (section 7, step C).
NOT_FOUND = "NOT_FOUND"
MISMATCHED_REVISION = "MISMATCHED_REVISION"
MISMATCHED_STATUS = "MISMATCHED_STATUS"
NOT_ALLOWED = "NOT_ALLOWED"
SKIPPED = "SKIPPED"


class Action(Enum):
    UPDATE = "update"
    DISPOSE = "dispose"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class BatchRequest:
    """One Update/Dispose/Delete call on one package, after request-level validation."""

    action: Action
    versions: list[str]
    version_revisions: Mapping[str, str] = field(default_factory=dict)
    expected_status: str | None = None
    target_status: str | None = None
    redispose_not_allowed: bool = False


def _check(request: BatchRequest, name: str, version: PackageVersion | None) -> tuple[str, str] | None:
    """The first failing check for one version as (errorCode, errorMessage), or None (step C)."""
    if version is None:
        # (U) message: the only documented NOT_FOUND text is CopyPackageVersions' (section 7, C.1).
        return NOT_FOUND, f"Could not find version {name}"
    # (U) a version missing from versionRevisions is not revision-checked; extra keys are ignored (C.2).
    expected_revision = request.version_revisions.get(name)
    if expected_revision is not None and expected_revision != version.revision:
        return MISMATCHED_REVISION, f"current revision: {version.revision}, expected revision: {expected_revision}"
    if request.expected_status is not None and request.expected_status != version.status:
        return MISMATCHED_STATUS, f"current status: {version.status}, expected status: {request.expected_status}"
    if request.action is Action.UPDATE and version.status == DISPOSED:
        # (U) code: NOT_ALLOWED is the only enum value that fits the documented prohibition (C.4).
        return NOT_ALLOWED, f"version {name} is Disposed and cannot be updated to {request.target_status}"
    if request.action is Action.DISPOSE and version.status == DISPOSED and request.redispose_not_allowed:
        return NOT_ALLOWED, f"version {name} is already Disposed"
    return None


def _apply(request: BatchRequest, package: Package, version: PackageVersion, now: float) -> str:
    """Mutate one version (step E) and return the status to report."""
    if request.action is Action.DELETE:
        package.remove(version)
        return DELETED
    if request.action is Action.DISPOSE:
        # (U) dispose keeps the revision (section 4, Revision); the assets and their bytes go.
        version.assets = []
        package.set_status(version, DISPOSED)
        return DISPOSED
    target = request.target_status or version.status
    if version.status == UNFINISHED and target == PUBLISHED:
        # (U) publishedTime is when the version became Published (section 6).
        package.set_status(version, target, published_time=now)
    else:
        # (U) updating to the current status is a successful no-op (section 7, C.4).
        package.set_status(version, target)
    return target


def run_batch(request: BatchRequest, package: Package, clock: Callable[[], float]) -> dict[str, Any]:
    """Check every requested version, then apply all changes or none (steps C to F)."""
    names = list(dict.fromkeys(request.versions))  # (U) duplicates collapse, as map keys would (F).
    found = {name: package.versions.get(name) for name in names}
    failures = {name: failure for name in names if (failure := _check(request, name, found[name]))}
    if failures:
        failed: dict[str, Any] = {}
        for name in names:
            code, message = failures.get(name) or (SKIPPED, f"version {name} is skipped")
            failed[name] = {"errorCode": code, "errorMessage": message}
        return {"successfulVersions": {}, "failedVersions": failed}
    now = clock()
    successful: dict[str, Any] = {}
    for name in names:
        version = found[name]
        assert version is not None  # every name passed _check, so it exists
        revision = version.revision
        successful[name] = {"revision": revision, "status": _apply(request, package, version, now)}
    return {"successfulVersions": successful, "failedVersions": {}}
