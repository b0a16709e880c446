"""The CLI's `runs` commands through its real entry against a deployment's API: a local stand-in for API
Gateway hands each signed request to the real handler, whose run workflow is a reports bucket and a state
machine in moto (the answers to waiting runs recorded, as in test_runs_api.py)."""

import io
import json
import socket
from collections.abc import Iterator

import pytest

from disposer import clock
from disposer.retention.loader import parse_policy
from disposer.workflow.directory import RunDirectory
from disposer_cli.exits import EXIT_BAD_INPUT, EXIT_CAP, EXIT_NOT_WAITING, EXIT_OK, EXIT_UNREACHABLE
from disposer_cli.main import main
from tests.integration.local_gateway import local_api
from tests.workflow_runs import DIGEST, OTHER_DIGEST, POLICY, Runs

CALLER = "arn:aws:sts::111122223333:assumed-role/Approvers/cli-user"
SIGNATURES: list[str] = []


@pytest.fixture
def api_url(runs: Runs, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    SIGNATURES.clear()
    with local_api(CALLER, SIGNATURES) as url:
        yield url


def _cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(args), io.StringIO(), out), out.getvalue()


def _waiting(runs: Runs) -> str:
    """A run started through the API (its start step done), waiting for an approval of plan DIGEST."""

    directory = RunDirectory(runs.workflow.store, runs.workflow.answering())
    started = directory.start(parse_policy(POLICY), caller="someone", as_of=clock.now(), expected_plan_digest=None)
    runs.workflow.started(started.run_id, started.execution_arn)
    runs.workflow.awaiting(started.run_id)
    return started.run_id


def test_cli_runs_list_show_approve_through_the_api_signed(api_url: str, runs: Runs):
    # GIVEN a run waiting for an approval
    run_id = _waiting(runs)
    # WHEN it is listed and shown
    code, listed = _cli("--api-url", api_url, "runs", "list")
    assert code == EXIT_OK and run_id in listed and "RUNNING" in listed
    code, shown = _cli("runs", "show", run_id, "--api-url", api_url)
    # THEN it waits, naming the plan to approve and the command that approves it
    assert code == EXIT_OK and "AWAITING_APPROVAL" in shown
    assert f"runs approve {run_id} --plan-digest {DIGEST}" in shown
    # WHEN its plan is approved / THEN the run gets the digest and who approved it
    code, approved = _cli("runs", "approve", run_id, "--plan-digest", DIGEST, "--api-url", api_url)
    assert code == EXIT_OK and f"run {run_id} approved plan {DIGEST}" in approved and CALLER in approved
    assert runs.answers == [{"success": "task-token-1", "output": {"planDigest": DIGEST, "approvedBy": CALLER}}]
    # AND every request was signed for execute-api
    assert SIGNATURES and all(s.startswith("AWS4-HMAC-SHA256") and "/execute-api/aws4_request" in s for s in SIGNATURES)
    # AND a second answer exits 8, sending nothing
    code, _ = _cli("runs", "reject", run_id, "--api-url", api_url)
    assert code == EXIT_NOT_WAITING and len(runs.answers) == 1


def test_cli_runs_json_is_the_apis_answer(api_url: str, runs: Runs):
    run_id = _waiting(runs)
    code, listed = _cli("runs", "list", "--json", "--api-url", api_url)
    assert code == EXIT_OK and [run["runId"] for run in json.loads(listed)] == [run_id]
    code, shown = _cli("runs", "show", run_id, "--json", "--api-url", api_url)
    assert code == EXIT_OK and json.loads(shown)["approval"]["planDigest"] == DIGEST


def test_cli_runs_approve_another_digest_exits_3_and_aborts_the_run(
    api_url: str, runs: Runs, capsys: pytest.CaptureFixture[str]
):
    run_id = _waiting(runs)
    code, _ = _cli("runs", "approve", run_id, "--plan-digest", OTHER_DIGEST, "--api-url", api_url)
    assert code == EXIT_CAP
    error = capsys.readouterr().err
    assert "PlanChanged" in error and "aborted" in error and len(error.strip().splitlines()) == 1
    assert runs.answers[0]["error"] == "PlanChanged"


def test_cli_runs_reject_with_a_reason(api_url: str, runs: Runs):
    run_id = _waiting(runs)
    code, out = _cli("runs", "reject", run_id, "--reason", "wrong repository", "--api-url", api_url)
    assert code == EXIT_OK and "rejected" in out
    assert runs.answers[0]["cause"] == f"rejected by {CALLER}: wrong repository"


def test_cli_runs_unknown_run_exits_2_naming_the_code(api_url: str, capsys: pytest.CaptureFixture[str]):
    code, _ = _cli("runs", "show", "0b6c9a5e-0000-4000-8000-000000000000", "--api-url", api_url)
    assert code == EXIT_BAD_INPUT and "RunNotFound" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ("runs", "approve", "r-1", "--plan-digest", "v1:XYZ"),
        ("runs", "reject", "r-1", "--reason", "x" * 501),
        ("runs", "list", "--limit", "0"),
        ("runs", "list", "--status", "DONE"),
    ],
)
def test_cli_runs_bad_options_exit_2(args: tuple[str, ...]):
    with pytest.raises(SystemExit) as exited:
        _cli(*args, "--api-url", "http://127.0.0.1:9")
    assert exited.value.code == EXIT_BAD_INPUT


def test_cli_runs_without_an_api_url_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.delenv("DISPOSER_API_URL", raising=False)
    code, _ = _cli("runs", "list")
    assert code == EXIT_BAD_INPUT and "--api-url" in capsys.readouterr().err


def test_cli_runs_api_unreachable_exits_7(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    code, _ = _cli("runs", "list", "--api-url", f"http://127.0.0.1:{port}/v1")
    assert code == EXIT_UNREACHABLE


def test_cli_runs_help_names_each_action(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        _cli("runs", "--help")
    text = capsys.readouterr().out
    assert all(action in text for action in ("list", "show", "approve", "reject"))
