"""A run stopped before disposing anything, or could not go on; the run workflow's own errors."""

from http import HTTPStatus

from disposer.errors.base import DisposerError


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


# The run workflow


class RetryLaterError(DisposerError):
    """Some versions of a part got no final answer: the workflow applies the part again (its ApplyPart retry)."""

    code = "RetryLater"
    status = HTTPStatus.SERVICE_UNAVAILABLE
    transient = True


class ShardNotPlannedError(DisposerError):
    """A workflow run's merge found a shard without its plan: the run stops before anything is disposed."""

    code = "ShardNotPlanned"
    status = HTTPStatus.BAD_GATEWAY


class UnknownStepError(DisposerError):
    """A steps-function payload that names no step of the workflow."""

    code = "UnknownStep"
    status = HTTPStatus.BAD_REQUEST


class RunNotFoundError(DisposerError):
    code = "RunNotFound"
    status = HTTPStatus.NOT_FOUND


class NotAwaitingApprovalError(DisposerError):
    """The run is not (or no longer) waiting for an approval."""

    code = "NotAwaitingApproval"
    status = HTTPStatus.CONFLICT


class WorkflowRequiredError(DisposerError):
    """An asynchronous run, or a run's state, asked of a deployment without the run workflow."""

    code = "WorkflowRequired"
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class ApprovalNotRecordedError(DisposerError):
    """A workflow run was answered as approved, but the API recorded no approval of it: the run stops."""

    code = "ApprovalNotRecorded"
    status = HTTPStatus.CONFLICT
