"""A service the function relies on refused or failed: CodeArtifact (codeartifact/client.py translates
botocore's errors), the ledger, the reports bucket, Step Functions."""

from http import HTTPStatus

from disposer.errors.base import DisposerError


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


# The ledger (DynamoDB)


class LedgerError(DisposerError):
    """The ledger table could not be read or written."""

    code = "LedgerUnavailable"
    status = HTTPStatus.BAD_GATEWAY
    transient = True


class ReportsError(DisposerError):
    """The reports bucket (a workflow run's shards, plan, parts and report) could not be read or written."""

    code = "ReportsUnavailable"
    status = HTTPStatus.BAD_GATEWAY
    transient = True


class WorkflowError(DisposerError):
    """The state machine could not be started or read."""

    code = "WorkflowUnavailable"
    status = HTTPStatus.BAD_GATEWAY
    transient = True


class TrailUnavailableError(DisposerError):
    """The trail's bucket could not be read (a throttle, a fault, the connection lost mid-file, access refused):
    the file's message is delivered again, and a file read again is recorded again harmlessly."""

    code = "TrailUnavailable"
    status = HTTPStatus.BAD_GATEWAY
    transient = True


class TrailFileUnreadableError(DisposerError):
    """A trail file that is gone, not gzip, or not CloudTrail's JSON: reading it again would not help, so it is
    reported and never counted as processed (its hour stays uncovered, which keeps candidates)."""

    code = "TrailFileUnreadable"
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class EventHistoryUnavailableError(DisposerError):
    """CloudTrail's event history (LookupEvents) failed after botocore's retries (throttled, a fault, no answer, a
    page token it no longer takes): the hour being read stays uncovered, and a later backfill may read it."""

    code = "EventHistoryUnavailable"
    status = HTTPStatus.BAD_GATEWAY
    transient = True


class EventHistoryRefusedError(DisposerError):
    """CloudTrail's event history refused the backfill's requests (access denied, a request it calls invalid):
    every hour would be refused alike, so the backfill stops."""

    code = "EventHistoryRefused"
    status = HTTPStatus.BAD_GATEWAY


class EventHistoryUnreachableError(EventHistoryUnavailableError):
    """CloudTrail's event history did not answer at all (connection refused, DNS, timeouts) after botocore's
    retries."""

    code = "EventHistoryUnreachable"
    status = HTTPStatus.BAD_GATEWAY
    transient = True
