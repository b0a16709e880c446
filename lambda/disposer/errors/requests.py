"""What the caller asked for cannot be done as asked."""

from http import HTTPStatus

from disposer.errors.base import DisposerError


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
    """GET /holds or GET /runs was sent a nextToken that no answer of that route gave."""

    code = "InvalidNextToken"
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class BackfillRangeError(DisposerError):
    """A backfill was asked for hours CloudTrail's event history cannot vouch for (more than 90 days ago, within
    the last hour, not whole hours) or for none; the message names the field."""

    code = "InvalidBackfillRange"
    status = HTTPStatus.UNPROCESSABLE_ENTITY
