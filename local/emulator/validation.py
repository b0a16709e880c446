"""Constraint checks driven by botocore shapes, with AWS (Coral) style validation messages."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StringShape, StructureShape

from local.emulator.errors import ApiError, validation_error

_PROPERTY = re.compile(r"\\([pP])\{(\w+)\}")
_WHITESPACE_PROPERTIES = {"IsWhitespace", "Space", "javaWhitespace", "IsWhite_Space"}
_MAX_CODE_POINT = 0x10FFFF


def _escape(code_point: int) -> str:
    return f"\\U{code_point:08x}"


def _ranges_to_class_body(ranges: list[tuple[int, int]]) -> str:
    return "".join(_escape(lo) if lo == hi else f"{_escape(lo)}-{_escape(hi)}" for lo, hi in ranges)


@functools.cache
def _category_ranges(category: str) -> tuple[str, str]:
    """Regex class bodies (members, non-members) for a Unicode general category such as C or Lu."""
    matches: list[tuple[int, int]] = []
    others: list[tuple[int, int]] = []
    start = 0
    inside = unicodedata.category(chr(0)).startswith(category)
    for code_point in range(1, _MAX_CODE_POINT + 2):
        current = code_point <= _MAX_CODE_POINT and unicodedata.category(chr(code_point)).startswith(category)
        if current != inside or code_point > _MAX_CODE_POINT:
            (matches if inside else others).append((start, code_point - 1))
            start, inside = code_point, current
    return _ranges_to_class_body(matches), _ranges_to_class_body(others)


def _property_class(name: str, negated: bool, in_class: bool) -> str:
    if name in _WHITESPACE_PROPERTIES:
        return "\\S" if negated else "\\s"
    category = name.removeprefix("Is")
    if not (1 <= len(category) <= 2 and category[0] in "CLMNPSZ"):
        raise ValueError(f"unsupported Unicode property in pattern: {name}")
    members, others = _category_ranges(category)
    body = others if negated else members
    return body if in_class else f"[{body}]"


@functools.cache
def java_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a Java regex from the service model; Python `re` lacks `\\p{..}` so those become classes."""
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            match = _PROPERTY.match(pattern, index)
            if match:
                out.append(_property_class(match.group(2), match.group(1) == "P", in_class))
                index = match.end()
                continue
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        index += 1
    return re.compile("".join(out))


def render_value(value: Any) -> str:
    """Render a value as the Java service does in its messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{render_value(k)}={render_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bytes):
        return f"java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]"
    return str(value)


def _failure(value: Any, path: str, constraint: str) -> str:
    shown = "null" if value is None else f"'{render_value(value)}'"
    return f"Value {shown} at '{path}' failed to satisfy constraint: Member must {constraint}"


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _cannot_parse(path: str, expected: str) -> ApiError:
    return validation_error(f"Cannot parse the value at '{path}' as {expected}", reason="CANNOT_PARSE")


def _check_length(value: Any, size: int, path: str, shape: Shape, errors: list[str]) -> None:
    metadata = shape.metadata
    if "min" in metadata and size < metadata["min"]:
        errors.append(_failure(value, path, f"have length greater than or equal to {metadata['min']}"))
    if "max" in metadata and size > metadata["max"]:
        errors.append(_failure(value, path, f"have length less than or equal to {metadata['max']}"))


def _check_string(shape: Shape, value: Any, path: str, errors: list[str]) -> None:
    if not isinstance(value, str):
        raise _cannot_parse(path, "a string")
    enum = shape.enum if isinstance(shape, StringShape) else []
    if enum and value not in enum:
        errors.append(_failure(value, path, f"satisfy enum value set: [{', '.join(enum)}]"))
        return
    _check_length(value, len(value), path, shape, errors)
    pattern = shape.metadata.get("pattern")
    if pattern and not java_pattern(pattern).fullmatch(value):
        errors.append(_failure(value, path, f"satisfy regular expression pattern: {pattern}"))


def _check_number(shape: Shape, value: Any, path: str, errors: list[str]) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _cannot_parse(path, "a number")
    metadata = shape.metadata
    if "min" in metadata and value < metadata["min"]:
        errors.append(_failure(value, path, f"have value greater than or equal to {metadata['min']}"))
    if "max" in metadata and value > metadata["max"]:
        errors.append(_failure(value, path, f"have value less than or equal to {metadata['max']}"))


def _check_structure(shape: StructureShape, value: Any, path: str, errors: list[str]) -> None:
    if not isinstance(value, Mapping):
        raise _cannot_parse(path or "body", "an object")
    for name in shape.required_members:
        if value.get(name) is None:
            errors.append(_failure(None, _join(path, name), "not be null"))
    for name, member in shape.members.items():
        item = value.get(name)
        if item is not None:
            check_value(member, item, _join(path, name), errors)


def _check_list(shape: ListShape, value: Any, path: str, errors: list[str]) -> None:
    if not isinstance(value, list):
        raise _cannot_parse(path, "a list")
    _check_length(value, len(value), path, shape, errors)
    for position, item in enumerate(value, start=1):
        check_value(shape.member, item, f"{path}.{position}.member", errors)


def _check_map(shape: MapShape, value: Any, path: str, errors: list[str]) -> None:
    if not isinstance(value, Mapping):
        raise _cannot_parse(path, "a map")
    _check_length(value, len(value), path, shape, errors)
    for key, item in value.items():
        check_value(shape.key, key, f"{path}.key", errors)
        check_value(shape.value, item, f"{path}.{key}", errors)


def check_value(shape: Shape, value: Any, path: str, errors: list[str]) -> None:
    """Append a message to `errors` for every constraint of `shape` that `value` breaks.

    Raises a CANNOT_PARSE ValidationException when the value has the wrong JSON type.
    """
    kind = shape.type_name
    if kind == "string":
        _check_string(shape, value, path, errors)
    elif kind in ("integer", "long", "float", "double"):
        _check_number(shape, value, path, errors)
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise _cannot_parse(path, "a boolean")
    elif kind == "blob":
        if not isinstance(value, bytes | str):
            raise _cannot_parse(path, "a blob")
        _check_length(value, len(value), path, shape, errors)
    elif isinstance(shape, StructureShape):
        _check_structure(shape, value, path, errors)
    elif isinstance(shape, ListShape):
        _check_list(shape, value, path, errors)
    elif isinstance(shape, MapShape):
        _check_map(shape, value, path, errors)


def validation_failure(errors: list[str]) -> ApiError:
    """The ValidationException AWS returns for a list of constraint failures."""
    count = len(errors)
    noun = "error" if count == 1 else "errors"
    return validation_error(f"{count} validation {noun} detected: " + "; ".join(errors))


def validate(shape: Shape, value: Any, path: str = "") -> None:
    """Raise the AWS-style ValidationException if `value` breaks any constraint of `shape`."""
    errors: list[str] = []
    check_value(shape, value, path, errors)
    if errors:
        raise validation_failure(errors)
