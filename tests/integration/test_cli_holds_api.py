"""The CLI's hold commands against a deployment go through its API, signed with SigV4: here the API is a
local stand-in for API Gateway that hands each request, as a REST proxy event, to the real handler."""

import io
from collections.abc import Iterator
from typing import Any

import pytest

from disposer_cli.exits import EXIT_BAD_INPUT, EXIT_OK
from disposer_cli.main import main
from tests.integration.local_gateway import local_api

CALLER = "arn:aws:sts::111122223333:assumed-role/PlatformOps/cli-user"
SIGNATURES: list[str] = []


@pytest.fixture
def api_url(emulator: Any, ledger_name: str) -> Iterator[str]:
    SIGNATURES.clear()
    with local_api(CALLER, SIGNATURES) as url:
        yield url


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
    assert SIGNATURES and all(s.startswith("AWS4-HMAC-SHA256") and "/execute-api/aws4_request" in s for s in SIGNATURES)


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
