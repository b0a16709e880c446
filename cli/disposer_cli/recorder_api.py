"""A deployment's usage recorder as the CLI invokes it: one backfill invocation (Lambda Invoke, RequestResponse),
signed with the environment's credentials, which need lambda:InvokeFunction on the recorder. The answer is the
recorder's own document (disposer/recorder/backfill_models.py); a function that failed, an Invoke refused and a
Lambda that does not answer are told apart, so that the command can say which."""

import json
from datetime import datetime
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, ReadTimeoutError

from disposer import aws

# Lambda runs a function for at most 15 minutes: the answer is waited for longer than that.
INVOKE_READ_SECONDS = 960
INVOKE_CONNECT_SECONDS = 10


class RecorderError(Exception):
    """The recorder could not be invoked (`unreachable`: nothing answered) or failed; the message says which."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class RecorderFunction:
    """The recorder named `name` (the stack's RecorderFunctionName, or its ARN)."""

    def __init__(self, name: str) -> None:
        self.name = name
        config = Config(
            read_timeout=INVOKE_READ_SECONDS,
            connect_timeout=INVOKE_CONNECT_SECONDS,
            # A backfill read again changes nothing: an Invoke that was throttled or lost may be sent again.
            retries={"mode": "standard", "total_max_attempts": 3},
        )
        self._client = aws.client("lambda", config=config)

    def backfill(self, start: datetime, end: datetime) -> dict[str, Any]:
        """The recorder's answer to a backfill of [start, end); RecorderError if there is none."""
        event = {"backfill": {"from": stamp(start), "to": stamp(end)}}
        try:
            answer = self._client.invoke(
                FunctionName=self.name, InvocationType="RequestResponse", Payload=json.dumps(event).encode()
            )
            payload = json.loads(answer["Payload"].read() or b"null")
        except ClientError as error:
            details = error.response.get("Error", {})
            raise RecorderError(
                f"Lambda refused to invoke {self.name}: {details.get('Code')}: {details.get('Message')}"
            ) from None
        except (ConnectionError, ReadTimeoutError) as error:
            raise RecorderError(f"could not reach Lambda to invoke {self.name}: {error}", unreachable=True) from None
        except (BotoCoreError, ValueError) as error:
            raise RecorderError(f"invoking {self.name} failed: {error}") from None
        if answer.get("FunctionError"):
            what = payload if isinstance(payload, dict) else {}
            raise RecorderError(
                f"the recorder {self.name} failed: {what.get('errorType', answer['FunctionError'])}: "
                f"{what.get('errorMessage', payload)}"
            )
        if not isinstance(payload, dict):
            raise RecorderError(f"the recorder {self.name} answered {payload!r}, not a backfill's answer")
        return payload
