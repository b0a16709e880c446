"""CodeArtifact on the wire: the parameters of the calls, their answers read leniently, botocore's errors as the
service's own, and the count of calls a run made."""

import threading
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from disposer.constants import MAX_VERSIONS_PER_CALL
from disposer.errors import (
    AccessDeniedError,
    CodeArtifactError,
    ConflictError,
    NotFoundError,
    ThrottledError,
    UpstreamError,
    UpstreamValidationError,
)
from disposer.model.outcomes import BatchOutcome
from disposer.model.packages import PackageRef, PackageVersionStatus

_ERRORS: Mapping[str, type[CodeArtifactError]] = {
    "AccessDeniedException": AccessDeniedError,
    "ResourceNotFoundException": NotFoundError,
    "ConflictException": ConflictError,
    "ValidationException": UpstreamValidationError,
}


@dataclass
class CallCounter:
    """Calls made per CodeArtifact operation (retries of one call not counted again), and throttled
    attempts (each one, retried or not)."""

    calls: Counter[str] = field(default_factory=Counter)
    throttles: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[model.name] += 1

    def check_throttle(self, response: Any = None, **_: Any) -> None:
        # botocore asks "needs-retry" after every attempt; `response` is (http, parsed) or None.
        if response is not None and response[1].get("Error", {}).get("Code") == "ThrottlingException":
            with self._lock:
                self.throttles += 1


def batch_params(
    ref: PackageRef,
    versions: Sequence[str],
    revisions: Mapping[str, str] | None,
    expected_status: PackageVersionStatus | None,
) -> dict[str, Any]:
    """The parameters of a call that changes up to 100 versions, pinned to revisions and a status."""
    if not 0 < len(versions) <= MAX_VERSIONS_PER_CALL:
        raise ValueError(f"a call changes 1..{MAX_VERSIONS_PER_CALL} versions, got {len(versions)}")
    params: dict[str, Any] = {**coordinates(ref), "versions": list(versions)}
    if revisions:
        params["versionRevisions"] = {v: revisions[v] for v in versions if v in revisions}
    if expected_status is not None:
        params["expectedStatus"] = str(expected_status)
    return params


def batch_outcome(response: Mapping[str, Any], *, default_status: PackageVersionStatus) -> BatchOutcome:
    return BatchOutcome(
        # Read leniently: the versions are already changed, and their record must not be lost to a value
        # this code does not know (every member of these maps is optional in the model).
        successful={
            version: (info.get("revision"), str(info.get("status") or default_status))
            for version, info in response.get("successfulVersions", {}).items()
        },
        failed={
            version: (str(info.get("errorCode", "UNKNOWN")), str(info.get("errorMessage", "")))
            for version, info in response.get("failedVersions", {}).items()
        },
    )


@contextmanager
def translated_errors() -> Iterator[None]:
    """Turn botocore failures into the service's own exceptions."""
    try:
        yield
    except ClientError as error:
        raise _translate(error) from error
    except BotoCoreError as error:
        raise UpstreamError("UpstreamUnavailable", str(error)) from error


def _translate(error: ClientError) -> CodeArtifactError:
    details: Mapping[str, Any] = error.response.get("Error", {})
    code = str(details.get("Code", "Unknown"))
    message = str(details.get("Message", "")) or code
    if code == "ThrottlingException":
        retry_after: Any = error.response.get("retryAfterSeconds")
        return ThrottledError(code, message, int(retry_after) if retry_after is not None else None)
    return _ERRORS.get(code, UpstreamError)(code, message)


def coordinates(ref: PackageRef) -> dict[str, str]:
    params = {"domain": ref.domain, "repository": ref.repository, "format": str(ref.format), "package": ref.package}
    if ref.domain_owner:
        params["domainOwner"] = ref.domain_owner
    if ref.namespace:
        params["namespace"] = ref.namespace
    return params
