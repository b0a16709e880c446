"""Choice rules (local/asl/choice.py)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from local.asl import choice
from local.asl.errors import NO_CHOICE_MATCHED, RUNTIME, StatesError

DATA = {
    "s": "beta",
    "n": 5,
    "f": 2.5,
    "b": True,
    "z": None,
    "t": "2024-05-01T10:00:00Z",
    "limit": 5,
    "other": "alpha",
    "pattern": "log-2024-05.txt",
}


def holds(rule):
    return choice.evaluate(rule, DATA, {})


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"Variable": "$.s", "StringEquals": "beta"}, True),
        ({"Variable": "$.s", "StringEqualsPath": "$.other"}, False),
        ({"Variable": "$.s", "StringGreaterThanPath": "$.other"}, True),
        ({"Variable": "$.s", "StringLessThanEquals": "beta"}, True),
        ({"Variable": "$.pattern", "StringMatches": "log-*.txt"}, True),
        ({"Variable": "$.pattern", "StringMatches": "log-\\*"}, False),
        ({"Variable": "$.n", "NumericEquals": 5}, True),
        ({"Variable": "$.n", "NumericEqualsPath": "$.limit"}, True),
        ({"Variable": "$.f", "NumericLessThan": 3}, True),
        ({"Variable": "$.n", "NumericGreaterThan": 5}, False),
        ({"Variable": "$.n", "NumericGreaterThanEquals": 5}, True),
        ({"Variable": "$.n", "NumericLessThanEquals": 4}, False),
        ({"Variable": "$.b", "BooleanEquals": True}, True),
        ({"Variable": "$.t", "TimestampLessThan": "2024-05-01T11:00:00+00:00"}, True),
        ({"Variable": "$.t", "TimestampEquals": "2024-05-01T12:00:00+02:00"}, True),
        ({"Variable": "$.t", "TimestampGreaterThanEquals": "2024-06-01T00:00:00Z"}, False),
        ({"Variable": "$.z", "IsNull": True}, True),
        ({"Variable": "$.s", "IsNull": False}, True),
        ({"Variable": "$.nope", "IsPresent": False}, True),
        ({"Variable": "$.z", "IsPresent": True}, True),
        ({"Variable": "$.s", "IsString": True}, True),
        ({"Variable": "$.b", "IsNumeric": True}, False),
        ({"Variable": "$.n", "IsBoolean": False}, True),
        ({"Variable": "$.t", "IsTimestamp": True}, True),
        ({"Variable": "$.s", "IsTimestamp": True}, False),
    ],
)
def test_evaluate_comparison_or_type_test(rule, expected):
    assert holds(rule) is expected


@pytest.mark.parametrize(
    "rule",
    [
        {"Variable": "$.n", "StringEquals": "5"},
        {"Variable": "$.s", "NumericEquals": 5},
        {"Variable": "$.b", "NumericEquals": 1},
        {"Variable": "$.n", "BooleanEquals": True},
        {"Variable": "$.s", "TimestampEquals": "2024-05-01T10:00:00Z"},
        {"Variable": "$.t", "TimestampLessThan": "2024-05-01"},
    ],
)
def test_evaluate_comparison_of_another_type_is_false(rule):
    assert holds(rule) is False


def test_evaluate_and_or_not_combine_rules():
    yes = {"Variable": "$.n", "NumericEquals": 5}
    no = {"Variable": "$.s", "StringEquals": "gamma"}
    assert holds({"And": [yes, {"Not": no}]}) is True
    assert holds({"Or": [no, {"And": [yes, no]}]}) is False
    assert holds({"Not": {"Variable": "$.z", "IsNull": True}}) is False


def test_evaluate_missing_variable_is_runtime_error():
    with pytest.raises(StatesError) as raised:
        holds({"Variable": "$.missing", "StringEquals": "x"})
    assert raised.value.error == RUNTIME
    assert "Invalid path '$.missing'" in (raised.value.cause or "")


def test_choose_first_matching_rule_else_default_else_no_choice_matched():
    # GIVEN
    rules = [
        {"Variable": "$.n", "NumericLessThan": 1, "Next": "Low"},
        {"Variable": "$.n", "NumericLessThan": 9, "Next": "Mid"},
    ]
    # WHEN / THEN
    assert choice.choose({"Choices": rules, "Default": "High"}, {"n": 5}, {}) == "Mid"
    assert choice.choose({"Choices": rules, "Default": "High"}, {"n": 50}, {}) == "High"
    with pytest.raises(StatesError) as raised:
        choice.choose({"Choices": rules}, {"n": 50}, {})
    assert raised.value.error == NO_CHOICE_MATCHED


numbers = st.integers(-1000, 1000) | st.floats(-1000, 1000, allow_nan=False)


@given(left=numbers, right=numbers)
def test_numeric_comparisons_agree_with_python(left, right):
    data = {"v": left}
    for test, expected in [("LessThan", left < right), ("GreaterThanEquals", left >= right), ("Equals", left == right)]:
        assert choice.evaluate({"Variable": "$.v", f"Numeric{test}": right}, data, {}) is expected


@given(text=st.text(alphabet="ab*\\", max_size=6), value=st.text(alphabet="ab*", max_size=6))
def test_string_matches_without_wildcard_is_string_equals(text, value):
    if "*" in text or "\\" in text:
        return
    assert choice.compare("StringMatches", value, text) is (value == text)
