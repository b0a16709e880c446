"""Intrinsic functions (local/asl/intrinsics.py)."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from local.asl import intrinsics
from local.asl.errors import INTRINSIC_FAILURE, DefinitionError, StatesError

DATA = {"n": 3, "name": "pkg", "list": [1, 2, 2, 3], "json": '{"a":[1,{"b":null}]}', "obj": {"a": 1}}


def evaluate(text):
    return intrinsics.evaluate(text, lambda path: DATA[path.removeprefix("$.")])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("States.Format('{} has {} items, {} {}', $.name, $.n, true, null)", "pkg has 3 items, true null"),
        ("States.Format('literal \\{\\} and \\'quote\\' {}', 'x')", "literal {} and 'quote' x"),
        ("States.StringToJson($.json)", {"a": [1, {"b": None}]}),
        ("States.JsonToString($.obj)", '{"a":1}'),
        ("States.Array('a', 1, $.n, States.Array())", ["a", 1, 3, []]),
        ("States.MathAdd($.n, -5)", -2),
        ("States.ArrayLength($.list)", 4),
        ("States.ArrayUnique($.list)", [1, 2, 3]),
        ("States.ArrayContains($.list, 3)", True),
        ("States.ArrayGetItem($.list, 3)", 3),
        ("States.ArrayPartition($.list, 3)", [[1, 2, 2], [3]]),
        ("States.ArrayRange(1, 9, 4)", [1, 5, 9]),
        ("States.StringSplit('a.b+c', '.+')", ["a", "b", "c"]),
        ("States.Base64Decode(States.Base64Encode('hé'))", "hé"),
        ("States.Hash('abc', 'SHA-256')", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("States.JsonMerge($.obj, States.StringToJson('{\"b\":2}'), false)", {"a": 1, "b": 2}),
    ],
)
def test_evaluate_function_returns_what_aws_documents(text, expected):
    assert evaluate(text) == expected


def test_uuid_is_a_version_4_uuid():
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", evaluate("States.UUID()")
    )


@pytest.mark.parametrize(
    "text",
    [
        "States.Format('{} {}', 'only one')",
        "States.Format('{}', $.obj)",
        "States.MathAdd('1', 2)",
        "States.MathAdd(1.5, 2)",
        "States.StringToJson('{not json')",
        "States.ArrayGetItem($.list, 9)",
        "States.JsonMerge($.obj, $.obj, true)",
        "States.Hash('x', 'SHA-3')",
        "States.Nope(1)",
        "States.Format('unterminated)",
    ],
)
def test_evaluate_misuse_is_intrinsic_failure(text):
    with pytest.raises(StatesError) as raised:
        evaluate(text)
    assert raised.value.error == INTRINSIC_FAILURE


def test_parse_unknown_function_names_it():
    with pytest.raises(DefinitionError, match="States.MathRandom"):
        intrinsics.parse("States.MathRandom(1, 2)")


def test_parse_path_argument_keeps_brackets_and_quotes():
    call = intrinsics.parse("States.Array($.a['x, y'][0], $$.Map.Item.Index)")
    assert call.args == (intrinsics.PathArgument("$.a['x, y'][0]"), intrinsics.PathArgument("$$.Map.Item.Index"))


@given(first=st.integers(-(2**31), 2**31 - 1), second=st.integers(-(2**31), 2**31 - 1))
def test_math_add_adds_integers(first, second):
    assert intrinsics.evaluate(f"States.MathAdd({first}, {second})", lambda path: None) == first + second


@given(text=st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=20))
def test_format_inserts_any_string_value_unchanged(text):
    assert intrinsics.evaluate("States.Format('<{}>', $.v)", lambda path: text) == f"<{text}>"
