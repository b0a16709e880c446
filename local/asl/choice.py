"""Choice rules: a Variable compared (String, Numeric, Timestamp, Boolean; a literal or a `...Path`), type tests
(IsNull, IsPresent, IsString, IsNumeric, IsBoolean, IsTimestamp), and And, Or, Not.

As in AWS, a comparison of values of another type is false, and a Variable that selects nothing is
States.Runtime (only IsPresent may test for it). No matching rule and no Default is States.NoChoiceMatched.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from local.asl import paths
from local.asl.errors import NO_CHOICE_MATCHED, RUNTIME, StatesError

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessThanEquals": operator.le,
    "GreaterThanEquals": operator.ge,
}
_KINDS = ("String", "Numeric", "Timestamp")


def parse_timestamp(value: Any) -> datetime | None:
    """An RFC 3339 timestamp (`2024-05-01T10:00:00Z`) as an aware datetime, or None if `value` is not one."""
    if not isinstance(value, str) or _TIMESTAMP.fullmatch(value) is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda value: value is None,
    "IsString": lambda value: isinstance(value, str),
    "IsNumeric": _is_number,
    "IsBoolean": lambda value: isinstance(value, bool),
    "IsTimestamp": lambda value: parse_timestamp(value) is not None,
}
COMPARISONS = frozenset(
    [f"{kind}{name}" for kind in _KINDS for name in _ORDER]
    + ["StringMatches", "BooleanEquals"]
    + [f"{kind}{name}Path" for kind in _KINDS for name in _ORDER]
    + ["StringMatchesPath", "BooleanEqualsPath"]
)
TESTS = COMPARISONS | TYPE_TESTS.keys() | {"IsPresent"}


def choose(state: Mapping[str, Any], data: Any, context: Mapping[str, Any]) -> str:
    """The Next of the first rule that matches, else the Default, else States.NoChoiceMatched."""
    for rule in state.get("Choices", []):
        if evaluate(rule, data, context):
            return str(rule["Next"])
    if "Default" in state:
        return str(state["Default"])
    raise StatesError(NO_CHOICE_MATCHED, "No Choice Rule matched the input and the state has no Default")


def evaluate(rule: Mapping[str, Any], data: Any, context: Mapping[str, Any]) -> bool:
    """Whether one Choice Rule (a comparison or a boolean combination of rules) holds for `data`."""
    if "And" in rule:
        return all(evaluate(inner, data, context) for inner in rule["And"])
    if "Or" in rule:
        return any(evaluate(inner, data, context) for inner in rule["Or"])
    if "Not" in rule:
        return not evaluate(rule["Not"], data, context)
    test = test_of(rule)
    variable = rule["Variable"]
    if test == "IsPresent":
        return _present(variable, data, context) is rule[test]
    value = _value(variable, data, context)
    if test in TYPE_TESTS:
        return TYPE_TESTS[test](value) is rule[test]
    expected = rule[test]
    if test.endswith("Path"):
        test, expected = test[: -len("Path")], _value(expected, data, context)
    return compare(test, value, expected)


def test_of(rule: Mapping[str, Any]) -> str:
    """The one test a rule with a Variable names (`StringEquals`, `IsNull`...)."""
    found = [key for key in rule if key in TESTS]
    if len(found) != 1:
        raise StatesError(RUNTIME, f"a Choice Rule must name exactly one test, not {found or 'none'}")
    return found[0]


def compare(test: str, value: Any, expected: Any) -> bool:
    """Whether `value` passes the comparison `test` (without its `Path` suffix) against `expected`."""
    if test == "StringMatches":
        return isinstance(value, str) and isinstance(expected, str) and _pattern(expected).fullmatch(value) is not None
    if test == "BooleanEquals":
        return isinstance(value, bool) and isinstance(expected, bool) and value == expected
    kind = next(kind for kind in _KINDS if test.startswith(kind))
    left, right = _coerce(kind, value), _coerce(kind, expected)
    if left is None or right is None:
        return False
    return _ORDER[test[len(kind) :]](left, right)


def _coerce(kind: str, value: Any) -> Any:
    if kind == "String":
        return value if isinstance(value, str) else None
    if kind == "Numeric":
        return value if _is_number(value) else None
    return parse_timestamp(value)


@functools.lru_cache(maxsize=256)
def _pattern(pattern: str) -> re.Pattern[str]:
    """StringMatches: `*` is any run of characters; `\\*` and `\\\\` are a literal star and backslash."""
    pieces = re.findall(r"\\.|\*|[^\\*]+|\\", pattern)
    return re.compile(
        "".join(".*" if piece == "*" else re.escape(piece.removeprefix("\\") or piece) for piece in pieces)
    )


def _present(variable: str, data: Any, context: Mapping[str, Any]) -> bool:
    try:
        found = paths.get(variable, data, context)
    except paths.PathNotFound:
        return False
    return found != [] or paths.parse(variable).is_reference


def _value(variable: str, data: Any, context: Mapping[str, Any]) -> Any:
    try:
        return paths.get(variable, data, context)
    except paths.PathNotFound:
        raise StatesError(
            RUNTIME, f"Invalid path {variable!r}: The choice state's condition path references an invalid value."
        ) from None
