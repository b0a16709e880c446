"""The service's exceptions: whole-call failures, mapped to HTTP once, at the edge (api.py)."""


class DisposerError(Exception):
    """Base of every error the service raises on purpose."""

    code = "DisposerError"


class OutOfScopeError(DisposerError):
    """The request names a domain or repository this deployment was not configured to manage."""

    code = "OutOfScope"


class ModeConflictError(DisposerError):
    """POST /apply was sent a policy that explicitly says mode 'plan'."""

    code = "ModeConflict"


class CodeArtifactError(DisposerError):
    """CodeArtifact refused a whole call; `code` is the AWS exception name."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class AccessDeniedError(CodeArtifactError):
    pass


class NotFoundError(CodeArtifactError):
    pass


class ConflictError(CodeArtifactError):
    pass


class UpstreamValidationError(CodeArtifactError):
    """CodeArtifact rejected a value our own validation let through."""


class ThrottledError(CodeArtifactError):
    def __init__(self, code: str, message: str, retry_after_seconds: int | None) -> None:
        super().__init__(code, message)
        self.retry_after_seconds = retry_after_seconds


class UpstreamError(CodeArtifactError):
    """CodeArtifact failed (InternalServerException, 5xx, network): nothing the caller can fix."""


class PolicyError(ValueError):
    """A policy (or policy file) is invalid; the message names the policy and the field path."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
