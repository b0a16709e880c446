"""The CLI's hold commands against a deployment go through its API, signed with SigV4: here the API is a
local stand-in for API Gateway that hands each request, as a REST proxy event, to the real handler."""

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from disposer.handler import lambda_handler
from disposer_cli.exits import EXIT_BAD_INPUT, EXIT_OK
from disposer_cli.main import main
from local.events import LambdaContext, api_gateway_event

CALLER = "arn:aws:sts::111122223333:assumed-role/PlatformOps/cli-user"


class _ApiGateway(BaseHTTPRequestHandler):
    """Each request to the real handler as API Gateway would send it; the signatures it saw are kept."""

    signatures: list[str] = []

    def _serve(self) -> None:
        self.signatures.append(self.headers.get("Authorization", ""))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else None
        url = urlsplit(self.path)
        # API Gateway's proxy event names the path below the stage.
        event = api_gateway_event(self.command, url.path.removeprefix("/v1"), body, caller_arn=CALLER)
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


@pytest.fixture
def api_url(emulator: Any, ledger_name: str) -> Iterator[str]:
    _ApiGateway.signatures = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ApiGateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def _cli(api_url: str, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(["--api-url", api_url, *args], io.StringIO(), out), out.getvalue()


HOLD = ["--domain", "acme", "--repository", "releases", "--format", "npm", "--namespace", "acme", "--package", "ui-kit"]


def test_cli_holds_through_the_api_add_list_remove_signed(api_url: str, monkeypatch: pytest.MonkeyPatch):
    # GIVEN a deployment's API (the CLI never writes its ledger itself)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    # WHEN a hold is placed, listed and removed through it
    code, placed = _cli(
        api_url, "hold", "add", *HOLD, "--version", "1.1.0", "--until", "2027-06-01T00:00:00Z", "--reason", "escrow"
    )
    assert code == EXIT_OK and "ui-kit 1.1.0" in placed and CALLER in placed
    hold_id = placed.split()[0]
    assert hold_id in _cli(api_url, "hold", "list")[1]
    code, removed = _cli(api_url, "hold", "remove", hold_id)
    # THEN each went through the API, signed for execute-api, and the hold is gone
    assert code == EXIT_OK and f"removed hold {hold_id}" in removed
    assert "no holds in force" in _cli(api_url, "hold", "list")[1]
    assert _ApiGateway.signatures and all(
        s.startswith("AWS4-HMAC-SHA256") and "/execute-api/aws4_request" in s for s in _ApiGateway.signatures
    )


def test_cli_holds_through_the_api_refusal_is_one_line_naming_the_code(
    api_url: str, capsys: pytest.CaptureFixture[str]
):
    # GIVEN a package that does not exist / WHEN a hold is placed on it / THEN exit 2 naming the API's code
    code, _ = _cli(
        api_url,
        "hold",
        "add",
        *HOLD[:-1],
        "nothing",
        "--version",
        "1.0",
        "--until",
        "2027-06-01T00:00:00Z",
        "--reason",
        "x",
    )
    assert code == EXIT_BAD_INPUT
    error = capsys.readouterr().err
    assert "PackageNotFound" in error and len(error.strip().splitlines()) == 1
