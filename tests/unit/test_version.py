"""One version, written once: the changelog's latest release, the package metadata, the CLI's --version and every
log record of the function all say disposer.version.__version__."""

import ast
import re
import tomllib
from datetime import date
from pathlib import Path

import pytest

from disposer.model.outcomes import VersionOutcome
from disposer.model.packages import PackageFormat, PackageRef, PackageVersionStatus
from disposer.model.plans import Action, PlanItem, Rule
from disposer.model.runs import RunContext
from disposer.observability import logger
from disposer.observability.audit import record_outcome
from disposer.version import __version__
from disposer_cli.arguments import PROG
from disposer_cli.main import main as cli_main
from tests.support import LambdaContext

ROOT = Path(__file__).resolve().parents[2]
VERSION_MODULE = ROOT / "lambda" / "disposer" / "version.py"
RELEASE = re.compile(r"^## \[(\d+)\.(\d+)\.(\d+)\] - (\d{4}-\d{2}-\d{2})$", re.MULTILINE)


def releases() -> list[tuple[tuple[int, int, int], date]]:
    """The changelog's released versions with their dates, newest first, as written."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    return [((int(a), int(b), int(c)), date.fromisoformat(day)) for a, b, c, day in RELEASE.findall(text)]


def test_changelog_latest_release_is_the_package_version():
    # GIVEN the changelog's releases
    (latest, _), *_ = releases()
    # THEN the newest is the version the code carries
    assert ".".join(map(str, latest)) == __version__


def test_changelog_unreleased_comes_first_and_releases_go_back_in_time():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert headings[0] == "[Unreleased]"
    found = releases()
    assert len(found) == len(headings) - 1, "a release heading not shaped '## [X.Y.Z] - YYYY-MM-DD'"
    versions, days = [v for v, _ in found], [d for _, d in found]
    assert versions == sorted(versions, reverse=True) and len(set(versions)) == len(versions)
    assert days == sorted(days, reverse=True)


def test_version_module_imports_nothing():
    # The build reads the file without importing the package, and the asset imports it on every cold start.
    tree = ast.parse(VERSION_MODULE.read_text(encoding="utf-8"))
    assert not [node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)]
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)


def test_pyproject_reads_the_version_from_the_module():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert ROOT / project["tool"]["hatch"]["version"]["path"] == VERSION_MODULE


def test_cli_version_prints_the_program_and_its_version(capsys):
    # WHEN asked for its version
    with pytest.raises(SystemExit) as stopped:
        cli_main(["--version"])
    # THEN it prints one line and exits 0
    assert stopped.value.code == 0
    assert capsys.readouterr().out == f"{PROG} {__version__}\n"


def test_log_records_carry_the_version_across_invocations(printed):
    # GIVEN a function decorated as both handlers are: their state is cleared on every invocation
    @logger.inject_lambda_context(clear_state=True)
    def handler(event: dict[str, str], context: LambdaContext) -> None:
        logger.append_keys(run_id=event["run"])
        logger.info("run report")

    # WHEN invoked twice, as a warm execution environment is
    handler({"run": "run-1"}, LambdaContext())
    handler({"run": "run-2"}, LambdaContext())
    records = [record for record in printed() if record.get("message") == "run report"]
    # THEN each record says which version wrote it, and the per-invocation keys did not leak
    assert [(record["service_version"], record["run_id"]) for record in records] == [
        (__version__, "run-1"),
        (__version__, "run-2"),
    ]


def test_audit_record_keeps_the_package_version_beside_the_service_version(printed):
    # GIVEN an audit record about version 0.9.0 of a package
    ref = PackageRef("acme", "111122223333", "releases", PackageFormat.NPM, "acme", "ui-kit")
    item = PlanItem(ref, "0.9.0", "r-1", PackageVersionStatus.PUBLISHED, Action.DISPOSE, Rule.DISPOSE_OLDER_THAN, "old")
    run = RunContext(run_id="run-1", trigger="schedule", caller="rule", dry_run=False, policy="prune")
    # WHEN recorded
    record_outcome(run, VersionOutcome(item, True, revision="r-1", status="Disposed"))
    (record,) = printed()
    # THEN `version` is still the package's, and the code's has a field of its own
    assert (record["version"], record["service_version"]) == ("0.9.0", __version__)
