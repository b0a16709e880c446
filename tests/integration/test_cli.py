"""The operator CLI against the emulator: list, validate, plan, apply (with and without confirmation)."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from disposer_cli.exits import (
    EXIT_AWS,
    EXIT_BAD_INPUT,
    EXIT_CAP,
    EXIT_CODES,
    EXIT_DECLINED,
    EXIT_FAILURES,
    EXIT_INCOMPLETE,
    EXIT_NOT_WAITING,
    EXIT_OK,
    EXIT_UNREACHABLE,
)
from disposer_cli.main import main
from tests.integration.harness import calls, statuses
from tests.integration.seeds import UI_KIT

# The shared integration seed publishes ui-kit 1.0.0 .. 1.7.0 in January 2026, 0.9.0 (Archived) and
# 0.8.0 (Unlisted) in 2025: keeping the latest 5 leaves five to dispose, in three status groups.
EXPECTED = {"1.0.0", "1.1.0", "1.2.0", "0.9.0", "0.8.0"}
POLICIES = {
    "policies": [
        {
            "name": "prune-ui",
            "domain": "acme",
            "repository": "releases",
            "format": "npm",
            "package": "ui-*",
            "select": {"olderThanDays": 30},
            "keep": {"latest": 5},
        },
        {"name": "tight-cap", "domain": "acme", "select": {"olderThanDays": 1}, "maxDisposalsPerRun": 1},
    ]
}
AS_OF = "2026-06-01T00:00:00Z"


@pytest.fixture(autouse=True)
def in_a_scratch_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An apply appends its audit records to ./codeartifact-disposer-audit.jsonl: never in the checkout.
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def policies_file(tmp_path: Path) -> Path:
    path = tmp_path / "policies.json"
    path.write_text(json.dumps(POLICIES))
    return path


def cli(emulator, policies_file: Path, *args: str, answer: str = "") -> tuple[int, str]:
    out = io.StringIO()
    if "apply" in args and not {"DISPOSER_LEDGER_TABLE", "DISPOSER_SWITCH_PARAMETER"} <= set(os.environ):
        # The emulator alone has no ledger or switch: say so, as a user against it would.
        args = (*args, "--without-safety-controls")
    code = main(["--policies", str(policies_file), "--endpoint-url", emulator.url, *args], io.StringIO(answer), out)
    return code, out.getvalue()


def disposed(client) -> set[str]:
    return {v for v, s in statuses(client, UI_KIT).items() if s == "Disposed"}


def test_cli_list_shows_every_policy(emulator, policies_file):
    code, out = cli(emulator, policies_file, "list")
    assert code == EXIT_OK
    assert "prune-ui" in out and "tight-cap" in out and "(on demand)" in out


def test_cli_validate_bad_file_exits_2_naming_policy_and_field(emulator, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"policies": [{"name": "x", "domain": "acme", "select": {"versionPattern": "("}}]}))
    code, _ = cli(emulator, bad, "validate")
    assert code == EXIT_BAD_INPUT
    assert "policies[0] (x): select.versionPattern" in capsys.readouterr().err


def test_cli_plan_prints_table_and_writes_nothing(emulator, client, policies_file):
    # WHEN the policy is planned as of June 2026
    code, out = cli(emulator, policies_file, "plan", "prune-ui", "--as-of", AS_OF)
    # THEN the five oldest of ten selected versions are listed for disposal, with reasons, and none is disposed
    assert code == EXIT_OK
    assert out.count("dispose: older than 30 days") == 5
    assert "keep 5, dispose 5" in out
    assert disposed(client) == set()
    assert "DisposePackageVersions" not in calls(emulator)


def test_cli_apply_unconfirmed_disposes_nothing_and_exits_non_zero(emulator, client, policies_file):
    code, out = cli(emulator, policies_file, "apply", "prune-ui", "--as-of", AS_OF, answer="yes\n")
    assert code == EXIT_DECLINED
    assert "not confirmed: nothing disposed" in out
    assert disposed(client) == set()


def test_cli_apply_confirmed_disposes_the_plan(emulator, client, policies_file):
    code, out = cli(emulator, policies_file, "apply", "prune-ui", "--as-of", AS_OF, answer="prune-ui\n")
    assert code == EXIT_OK
    assert '"disposed": 5' in out
    assert disposed(client) == EXPECTED
    # the policy selects all three statuses, so no disposal is pinned to one: one call for the package
    assert calls(emulator)["DisposePackageVersions"] == 1


def test_cli_apply_json_yes_reports_outcomes(emulator, client, policies_file):
    code, out = cli(emulator, policies_file, "apply", "prune-ui", "--as-of", AS_OF, "--yes", "--json")
    report = json.loads(out)
    assert (code, report["mode"], report["outcomes"]) == (EXIT_OK, "apply", {"disposed": 5})
    assert report["trigger"] == "cli"


def test_cli_apply_over_cap_exits_3_and_disposes_nothing(emulator, client, policies_file):
    code, _ = cli(emulator, policies_file, "apply", "tight-cap", "--as-of", AS_OF, "--yes")
    assert code == EXIT_CAP
    assert disposed(client) == set()


def test_cli_unknown_policy_exits_2(emulator, policies_file, capsys):
    code, _ = cli(emulator, policies_file, "plan", "nope")
    assert code == EXIT_BAD_INPUT
    assert "no policy named 'nope'" in capsys.readouterr().err


def test_cli_domain_outside_the_deployment_exits_2(emulator, policies_file, monkeypatch, capsys):
    monkeypatch.setenv("DISPOSER_DOMAIN", "other")
    code, _ = cli(emulator, policies_file, "plan", "prune-ui")
    assert code == EXIT_BAD_INPUT
    assert "OutOfScope" in capsys.readouterr().err


def test_cli_apply_future_clock_exits_2_and_disposes_nothing(emulator, client, policies_file):
    code, _ = cli(emulator, policies_file, "apply", "prune-ui", "--as-of", "2099-01-01T00:00:00Z", "--yes")
    assert code == EXIT_BAD_INPUT
    assert disposed(client) == set()


def test_cli_apply_json_asks_on_stderr_keeping_stdout_json(emulator, client, policies_file, capsys):
    code, out = cli(emulator, policies_file, "apply", "prune-ui", "--as-of", AS_OF, "--json", answer="prune-ui\n")
    assert code == EXIT_OK
    assert json.loads(out)["outcomes"] == {"disposed": 5}
    assert "Type the policy name" in capsys.readouterr().err


def test_cli_hold_add_list_remove_and_a_plan_keeps_the_held_version(emulator, policies_file, ledger_name):
    # GIVEN a hold placed from the CLI
    code, out = cli(
        emulator,
        policies_file,
        "hold",
        "add",
        "--domain",
        "acme",
        "--repository",
        "releases",
        "--format",
        "npm",
        "--namespace",
        "acme",
        "--package",
        "ui-kit",
        "--version",
        "1.1.0",
        "--until",
        "2027-06-01T00:00:00Z",
        "--reason",
        "customer escrow",
    )
    assert code == EXIT_OK and "ui-kit 1.1.0" in out and "customer escrow" in out
    hold_id = out.split()[0]
    # WHEN listed, and a plan made / THEN it is in force, and the plan keeps the version
    assert hold_id in cli(emulator, policies_file, "hold", "list")[1]
    _, plan = cli(emulator, policies_file, "plan", "prune-ui", "--as-of", AS_OF, "--show-kept")
    assert "kept: held by" in plan and "customer escrow" in plan
    # WHEN removed / THEN gone, and removing it again is a clear error
    assert cli(emulator, policies_file, "hold", "remove", hold_id)[0] == EXIT_OK
    assert "no holds in force" in cli(emulator, policies_file, "hold", "list")[1]
    assert cli(emulator, policies_file, "hold", "remove", hold_id)[0] == EXIT_BAD_INPUT


def test_cli_hold_add_invalid_names_the_option(emulator, policies_file, ledger_name, capsys):
    args = ["hold", "add", "--domain", "acme", "--repository", "releases", "--format", "npm", "--namespace", "acme"]
    code, _ = cli(
        emulator,
        policies_file,
        *args,
        "--package",
        "ui-kit",
        "--version",
        "1.1.0",
        "--until",
        "2020-01-01T00:00:00Z",
        "--reason",
        "r",
    )
    assert code == EXIT_BAD_INPUT
    assert "--until" in capsys.readouterr().err


HOLD_ADD = ["hold", "add", "--domain", "acme", "--repository", "releases", "--format", "npm", "--namespace", "acme"]


@pytest.mark.parametrize(("package", "expected"), [("ui-*", "--package"), ("ui-kitt", "no package 'ui-kitt'")])
def test_cli_hold_add_on_a_glob_or_missing_package_is_refused(
    emulator, policies_file, ledger_name, capsys, package, expected
):
    more = ["--version", "1.1.0", "--until", "2027-06-01T00:00:00Z", "--reason", "r"]
    code, _ = cli(emulator, policies_file, *HOLD_ADD, "--package", package, *more)
    assert code == EXIT_BAD_INPUT
    assert expected in capsys.readouterr().err
    assert "no holds in force" in cli(emulator, policies_file, "hold", "list")[1]


def test_cli_hold_remove_of_someone_elses_hold_needs_override(
    emulator, policies_file, ledger_name, capsys, lambda_context
):
    # GIVEN a hold someone else placed (through the API, as another principal)
    from tests.integration.harness import invoke_api

    body = {**UI_KIT, "version": "1.1.0", "until": "2027-06-01T00:00:00Z", "reason": "theirs"}
    other = "arn:aws:sts::111122223333:assumed-role/Developers/mallory"
    hold_id = invoke_api(lambda_context, "POST", "/holds", body, caller_arn=other).body["hold"]["holdId"]
    # WHEN removed from the CLI / THEN refused, naming the override; with --override, removed
    assert cli(emulator, policies_file, "hold", "remove", hold_id)[0] == EXIT_BAD_INPUT
    assert "override" in capsys.readouterr().err
    assert cli(emulator, policies_file, "hold", "remove", hold_id, "--override")[0] == EXIT_OK
    assert "no holds in force" in cli(emulator, policies_file, "hold", "list")[1]


def test_cli_switch_off_status_on(emulator, policies_file, switch, ledger_name, client):
    # GIVEN the switch turned off from the CLI
    code, out = cli(emulator, policies_file, "switch", "off")
    assert code == EXIT_OK and "off" in out
    # WHEN an apply runs / THEN it disposes nothing and says why, exit 3
    code, _ = cli(emulator, policies_file, "apply", "prune-ui", "--as-of", AS_OF, "--yes")
    assert code == EXIT_CAP and disposed(client) == set()
    # WHEN turned back on / THEN status says so
    assert "on: disposals allowed" in cli(emulator, policies_file, "switch", "on")[1]
    assert "on: disposals allowed" in cli(emulator, policies_file, "switch", "status")[1]


def test_cli_plan_prints_its_digest_and_apply_refuses_a_changed_plan(emulator, policies_file, client):
    # GIVEN a plan's digest, then one planned version archived by someone
    _, plan = cli(emulator, policies_file, "plan", "prune-ui", "--as-of", AS_OF)
    digest = plan.split("plan digest: ")[1].split()[0]
    coordinates = {key: UI_KIT[key] for key in ("domain", "repository", "format", "namespace", "package")}
    emulator.store.call(
        "UpdatePackageVersionsStatus", {**coordinates, "versions": ["1.1.0"], "targetStatus": "Unlisted"}
    )
    # WHEN applied expecting that digest / THEN nothing is disposed, exit 3
    code, _ = cli(emulator, policies_file, "apply", "prune-ui", "--as-of", AS_OF, "--yes", "--expect-digest", digest)
    assert code == EXIT_CAP and disposed(client) == set()


def test_cli_plan_html_writes_one_self_contained_page(emulator, policies_file, tmp_path):
    page = tmp_path / "plan.html"
    code, out = cli(emulator, policies_file, "plan", "prune-ui", "--as-of", AS_OF, "--html", str(page))
    digest = out.split("plan digest: ")[1].split()[0]
    text = page.read_text(encoding="utf-8")
    assert code == EXIT_OK and digest in text and 'id="decisions"' in text


def test_cli_audit_records_off_the_terminal_unless_verbose_or_a_file(emulator, policies_file, tmp_path, capsys):
    # GIVEN a plan without options / THEN no audit record reaches stdout or stderr
    _, out = cli(emulator, policies_file, "plan", "prune-ui", "--as-of", AS_OF)
    assert '"message":"plan"' not in out + capsys.readouterr().err
    # WITH --verbose they go to stderr, WITH --audit-log to the file
    log = tmp_path / "audit.jsonl"
    _, out = cli(emulator, policies_file, "--verbose", "--audit-log", str(log), "plan", "prune-ui", "--as-of", AS_OF)
    assert '"message":"plan"' in capsys.readouterr().err and '"message":"plan"' not in out
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert {record["message"] for record in records} == {"plan", "run report"}


def test_cli_apply_with_nothing_to_dispose_says_so(emulator, policies_file):
    # (on 1 February 2025, no version of the seed has been published yet, let alone for 30 days)
    code, out = cli(emulator, policies_file, "apply", "prune-ui", "--as-of", "2025-02-01T00:00:00Z", "--yes")
    assert code == EXIT_OK and "applied: nothing to dispose" in out


def test_cli_apply_without_the_safety_controls_refuses_unless_told(emulator, policies_file, client, capsys):
    # GIVEN no ledger table and no switch parameter / WHEN applied without saying so
    code = main(["--policies", str(policies_file), "--endpoint-url", emulator.url, "apply", "prune-ui", "--yes"])
    # THEN it refuses, naming both, and disposes nothing
    error = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT and "--ledger-table and --switch-parameter" in error
    assert disposed(client) == set()


# What the exit code says: a plan that could not read what the policy names is never a success.
ONE_PACKAGE = {
    "name": "one-package",
    "domain": "acme",
    "repository": "releases",
    "format": "npm",
    "namespace": "acme",
    "package": "ui-kit",
    "select": {"olderThanDays": 30},
    "keep": {"latest": 5},
}
# Nothing listens there: a refused connection.
DEAD_ENDPOINT = "http://127.0.0.1:9"


@pytest.fixture
def literal_policies(tmp_path: Path) -> Path:
    typo = {**ONE_PACKAGE, "name": "typo", "package": "ui-kitt"}
    missing = {**ONE_PACKAGE, "name": "no-repository", "repository": "relaeses", "package": "ui-*"}
    path = tmp_path / "literal.json"
    path.write_text(json.dumps({"policies": [ONE_PACKAGE, typo, missing, POLICIES["policies"][0]]}))
    return path


@pytest.mark.parametrize("command", [("plan",), ("apply", "--yes")])
@pytest.mark.parametrize("policy", ["one-package", "prune-ui"])
def test_cli_dead_endpoint_exits_7_could_not_reach(emulator, literal_policies, capsys, command, policy):
    # GIVEN a literal package (or a glob) and an endpoint nobody listens on (given after the subcommand)
    # WHEN planned or applied
    code, _ = cli(emulator, literal_policies, *command, policy, "--as-of", AS_OF, "--endpoint-url", DEAD_ENDPOINT)
    # THEN the exit code says it could not reach CodeArtifact, in one line naming the endpoint, not "AWS refused"
    error = capsys.readouterr().err
    assert code == EXIT_UNREACHABLE, error
    assert "could not reach CodeArtifact" in error and "AWS refused" not in error
    assert error.count("error: ") == 1


def test_cli_literal_package_typo_exits_6_naming_it(emulator, literal_policies, capsys):
    # GIVEN a policy whose literal package does not exist / WHEN planned
    code, out = cli(emulator, literal_policies, "plan", "typo", "--as-of", AS_OF)
    # THEN exit 6, one line naming the package and that it does not exist
    error = capsys.readouterr().err
    assert code == EXIT_INCOMPLETE
    assert "error: the plan is incomplete: package releases/npm/acme/ui-kitt does not exist" in error
    assert "0 versions in 0 packages" in out


def test_cli_literal_repository_missing_exits_6(emulator, literal_policies, capsys):
    code, _ = cli(emulator, literal_policies, "plan", "no-repository", "--as-of", AS_OF)
    assert code == EXIT_INCOMPLETE
    assert "not found: ResourceNotFoundException" in capsys.readouterr().err


def test_cli_apply_yes_literal_package_typo_exits_6_and_disposes_nothing(emulator, literal_policies, client, capsys):
    code, _ = cli(emulator, literal_policies, "apply", "typo", "--as-of", AS_OF, "--yes")
    assert code == EXIT_INCOMPLETE and disposed(client) == set()
    assert "ui-kitt does not exist" in capsys.readouterr().err


def test_cli_expect_digest_malformed_exits_2_naming_the_form(emulator, policies_file, client, capsys):
    # WHEN a digest that is not one is given
    with pytest.raises(SystemExit) as exit_:
        cli(emulator, policies_file, "apply", "prune-ui", "--as-of", AS_OF, "--yes", "--expect-digest", "banana")
    # THEN it is bad input (exit 2), naming the expected form, and nothing is read or disposed
    assert exit_.value.code == EXIT_BAD_INPUT
    assert "v1: and 32 lowercase hex digits" in capsys.readouterr().err
    assert "ListPackageVersions" not in calls(emulator) and disposed(client) == set()


@pytest.mark.parametrize("option", [("plan", "prune-ui", "--as-of"), ("hold", "add", "--until")])
def test_cli_time_without_a_zone_exits_2_with_an_example(emulator, policies_file, capsys, option):
    hold = ["--repository", "r", "--format", "npm", "--package", "p", "--version", "1", "--reason", "x"]
    args = [*option, "2026-06-01T00:00:00", *(hold if option[0] == "hold" else [])]
    with pytest.raises(SystemExit) as exit_:
        cli(emulator, policies_file, *args)
    error = capsys.readouterr().err
    assert exit_.value.code == EXIT_BAD_INPUT
    assert "write it with a zone, like 2026-11-21T03:00:00Z" in error


def test_cli_global_options_after_the_subcommand(emulator, policies_file, tmp_path):
    # GIVEN every global option after the subcommand (and the file given nowhere else)
    log = tmp_path / "after.jsonl"
    code = main(
        [
            "plan",
            "prune-ui",
            "--as-of",
            AS_OF,
            "--policies",
            str(policies_file),
            "--endpoint-url",
            emulator.url,
            "--region",
            "us-east-1",
            "--audit-log",
            str(log),
        ],
        io.StringIO(),
        io.StringIO(),
    )
    # THEN they are honoured as before it
    assert code == EXIT_OK and "run report" in log.read_text()


def test_cli_global_option_before_the_subcommand_is_not_overwritten(emulator, policies_file):
    # GIVEN --policies before the subcommand and another option after it / THEN the file given is used
    out = io.StringIO()
    code = main(["--policies", str(policies_file), "list", "--verbose"], io.StringIO(), out)
    assert code == EXIT_OK and "prune-ui" in out.getvalue()


def _complete(line: str) -> str:
    """What the CLI answers a shell's completion hook for `line` (register-python-argcomplete), in a process of
    its own as a shell runs it: argcomplete writes its answers to fd 8 and takes fd 9 for debugging, which
    in this process would be the test runner's."""
    root = Path(__file__).resolve().parents[2]
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(root / folder) for folder in ("lambda", "cli", ".")),
        "_ARGCOMPLETE": "1",
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
    }
    # As bash's completion function does: the answers on fd 8 (here, into stdout), debugging on fd 9 discarded.
    script = f'"{sys.executable}" -m disposer_cli 8>&1 9>/dev/null 1>/dev/null'
    done = subprocess.run(["bash", "-c", script], env=environment, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("codeartifact-disposer pl", "plan"),
        ("codeartifact-disposer plan x --endp", "--endpoint-url"),
        ("codeartifact-disposer runs ap", "approve"),
        ("codeartifact-disposer runs list --status TIMED", "TIMED_OUT"),
    ],
)
def test_cli_completion_completes_subcommands_and_options(line: str, expected: str):
    # GIVEN the environment a shell's completion hook sets / WHEN the CLI is asked / THEN it answers completions
    assert expected in _complete(line)


def test_cli_readme_exit_code_table_matches_the_cli():
    # GIVEN the README's exit-code table / THEN its codes, in order, are the CLI's, in the order --help gives
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- exit-codes -->")[1].split("<!-- /exit-codes -->")[0]
    cells = [line.split("|")[1].strip() for line in table.splitlines() if line.startswith("|")]
    documented = [int(cell) for cell in cells if cell.isdigit()]
    helped = [int(line.split()[0]) for line in EXIT_CODES.splitlines()[1:] if line[:3].strip().isdigit()]
    assert documented == helped
    assert set(documented) == {
        EXIT_OK,
        EXIT_FAILURES,
        EXIT_BAD_INPUT,
        EXIT_CAP,
        EXIT_AWS,
        EXIT_DECLINED,
        EXIT_INCOMPLETE,
        EXIT_UNREACHABLE,
        EXIT_NOT_WAITING,
    }
