"""Modules and functions a reader can take in at once: no module over 300 lines and no function over 50 in the
function's package, the CLI and the stack. A CDK construct that declares its resources in one sequence may be
longer, if the comment above its `def` says why (a comment starting `# Longer than 50 lines:`)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("lambda/disposer", "cli/disposer_cli", "infra")
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 50
REASON = "# Longer than 50 lines:"


def _sources() -> list[Path]:
    return sorted(path for folder in FOLDERS for path in (ROOT / folder).rglob("*.py"))


def _comment_above(lines: list[str], line: int) -> str:
    """The comment lines just above line `line` (1-based), joined."""
    above: list[str] = []
    index = line - 2
    while index >= 0 and lines[index].strip().startswith("#"):
        above.insert(0, lines[index].strip())
        index -= 1
    return " ".join(above)


def test_modules_stay_under_300_lines():
    long = {
        str(p.relative_to(ROOT)): n for p in _sources() if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_functions_stay_under_50_lines_or_say_why():
    long: list[str] = []
    for path in _sources():
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            said = REASON in _comment_above(lines, min([node.lineno, *(d.lineno for d in node.decorator_list)]))
            if length > MAX_FUNCTION_LINES and not (said and path.is_relative_to(ROOT / "infra")):
                long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    assert long == []
