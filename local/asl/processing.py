"""Input and output processing, in the order AWS documents: InputPath, Parameters (the task runs),
ResultSelector, ResultPath, OutputPath. A null InputPath or OutputPath gives `{}`; a null ResultPath keeps the
state's input and discards the result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from local.asl import paths
from local.asl.errors import RUNTIME, StatesError


def _path(state: Mapping[str, Any], field: str, data: Any, context: Mapping[str, Any]) -> Any:
    if field not in state:
        return data
    text = state[field]
    if text is None:
        return {}
    try:
        return paths.get(text, data, context)
    except paths.PathNotFound:
        raise StatesError(RUNTIME, f"Invalid path {text!r} : No results for path: {text}") from None


def effective_input(state: Mapping[str, Any], data: Any, context: Mapping[str, Any], template: str = "") -> Any:
    """InputPath applied to the raw input, then the `template` field (`Parameters`, `ItemSelector`) if present."""
    selected = _path(state, "InputPath", data, context)
    if template and template in state:
        return paths.render(state[template], selected, context)
    return selected


def state_output(state: Mapping[str, Any], data: Any, result: Any, context: Mapping[str, Any]) -> Any:
    """ResultSelector on the result, ResultPath into the raw input `data`, then OutputPath."""
    if "ResultSelector" in state:
        result = paths.render(state["ResultSelector"], result, context)
    combined = place_result(state.get("ResultPath", "$"), data, result)
    return output_path(state, combined, context)


def place_result(result_path: str | None, data: Any, result: Any) -> Any:
    """The raw input with the result at `result_path` (None: the input unchanged)."""
    if result_path is None:
        return data
    return paths.put(data, result_path, result)


def output_path(state: Mapping[str, Any], data: Any, context: Mapping[str, Any]) -> Any:
    """OutputPath applied to `data`."""
    return _path(state, "OutputPath", data, context)


def next_state(state: Mapping[str, Any]) -> str | None:
    """The state to run next, or None at an end."""
    if state.get("End") is True:
        return None
    return str(state["Next"])
