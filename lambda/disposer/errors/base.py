"""The base of every error the service raises on purpose, and the deployment's own (its settings)."""

from http import HTTPStatus
from typing import Any


class DisposerError(Exception):
    """Base of every error the service raises on purpose."""

    code: str = "DisposerError"
    status: HTTPStatus = HTTPStatus.INTERNAL_SERVER_ERROR
    # True if the same request may succeed later unchanged (a throttle, a fault, time running out).
    transient: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        # What an answer carries besides the message (the run's report, when a run stopped): JSON values.
        self.details: dict[str, Any] = {}


class SettingsError(DisposerError):
    """The deployment's environment holds a value that does not parse; the message names the variable. The
    service cannot serve until the deployment is fixed (nothing the caller sent is wrong)."""

    code = "InvalidSettings"
    status = HTTPStatus.SERVICE_UNAVAILABLE
