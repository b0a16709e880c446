"""The run workflow's state machine, called through botocore; errors become WorkflowError with the reason.

Two answers are not failures of the service: an execution that does not exist reads as None, and a
task token Step Functions no longer knows (the task was answered, timed out, or its execution ended)
is NotAwaitingApprovalError, the run's state and not a fault.
"""

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from disposer.errors import InvalidNextTokenError, NotAwaitingApprovalError, WorkflowError
from disposer.model.executions import Execution

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient
else:
    SFNClient = Any

# Step Functions' own bounds on SendTaskFailure's error and cause.
MAX_ERROR = 256
MAX_CAUSE = 32_768
# A task token that no longer waits: answered already, timed out, or of an execution that has ended.
_GONE_TASK = {"TaskDoesNotExist", "TaskTimedOut", "InvalidToken"}


class StateMachine:
    """One state machine (`arn`) and its executions."""

    def __init__(self, arn: str, client: SFNClient) -> None:
        self.arn = arn
        self._client = client

    def execution_arn(self, name: str) -> str:
        """The ARN of this machine's execution named `name` (an API-started run is named after its run id)."""
        return f"{self.arn.replace(':stateMachine:', ':execution:', 1)}:{name}"

    def start(self, name: str, document: Mapping[str, Any]) -> str:
        """Start an execution named `name` with `document` as its input; its ARN."""
        text = json.dumps(document, separators=(",", ":"))
        try:
            answer = self._client.start_execution(stateMachineArn=self.arn, name=name, input=text)
        except (ClientError, BotoCoreError) as error:
            raise _failed(f"could not start run {name}", error) from error
        return str(answer["executionArn"])

    def describe(self, execution_arn: str) -> Execution | None:
        """The execution, with its input; None if there is none by that ARN."""
        try:
            answer = self._client.describe_execution(executionArn=execution_arn)
        except ClientError as error:
            if _code(error) == "ExecutionDoesNotExist":
                return None
            raise _failed(f"could not read execution {execution_arn}", error) from error
        except BotoCoreError as error:
            raise _failed(f"could not read execution {execution_arn}", error) from error
        return _execution(answer, text=answer.get("input"))

    def list_executions(
        self, *, status: str | None, limit: int, token: str | None
    ) -> tuple[list[Execution], str | None]:
        """One page of executions, newest first, and the next page's token (None: the last page)."""
        params: dict[str, Any] = {"stateMachineArn": self.arn, "maxResults": limit}
        if status is not None:
            params["statusFilter"] = status
        if token is not None:
            params["nextToken"] = token
        try:
            answer = self._client.list_executions(**params)
        except ClientError as error:
            if _code(error) == "InvalidToken":
                raise InvalidNextTokenError("nextToken is not one a GET /runs answer gave") from error
            raise _failed("could not list runs", error) from error
        except BotoCoreError as error:
            raise _failed("could not list runs", error) from error
        executions = [_execution(entry) for entry in answer.get("executions", [])]
        return executions, answer.get("nextToken")

    def send_task_success(self, token: str, output: Mapping[str, Any]) -> None:
        """Answer a waiting task: it goes on with `output` as its result."""
        text = json.dumps(output, separators=(",", ":"))
        self._answer("SendTaskSuccess", lambda: self._client.send_task_success(taskToken=token, output=text))

    def send_task_failure(self, token: str, *, error: str, cause: str) -> None:
        """Answer a waiting task with a failure: its Catch sees `error` and `cause`."""
        self._answer(
            "SendTaskFailure",
            lambda: self._client.send_task_failure(taskToken=token, error=error[:MAX_ERROR], cause=cause[:MAX_CAUSE]),
        )

    def _answer(self, operation: str, call: Any) -> None:
        try:
            call()
        except ClientError as error:
            if _code(error) in _GONE_TASK:
                raise NotAwaitingApprovalError(
                    f"the run no longer waits for an answer ({_code(error)}): it was answered, timed out or ended"
                ) from error
            raise _failed(f"{operation} failed", error) from error
        except BotoCoreError as error:
            raise _failed(f"{operation} failed", error) from error


def _execution(entry: Mapping[str, Any], text: str | None = None) -> Execution:
    stopped = entry.get("stopDate")
    return Execution(
        arn=str(entry["executionArn"]),
        name=str(entry["name"]),
        status=str(entry["status"]),
        started_at=_aware(entry["startDate"]),
        stopped_at=None if stopped is None else _aware(stopped),
        input=text,
    )


def _aware(moment: datetime) -> datetime:
    # botocore gives Step Functions' times in the machine's local zone: UTC reads the same everywhere.
    return moment.astimezone(UTC)


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


def _failed(what: str, error: Exception) -> WorkflowError:
    if isinstance(error, ClientError):
        return WorkflowError(f"{what}: {_code(error)}: {error.response.get('Error', {}).get('Message', '')}")
    return WorkflowError(f"{what}: {error}")
