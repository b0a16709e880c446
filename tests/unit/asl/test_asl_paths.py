"""Paths, reference paths and payload templates (local/asl/paths.py)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from local.asl import paths
from local.asl.errors import RESULT_PATH_MATCH_FAILURE, RUNTIME, DefinitionError, StatesError

DATA = {"a": {"b": [10, 20, {"c": "x"}]}, "odd key": 1, "items": [{"id": 1}, {"id": 2}, {"other": 3}]}
CONTEXT = {"Execution": {"Id": "arn:exec"}, "Map": {"Item": {"Index": 4}}}
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=8,
)
field_names = st.text(alphabet="abc_", min_size=1, max_size=2)
shallow_objects = st.dictionaries(
    field_names, st.none() | st.integers() | st.dictionaries(field_names, st.integers(), max_size=2), max_size=4
)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", DATA),
        ("$.a.b[1]", 20),
        ("$.a.b[-1].c", "x"),
        ("$['odd key']", 1),
        ('$["a"]["b"][0]', 10),
        ("$.items[*].id", [1, 2]),
        ("$.items.*.id", [1, 2]),
        ("$$.Execution.Id", "arn:exec"),
    ],
)
def test_get_supported_path_selects_value(path, expected):
    # WHEN / THEN
    assert paths.get(path, DATA, CONTEXT) == expected


@pytest.mark.parametrize("path", ["$.missing", "$.a.b[3]", "$.a.b.c", "$['odd key'].x"])
def test_get_path_selecting_nothing_raises_path_not_found(path):
    with pytest.raises(paths.PathNotFound):
        paths.get(path, DATA)


@pytest.mark.parametrize("path", ["$..id", "$.items[?(@.id > 1)]", "$.a.b[0:2]", "a.b", "$.a["])
def test_parse_unsupported_path_raises_definition_error_naming_it(path):
    with pytest.raises(DefinitionError, match="JSONPath"):
        paths.parse(path)


def test_put_missing_keys_creates_nested_objects_without_touching_input():
    # GIVEN
    data = {"run": {"id": 1}}
    # WHEN
    placed = paths.put(data, "$.run.failure.detail", {"Error": "E"})
    # THEN
    assert placed == {"run": {"id": 1, "failure": {"detail": {"Error": "E"}}}}
    assert data == {"run": {"id": 1}}


def test_put_root_replaces_input_and_index_replaces_item():
    assert paths.put({"a": 1}, "$", [1]) == [1]
    assert paths.put({"a": [1, 2]}, "$.a[1]", 5) == {"a": [1, 5]}


@pytest.mark.parametrize(("data", "path"), [({"a": "text"}, "$.a.b"), ({"a": []}, "$.a[0]"), ("text", "$.a")])
def test_put_into_a_value_that_cannot_hold_it_is_result_path_match_failure(data, path):
    with pytest.raises(StatesError) as raised:
        paths.put(data, path, 1)
    assert raised.value.error == RESULT_PATH_MATCH_FAILURE


def test_put_with_wildcard_or_context_path_is_refused():
    with pytest.raises(DefinitionError):
        paths.put({}, "$.a[*]", 1)
    with pytest.raises(DefinitionError):
        paths.put({}, "$$.Execution", 1)


@given(data=shallow_objects, names=st.lists(field_names, min_size=1, max_size=3))
def test_put_then_get_returns_value_placed(data, names):
    # GIVEN a reference path into an object (created where missing)
    path = "$." + ".".join(names)
    # WHEN
    try:
        placed = paths.put(data, path, "value")
    except StatesError:
        return  # a non-object on the way: nothing to place into
    # THEN
    assert paths.get(path, placed) == "value"


@given(template=json_values)
def test_render_template_without_path_fields_is_identity(template):
    if isinstance(template, dict) and any(key.endswith(".$") for key in template):
        return
    assert paths.render(template, {"x": 1}, {}) == template


def test_render_replaces_path_context_and_intrinsic_fields_at_any_depth():
    # GIVEN
    template = {
        "static": {"k": [1]},
        "id.$": "$.a.b[0]",
        "index.$": "$$.Map.Item.Index",
        "entries": [{"Detail.$": "$.a", "text.$": "States.Format('{}-{}', $.a.b[0], $$.Execution.Id)"}],
    }
    # WHEN
    rendered = paths.render(template, DATA, CONTEXT)
    # THEN
    assert rendered == {
        "static": {"k": [1]},
        "id": 10,
        "index": 4,
        "entries": [{"Detail": DATA["a"], "text": "10-arn:exec"}],
    }


def test_render_missing_path_is_runtime_error_naming_field_and_input():
    with pytest.raises(StatesError) as raised:
        paths.render({"run.$": "$.missing"}, {"other": 1}, {})
    assert raised.value.error == RUNTIME
    assert raised.value.cause == (
        "The JSONPath '$.missing' specified for the field 'run.$' could not be found in the input '{\"other\":1}'"
    )
