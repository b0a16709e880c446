"""The local Step Functions keeps the project's size limits: modules up to 300 lines, functions up to 50."""

import ast
from pathlib import Path

ASL = Path(__file__).resolve().parents[3] / "local" / "asl"


def test_asl_modules_stay_under_300_lines():
    long = {path.name: n for path in ASL.glob("*.py") if (n := len(path.read_text().splitlines())) > 300}
    assert long == {}


def test_asl_functions_stay_under_50_lines():
    long = []
    for path in ASL.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and (node.end_lineno or node.lineno) - node.lineno + 1 > 50:
                long.append(f"{path.name}:{node.lineno} {node.name}")
    assert long == []
