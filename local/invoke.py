"""A local Lambda Invoke endpoint (AWS_ENDPOINT_URL_LAMBDA) whose functions are Python handlers of this process.

moto's Lambda runs a function's code only in Docker; this runs the handler itself, so that a command which
invokes a deployed function (the CLI's `usage backfill`) can be driven end to end: the request as botocore
sends it (`POST /2015-03-31/functions/{FunctionName}/invocations`, the payload as the body), the handler
called with the JSON payload and a context whose remaining time is the function's timeout, and the answer as
Lambda gives it: 200 with the handler's result as JSON, or, when the handler raises, 200 with
`X-Amz-Function-Error: Unhandled` and the error document Lambda's Python runtime writes. A function that is
not registered is a 404 ResourceNotFoundException. Only RequestResponse is served. Every invocation is kept
(`invocations`: the function and its payload).
"""

import json
import threading
import traceback
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

from local.asl.lambdas import function_name
from local.emulator.responses import Response
from local.emulator.server import EmulatorHTTPServer, ServingThread
from local.events import LOCAL_ACCOUNT, LOCAL_REGION, LambdaContext

Handler = Callable[[Any, Any], Any]
_PREFIX, _SUFFIX = "/2015-03-31/functions/", "/invocations"


class InvokeApp:
    """Answers Invoke for the registered handlers, each with its timeout (milliseconds)."""

    def __init__(self, functions: Mapping[str, tuple[Handler, int]]) -> None:
        self.functions = dict(functions)
        self.invocations: list[tuple[str, Any]] = []
        self._lock = threading.Lock()

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        path = target.split("?", 1)[0]
        if method != "POST" or not (path.startswith(_PREFIX) and path.endswith(_SUFFIX)):
            return _error(404, "UnknownOperationException", f"No Lambda operation at {method} {path}")
        name = function_name(unquote(path[len(_PREFIX) : -len(_SUFFIX)]))
        if name not in self.functions:
            arn = f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT}:function:{name}"
            return _error(404, "ResourceNotFoundException", f"Function not found: {arn}")
        if headers.get("x-amz-invocation-type", "RequestResponse") != "RequestResponse":
            return _error(400, "InvalidParameterValueException", "Only RequestResponse is served here")
        try:
            event = json.loads(body or b"{}")
        except ValueError:
            return _error(400, "InvalidRequestContentException", "Could not parse request body into json")
        with self._lock:
            self.invocations.append((name, event))
        handler, timeout_ms = self.functions[name]
        context = LambdaContext(
            function_name=name,
            invoked_function_arn=f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT}:function:{name}",
            aws_request_id=str(uuid.uuid4()),
            remaining_time_in_millis=timeout_ms,
        )
        try:
            result = handler(event, context)
        except Exception as error:  # noqa: BLE001 - reported as Lambda reports a function error
            document = {
                "errorMessage": str(error),
                "errorType": type(error).__name__,
                "requestId": context.aws_request_id,
                "stackTrace": traceback.format_tb(error.__traceback__),
            }
            return Response(200, json.dumps(document).encode(), [*_headers(), ("X-Amz-Function-Error", "Unhandled")])
        return Response(200, json.dumps(result).encode(), _headers())


def _headers() -> list[tuple[str, str]]:
    return [
        ("Content-Type", "application/json"),
        ("x-amzn-RequestId", str(uuid.uuid4())),
        ("X-Amz-Executed-Version", "$LATEST"),
    ]


def _error(status: int, code: str, message: str) -> Response:
    document = {"Type": "User", "message": message}
    return Response(status, json.dumps(document).encode(), [*_headers(), ("x-amzn-ErrorType", code)])


class LocalLambda(ServingThread):
    """A started endpoint: `url` for AWS_ENDPOINT_URL_LAMBDA, `app` for the invocations it answered."""

    def __init__(self, functions: Mapping[str, tuple[Handler, int]], *, host: str = "127.0.0.1") -> None:
        self.app = InvokeApp(functions)
        super().__init__(EmulatorHTTPServer((host, 0), self.app), "lambda")  # type: ignore[arg-type]
