"""The modelled CodeArtifact errors the emulator answers with, as one exception type."""

from __future__ import annotations

from typing import Any

VALIDATION = "ValidationException"
NOT_FOUND = "ResourceNotFoundException"
CONFLICT = "ConflictException"
QUOTA = "ServiceQuotaExceededException"
THROTTLING = "ThrottlingException"
INTERNAL = "InternalServerException"
ACCESS_DENIED = "AccessDeniedException"


class ApiError(Exception):
    """An error response: the modelled error code, its message and its extra modelled members."""

    def __init__(self, code: str, message: str, *, status: int | None = None, **members: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.members = {name: value for name, value in members.items() if value is not None}


def validation_error(message: str, reason: str = "FIELD_VALIDATION_FAILED") -> ApiError:
    """A 400 ValidationException with the given reason."""
    return ApiError(VALIDATION, message, reason=reason)


def not_found(message: str, resource_type: str, resource_id: str) -> ApiError:
    """A 404 ResourceNotFoundException naming the missing resource."""
    return ApiError(NOT_FOUND, message, resourceType=resource_type, resourceId=resource_id)


def conflict(message: str, resource_type: str, resource_id: str) -> ApiError:
    """A 409 ConflictException naming the conflicting resource."""
    return ApiError(CONFLICT, message, resourceType=resource_type, resourceId=resource_id)


def quota_exceeded(message: str, resource_type: str, resource_id: str) -> ApiError:
    """A 402 ServiceQuotaExceededException naming the resource over quota."""
    return ApiError(QUOTA, message, resourceType=resource_type, resourceId=resource_id)
