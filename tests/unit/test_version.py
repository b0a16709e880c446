"""One version, written once: the changelog's latest release and the package metadata say
disposer.version.__version__."""

import ast
import re
import tomllib
from datetime import date
from pathlib import Path

from disposer.version import __version__

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
