"""ASL's JSONPath: paths into the input (`$.a.b`, `$.a[0]`, `$.a[*].b`) or the context object (`$$.Execution.Id`),
reference paths that place a result (ResultPath, creating missing keys), and payload templates (Parameters,
ItemSelector, ResultSelector) whose `.$` keys take a path or an intrinsic function.

Filters (`[?(...)]`), slices (`[0:2]`) and deep scans (`..`) are refused: the project's definitions use none.
A template path that selects nothing is States.Runtime, which no Catch sees: the ASL specification names it
States.ParameterPathFailure, but the service reports States.Runtime, and this interpreter follows the service.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from local.asl import intrinsics
from local.asl.errors import RESULT_PATH_MATCH_FAILURE, RUNTIME, DefinitionError, StatesError


class _Wildcard:
    """The `*` step: every member of an object or array."""

    def __repr__(self) -> str:
        return "*"


WILDCARD: Final = _Wildcard()
Step = str | int | _Wildcard

_STEP = re.compile(
    r"""\.(?P<field>[^.\[\]]+)
      | \[\s*'(?P<single>(?:[^'\\]|\\.)*)'\s*\]
      | \[\s*"(?P<double>(?:[^"\\]|\\.)*)"\s*\]
      | \[\s*(?P<index>-?\d+)\s*\]
      | \[\s*(?P<star>\*)\s*\]""",
    re.VERBOSE,
)


class PathNotFound(LookupError):
    """A path selected nothing, or a reference path cannot be placed into its input."""


@dataclass(frozen=True)
class Path:
    """A parsed path: whether it starts at the context object (`$$`), and its steps."""

    text: str
    context: bool
    steps: tuple[Step, ...]

    @property
    def is_reference(self) -> bool:
        """A reference path selects one node: no wildcard."""
        return not any(isinstance(step, _Wildcard) for step in self.steps)


@functools.lru_cache(maxsize=4096)
def parse(text: str) -> Path:
    """Parse a path, or raise DefinitionError naming what is not supported."""
    if not text.startswith("$"):
        raise DefinitionError(f"{text!r} is not a JSONPath: it must start with '$'")
    context = text.startswith("$$")
    position, steps = (2 if context else 1), []
    while position < len(text):
        match = _STEP.match(text, position)
        if match is None:
            raise DefinitionError(
                f"unsupported JSONPath {text!r} at {text[position:]!r}: only fields, indices and '*' are supported"
            )
        steps.append(_step(match))
        position = match.end()
    return Path(text, context, tuple(steps))


def _step(match: re.Match[str]) -> Step:
    if match["index"] is not None:
        return int(match["index"])
    if match["star"] is not None or match["field"] == "*":
        return WILDCARD
    quoted = match["single"] if match["single"] is not None else match["double"]
    if quoted is not None:
        return re.sub(r"\\(.)", r"\1", quoted)
    return match["field"]


def get(text: str, data: Any, context: Any = None) -> Any:
    """The value `text` selects in `data` (or in `context` for `$$` paths); PathNotFound if none.

    A path with a wildcard selects a list of every match, as Step Functions' JSONPath does.
    """
    path = parse(text)
    root = context if path.context else data
    if path.is_reference:
        return _select(root, path.steps)
    return _select_all(root, path.steps)


def _select(node: Any, steps: tuple[Step, ...]) -> Any:
    for step in steps:
        node = _child(node, step)
    return node


def _select_all(node: Any, steps: tuple[Step, ...]) -> list[Any]:
    if not steps:
        return [node]
    step, rest = steps[0], steps[1:]
    if isinstance(step, _Wildcard):
        members = list(node.values()) if isinstance(node, dict) else node if isinstance(node, list) else []
        return [found for member in members for found in _select_all(member, rest)]
    try:
        return _select_all(_child(node, step), rest)
    except PathNotFound:
        return []


def _child(node: Any, step: Step) -> Any:
    if isinstance(step, str) and isinstance(node, dict) and step in node:
        return node[step]
    if isinstance(step, int) and isinstance(node, list) and -len(node) <= step < len(node):
        return node[step]
    raise PathNotFound(repr(step))


def put(data: Any, text: str, value: Any) -> Any:
    """A copy of `data` with `value` placed at the reference path `text` (missing objects are created).

    Raises StatesError States.ResultPathMatchFailure when the input cannot hold the value there.
    """
    path = parse(text)
    if path.context or not path.is_reference:
        raise DefinitionError(f"{text!r} is not a reference path: it must start with '$.' and have no '*'")
    try:
        return _put(data, path.steps, value)
    except PathNotFound:
        raise StatesError(
            RESULT_PATH_MATCH_FAILURE, f"Unable to apply ResultPath {text!r} to input {_brief(data)}"
        ) from None


def _put(node: Any, steps: tuple[Step, ...], value: Any) -> Any:
    if not steps:
        return value
    step, rest = steps[0], steps[1:]
    if isinstance(step, str) and isinstance(node, dict):
        copy = dict(node)
        copy[step] = _put(node.get(step, {}), rest, value)
        return copy
    if isinstance(step, int) and isinstance(node, list) and -len(node) <= step < len(node):
        items = list(node)
        items[step] = _put(node[step], rest, value)
        return items
    raise PathNotFound(repr(step))


def select(text: str, data: Any, context: Mapping[str, Any], *, field: str) -> Any:
    """`get`, reporting a miss as Step Functions does: States.Runtime naming the field and the input."""
    try:
        return get(text, data, context)
    except PathNotFound:
        where = "the context object" if text.startswith("$$") else f"the input {_brief(data)}"
        raise StatesError(
            RUNTIME, f"The JSONPath {text!r} specified for the field {field!r} could not be found in {where}"
        ) from None


def render(template: Any, data: Any, context: Mapping[str, Any]) -> Any:
    """A payload template with its `.$` fields replaced by what their path or intrinsic function gives."""
    if isinstance(template, dict):
        rendered: dict[str, Any] = {}
        for key, value in template.items():
            if key.endswith(".$"):
                rendered[key[:-2]] = _expression(key, value, data, context)
            else:
                rendered[key] = render(value, data, context)
        return rendered
    if isinstance(template, list):
        return [render(value, data, context) for value in template]
    return template


def _expression(key: str, expression: Any, data: Any, context: Mapping[str, Any]) -> Any:
    if not isinstance(expression, str):
        raise StatesError(RUNTIME, f"The value of the field {key!r} must be a path or an intrinsic function")
    if expression.startswith("$"):
        return select(expression, data, context, field=key)
    if intrinsics.is_intrinsic(expression):
        return intrinsics.evaluate(expression, lambda path: select(path, data, context, field=key))
    raise StatesError(RUNTIME, f"The value {expression!r} of the field {key!r} is neither a path nor a function")


def _brief(data: Any, limit: int = 500) -> str:
    text = json.dumps(data, separators=(",", ":"), default=str)
    return repr(text if len(text) <= limit else text[:limit] + "...")
