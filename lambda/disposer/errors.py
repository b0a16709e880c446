"""Every exception the service raises on purpose, each with its HTTP status and whether it is transient.

The API answers an error from these attributes alone (`api/app.py`), so a new exception needs no
mapping; the worker sends a message back to its queue when an error is transient. Every class states
its own `code` and `status` (a unit test checks that none inherits them by accident).
"""

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


# ---------------------------------------------------------------------------------------------------
# What the caller asked for cannot be done as asked


class PolicyError(DisposerError, ValueError):
    """A policy (or policy file) is invalid; the message names the policy and the field path."""

    code = "InvalidPolicy"
    status = HTTPStatus.UNPROCESSABLE_ENTITY

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class PatternTooComplexError(PolicyError):
    """A policy's regex is over a bound that keeps compiling and matching it cheap: longer than 256
    characters, more than 20 in one policy, or a program larger than RE2's memory bound allows."""

    code = "PatternTooComplex"
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class OutOfScopeError(DisposerError):
    """The request names a domain or repository this deployment was not configured to manage."""

    code = "OutOfScope"
    status = HTTPStatus.FORBIDDEN


class PolicyNotDeployedError(PolicyError):
    """A run event asked for a policy this deployment does not ship (only deployed policies run from events)."""

    code = "PolicyNotDeployed"
    status = HTTPStatus.FORBIDDEN


class ModeConflictError(DisposerError):
    """POST /apply was sent a policy that explicitly says mode 'plan'."""

    code = "ModeConflict"
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class FutureClockError(DisposerError):
    """A run that would dispose was given a clock ahead of the real one."""

    code = "FutureClock"
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class StaleClockError(DisposerError):
    """A run event's time is older than EventBridge ever delivers one: it is refused, not run as of then."""

    code = "StaleClock"
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class LedgerRequiredError(DisposerError):
    """Holds and quarantine live in the ledger table, and this deployment has none configured."""

    code = "LedgerRequired"
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class HoldNotFoundError(DisposerError):
    """DELETE /holds/{holdId} named no hold."""

    code = "HoldNotFound"
    status = HTTPStatus.NOT_FOUND


class NotHoldOwnerError(DisposerError):
    """DELETE /holds/{holdId} by someone other than the hold's creator (they need the override route)."""

    code = "NotHoldOwner"
    status = HTTPStatus.FORBIDDEN


class TooManyHoldsError(DisposerError):
    """Placing the hold would pass the deployment's or the package's limit on holds."""

    code = "TooManyHolds"
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class PackageNotFoundError(DisposerError):
    """POST /holds named a package that does not exist in its repository."""

    code = "PackageNotFound"
    status = HTTPStatus.NOT_FOUND


class InvalidNextTokenError(DisposerError):
    """GET /holds was sent a nextToken no answer gave."""

    code = "InvalidNextToken"
    status = HTTPStatus.UNPROCESSABLE_ENTITY


# ---------------------------------------------------------------------------------------------------
# A run stopped before disposing anything


class RunAbortedError(DisposerError):
    """A run disposed nothing because a guard stopped it (its report says so: aborted, with this error)."""

    code = "RunAborted"
    status = HTTPStatus.CONFLICT


class CapExceededError(RunAbortedError):
    """The plan disposes more than maxDisposalsPerRun: the run disposed nothing."""

    code = "CapExceeded"
    status = HTTPStatus.CONFLICT


class DeadlineExceededError(RunAbortedError):
    """The invocation's time budget ran out before the plan was complete: nothing was disposed."""

    code = "DeadlineExceeded"
    status = HTTPStatus.GATEWAY_TIMEOUT
    transient = True


class PercentExceededError(RunAbortedError):
    """The plan disposes (or archives) more than maxDisposalsPercent of the versions it covers: nothing was disposed."""

    code = "PercentExceeded"
    status = HTTPStatus.CONFLICT


class DisposalsDisabledError(RunAbortedError):
    """The kill switch is off: no write is sent (a run still plans and reports, aborted)."""

    code = "DisposalsDisabled"
    status = HTTPStatus.SERVICE_UNAVAILABLE


class PlanChangedError(RunAbortedError):
    """The plan made now differs from the one reviewed (expectedPlanDigest): nothing was disposed."""

    code = "PlanChanged"
    status = HTTPStatus.CONFLICT


class PlanIncompleteError(DisposerError):
    """The time budget ran out while a run that had started disposing (an early start) was still
    planning: what was planned was disposed and reported; the packages not yet planned were not touched."""

    code = "PlanIncomplete"
    status = HTTPStatus.GATEWAY_TIMEOUT
    transient = True


# ---------------------------------------------------------------------------------------------------
# CodeArtifact refused a whole call (codeartifact/client.py translates botocore's errors)


class CodeArtifactError(DisposerError):
    """CodeArtifact refused a whole call; `code` is the AWS exception name."""

    code = "CodeArtifactError"
    status = HTTPStatus.BAD_GATEWAY

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class AccessDeniedError(CodeArtifactError):
    code = "AccessDeniedException"
    status = HTTPStatus.FORBIDDEN


class NotFoundError(CodeArtifactError):
    code = "ResourceNotFoundException"
    status = HTTPStatus.NOT_FOUND


class ConflictError(CodeArtifactError):
    code = "ConflictException"
    status = HTTPStatus.CONFLICT


class UpstreamValidationError(CodeArtifactError):
    """CodeArtifact rejected a value our own validation let through."""

    code = "ValidationException"
    status = HTTPStatus.BAD_REQUEST


class ThrottledError(CodeArtifactError):
    """Throttled after every retry botocore made."""

    code = "ThrottlingException"
    status = HTTPStatus.TOO_MANY_REQUESTS
    transient = True

    def __init__(self, code: str, message: str, retry_after_seconds: int | None) -> None:
        super().__init__(code, message)
        self.retry_after_seconds = retry_after_seconds


class WriteUnconfirmedError(CodeArtifactError):
    """A write was sent and not answered within its read timeout: it may have been done, and is not sent again."""

    code = "WriteUnconfirmed"
    status = HTTPStatus.GATEWAY_TIMEOUT


class UpstreamError(CodeArtifactError):
    """CodeArtifact failed (InternalServerException, 5xx, network): nothing the caller can fix."""

    code = "UpstreamUnavailable"
    status = HTTPStatus.BAD_GATEWAY
    transient = True


# ---------------------------------------------------------------------------------------------------
# The ledger (DynamoDB)


class LedgerError(DisposerError):
    """The ledger table could not be read or written."""

    code = "LedgerUnavailable"
    status = HTTPStatus.BAD_GATEWAY
    transient = True


# ---------------------------------------------------------------------------------------------------
# Fan-out (the run table and the work queue)


class WorkQueueError(DisposerError):
    """Some work messages could not be sent; parts before `sent` were (parts are numbered from 0)."""

    code = "WorkQueueError"
    status = HTTPStatus.BAD_GATEWAY
    transient = True

    def __init__(self, message: str, sent: int) -> None:
        super().__init__(message)
        self.sent = sent


class UnknownWorkError(DisposerError):
    """A work message for no part a run wrote: never applied."""

    code = "UnknownWork"
    status = HTTPStatus.BAD_REQUEST


class RetryLaterError(DisposerError):
    """Some versions of a part got no final answer; its message goes back to the queue."""

    code = "RetryLater"
    status = HTTPStatus.SERVICE_UNAVAILABLE
    transient = True
