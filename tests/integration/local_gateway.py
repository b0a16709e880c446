"""A local stand-in for API Gateway, for the CLI's commands that go through a deployment's API: each request it
gets is handed to the real handler as the REST proxy event API Gateway would send, signed by `caller_arn`."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from disposer.handler import lambda_handler
from local.events import LambdaContext, api_gateway_event

STAGE = "/v1"


class _ApiGateway(BaseHTTPRequestHandler):
    """Each request to the real handler as API Gateway would send it; the signatures it saw are kept."""

    signatures: list[str] = []
    caller_arn = ""

    def _serve(self) -> None:
        self.signatures.append(self.headers.get("Authorization", ""))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else None
        url = urlsplit(self.path)
        # API Gateway's proxy event names the path below the stage.
        event = api_gateway_event(self.command, url.path.removeprefix(STAGE), body, caller_arn=self.caller_arn)
        query = {name: values[-1] for name, values in parse_qs(url.query).items()}
        event["queryStringParameters"] = query or None
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} or None
        answer: dict[str, Any] = lambda_handler(event, LambdaContext())
        payload = answer["body"].encode()
        self.send_response(answer["statusCode"])
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = _serve

    def log_message(self, *_: Any) -> None:
        return None


@contextmanager
def local_api(caller_arn: str, signatures: list[str]) -> Iterator[str]:
    """The API's URL (with its stage) on a loopback port; each request's Authorization header goes to `signatures`."""
    handler = type("ApiGateway", (_ApiGateway,), {"signatures": signatures, "caller_arn": caller_arn})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{STAGE}"
    finally:
        server.shutdown()
        server.server_close()
