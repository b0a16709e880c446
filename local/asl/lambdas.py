"""Python callables standing in for Lambda functions: found by name or ARN, called with a JSON copy of the
payload, their exceptions reported as Lambda reports a function error."""

from __future__ import annotations

import json
import re
import threading
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from local.asl.errors import StatesError

Handler = Callable[[Any], Any]
NOT_FOUND = "Lambda.ResourceNotFoundException"
_FUNCTION = re.compile(
    r"(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:)?(?:\d{12}:)?(?:function:)?(?P<name>[A-Za-z0-9_-]{1,140})"
    r"(?::(?P<qualifier>\$LATEST|[A-Za-z0-9_-]+))?"
)


def function_name(name_or_arn: str) -> str:
    """The function's name in any form FunctionName accepts: a name, a partial or full ARN, with a qualifier."""
    match = _FUNCTION.fullmatch(name_or_arn)
    return match["name"] if match else name_or_arn


def error_cause(error: BaseException) -> str:
    """The Cause Step Functions gives a function error: the JSON Lambda's Python runtime reports."""
    frames = traceback.extract_tb(error.__traceback__)[1:]
    return json.dumps(
        {"errorMessage": str(error), "errorType": type(error).__name__, "stackTrace": traceback.format_list(frames)}
    )


class Functions:
    """The registry of functions: `Functions({"steps": handler})`, or `register()` one at a time.

    A function is registered and found by its name: `steps`, `arn:aws:lambda:us-east-1:123456789012:function:steps`
    and `steps:$LATEST` are the same function (qualifiers are not told apart).
    """

    def __init__(self, handlers: Mapping[str, Handler] | None = None) -> None:
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()
        for name, handler in (handlers or {}).items():
            self.register(name, handler)

    def register(self, name_or_arn: str, handler: Handler) -> None:
        """Make `handler` answer invocations of the function (replacing any earlier one)."""
        with self._lock:
            self._handlers[function_name(name_or_arn)] = handler

    def resolve(self, name_or_arn: str) -> Handler:
        """The handler of a function, or Lambda.ResourceNotFoundException as the Invoke call raises it."""
        with self._lock:
            handler = self._handlers.get(function_name(name_or_arn))
        if handler is None:
            raise StatesError(NOT_FOUND, f"Function not found: {name_or_arn} (Service: Lambda, Status Code: 404)")
        return handler

    def invoke(self, name_or_arn: str, payload: Any) -> Any:
        """Call the function with a JSON copy of `payload`; what it returns, as JSON gives it back.

        An exception is the error named by its class, with Lambda's error JSON as its cause.
        """
        handler = self.resolve(name_or_arn)
        event = json.loads(json.dumps(payload))
        try:
            returned = handler(event)
        # A function may raise anything; Lambda turns every exception into an error response, and so do we.
        except Exception as error:
            raise StatesError(type(error).__name__, error_cause(error)) from error
        try:
            return json.loads(json.dumps(returned, allow_nan=False))
        except (TypeError, ValueError) as error:
            cause = {"errorMessage": f"Unable to marshal response: {error}", "errorType": "Runtime.MarshalError"}
            raise StatesError("Runtime.MarshalError", json.dumps({**cause, "stackTrace": []})) from error
