"""The local Step Functions over HTTP, speaking the API's wire protocol (awsJson1_0, `X-Amz-Target:
AWSStepFunctions.<Operation>`) on 127.0.0.1, so boto3's `stepfunctions` client works against it with
`endpoint_url` or AWS_ENDPOINT_URL_SFN. Requests are validated against botocore's model; in strict mode (the
default) a response member the model does not have is a server error, so the service cannot drift from it."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from local.asl import model
from local.asl.api import OPERATIONS
from local.asl.errors import ServiceError
from local.asl.service import StepFunctions

TARGET_PREFIX = "AWSStepFunctions."
CONTENT_TYPE = "application/x-amz-json-1.0"
logger = logging.getLogger("local.asl.server")


class StepFunctionsServer(ThreadingHTTPServer):
    """A thread per request, answering from one StepFunctions service."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], service: StepFunctions, *, strict: bool = True) -> None:
        self.service = service
        self.strict = strict
        super().__init__(address, _RequestHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def answer(self, target: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """The HTTP status and JSON body answering one request."""
        try:
            operation = target.removeprefix(TARGET_PREFIX) if target.startswith(TARGET_PREFIX) else ""
            if operation not in OPERATIONS:
                raise ServiceError("UnknownOperationException", f"Unknown operation {target!r}")
            request = _request(body)
            model.check_request(operation, request)
            response = OPERATIONS[operation](self.service, request)
        except ServiceError as error:
            return 400, {"__type": f"com.amazonaws.states#{error.code}", "message": error.message}
        unmodelled = model.unmodelled_fields(operation, response) if self.strict else []
        if unmodelled:
            logger.error("%s answered members its model does not have: %s", operation, unmodelled)
            return 500, {"__type": "InternalServerError", "message": f"unmodelled response members {unmodelled}"}
        return 200, response


def _request(body: bytes) -> dict[str, Any]:
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        raise ServiceError("SerializationException", "the request body is not JSON") from None
    if not isinstance(request, dict):
        raise ServiceError("SerializationException", "the request body is not a JSON object")
    return request


class _RequestHandler(BaseHTTPRequestHandler):
    server: StepFunctionsServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            status, payload = self.server.answer(self.headers.get("X-Amz-Target", ""), body)
        # The edge of the server: a bug answers 500 (and is logged) rather than dropping the connection.
        except Exception:
            logger.exception("the local Step Functions failed answering %s", self.headers.get("X-Amz-Target"))
            status, payload = 500, {"__type": "InternalServerError", "message": "see the server's log"}
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug(format, *args)


@contextmanager
def local_stepfunctions(service: StepFunctions | None = None, *, port: int = 0, strict: bool = True) -> Iterator[str]:
    """Serve `service` (a new empty one by default) on 127.0.0.1:`port` (0: a free one) in a background thread;
    yield its URL. On exit the server stops and the service's running executions are stopped."""
    service = service or StepFunctions()
    server = StepFunctionsServer(("127.0.0.1", port), service, strict=strict)
    # A short poll interval: shutdown() waits for the loop to notice.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="asl-server", daemon=True)
    thread.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        service.close()
