"""Why a version is kept for a dependent, as the operator reads it: the CLI's table and the plan page name the
dependent version and its requirement."""

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from disposer_cli.exits import EXIT_OK
from disposer_cli.main import main
from tests.integration.retention.test_dependency_keeps import CASES, dependency_repository
from tests.integration.seeds import RUN_TIME

CARET = CASES[1]
POLICIES = {
    "policies": [
        {
            "name": "keep-needed",
            "domain": "acme",
            "repository": CARET[0],
            "select": {"olderThanDays": 30},
            "keep": {"latest": 1, "dependencies": True},
        }
    ]
}
WHY = "kept: dependency of @acme/app 9.0.0 (^1.1.0)"


@pytest.fixture
def seed() -> dict[str, Any]:
    return {"domains": [{"name": "acme", "owner": "111122223333", "repositories": [dependency_repository(CARET)]}]}


def test_the_table_and_the_page_name_the_dependent_and_its_requirement(emulator: Any, tmp_path: Path) -> None:
    policies, page = tmp_path / "policies.json", tmp_path / "plan.html"
    policies.write_text(json.dumps(POLICIES))
    out = io.StringIO()
    as_of = (RUN_TIME + timedelta(hours=1)).isoformat()
    args = ["--policies", str(policies), "--endpoint-url", emulator.url, "plan", "keep-needed", "--show-kept"]
    code = main([*args, "--as-of", as_of, "--html", str(page), "--all"], io.StringIO(), out)
    assert code == EXIT_OK
    row = next(line for line in out.getvalue().splitlines() if " 1.4.0 " in line)
    assert WHY in row
    assert WHY in page.read_text(encoding="utf-8")
