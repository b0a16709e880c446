"""Intrinsic functions (`States.Format('{} items', $.count)`): their parser and the functions themselves.

Arguments are string literals in single quotes (`\\'`, `\\{`, `\\}` and `\\\\` escape), numbers, true, false,
null, paths and nested calls. Every function AWS lists is here except States.MathRandom. A misuse (a wrong
type, a wrong count of arguments) is States.IntrinsicFailure.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local.asl.errors import INTRINSIC_FAILURE, DefinitionError, StatesError

Resolver = Callable[[str], Any]
_CALL = re.compile(r"\s*(States\.[A-Za-z0-9]+)\s*\(")
_LITERAL = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")
_PLACEHOLDER = object()


@dataclass(frozen=True)
class Text:
    """A string literal as written, escapes included (States.Format tells `\\{` from `{`)."""

    raw: str

    @property
    def value(self) -> str:
        return re.sub(r"\\(.)", r"\1", self.raw)


@dataclass(frozen=True)
class PathArgument:
    text: str


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Text | PathArgument | Literal | Call, ...]


def is_intrinsic(text: str) -> bool:
    """Whether `text` is written as a call of an intrinsic function."""
    return _CALL.match(text) is not None


@functools.lru_cache(maxsize=1024)
def parse(text: str) -> Call:
    """Parse a call, or raise DefinitionError naming what is wrong (an unknown function included)."""
    parser = _Parser(text)
    call = parser.call()
    parser.skip_spaces()
    if parser.position != len(text):
        raise DefinitionError(f"unexpected {text[parser.position :]!r} after the call in {text!r}")
    return call


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0

    def skip_spaces(self) -> None:
        while self.position < len(self.text) and self.text[self.position].isspace():
            self.position += 1

    def call(self) -> Call:
        match = _CALL.match(self.text, self.position)
        if match is None:
            raise DefinitionError(f"expected an intrinsic function at {self.text[self.position :]!r}")
        name = match[1]
        if name not in FUNCTIONS:
            raise DefinitionError(f"unsupported intrinsic function {name!r} in {self.text!r}")
        self.position = match.end()
        args: list[Text | PathArgument | Literal | Call] = []
        self.skip_spaces()
        while not self.text.startswith(")", self.position):
            if args:
                self.expect(",")
            self.skip_spaces()
            args.append(self.argument())
            self.skip_spaces()
        self.position += 1
        return Call(name, tuple(args))

    def expect(self, char: str) -> None:
        if not self.text.startswith(char, self.position):
            raise DefinitionError(f"expected {char!r} at {self.text[self.position :]!r} in {self.text!r}")
        self.position += 1

    def argument(self) -> Text | PathArgument | Literal | Call:
        rest = self.text[self.position :]
        if rest.startswith("'"):
            return self.string()
        if rest.startswith("$"):
            return self.path()
        if rest.startswith("States."):
            return self.call()
        match = _LITERAL.match(self.text, self.position)
        if match is None:
            raise DefinitionError(f"unexpected argument at {rest!r} in {self.text!r}")
        self.position = match.end()
        return Literal(json.loads(match[0]))

    def string(self) -> Text:
        start = self.position = self.position + 1
        while self.position < len(self.text) and self.text[self.position] != "'":
            self.position += 2 if self.text[self.position] == "\\" else 1
        self.expect("'")
        return Text(self.text[start : self.position - 1])

    def path(self) -> PathArgument:
        start, depth, quote = self.position, 0, ""
        while self.position < len(self.text):
            char = self.text[self.position]
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"" and depth:
                quote = char
            elif char in "[]":
                depth += 1 if char == "[" else -1
            elif char in ",)" and not depth:
                break
            self.position += 1
        return PathArgument(self.text[start : self.position].rstrip())


def evaluate(text: str, resolve: Resolver) -> Any:
    """The value of the call `text`; `resolve` gives a path argument's value."""
    try:
        call = parse(text)
    except DefinitionError as error:
        raise StatesError(INTRINSIC_FAILURE, str(error)) from None
    return _evaluate(call, resolve)


def _evaluate(call: Call, resolve: Resolver) -> Any:
    if call.name == "States.Format":
        return _format(call, resolve)
    args = [_argument(arg, resolve) for arg in call.args]
    try:
        return FUNCTIONS[call.name](*args)
    except (TypeError, ValueError, IndexError, UnicodeError) as error:
        raise StatesError(INTRINSIC_FAILURE, f"{call.name}: {error}") from None


def _argument(arg: Text | PathArgument | Literal | Call, resolve: Resolver) -> Any:
    if isinstance(arg, Text):
        return arg.value
    if isinstance(arg, PathArgument):
        return resolve(arg.text)
    if isinstance(arg, Literal):
        return arg.value
    return _evaluate(arg, resolve)


def _format(call: Call, resolve: Resolver) -> str:
    if not call.args:
        raise StatesError(INTRINSIC_FAILURE, "States.Format needs a template")
    template = call.args[0]
    raw = template.raw if isinstance(template, Text) else _argument(template, resolve)
    if not isinstance(raw, str):
        raise StatesError(INTRINSIC_FAILURE, "States.Format: the template must be a string")
    pieces: list[Any] = []
    position = 0
    while position < len(raw):
        if raw[position] == "\\" and position + 1 < len(raw):
            pieces.append(raw[position + 1])
            position += 2
        elif raw.startswith("{}", position):
            pieces.append(_PLACEHOLDER)
            position += 2
        else:
            pieces.append(raw[position])
            position += 1
    values = [_format_value(_argument(arg, resolve)) for arg in call.args[1:]]
    if pieces.count(_PLACEHOLDER) != len(values):
        raise StatesError(INTRINSIC_FAILURE, f"States.Format: {len(values)} values for the template {raw!r}")
    supply = iter(values)
    return "".join(next(supply) if piece is _PLACEHOLDER else piece for piece in pieces)


def _format_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        raise StatesError(INTRINSIC_FAILURE, "States.Format takes strings, numbers, booleans and null only")
    return json.dumps(value)


def _integer(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{value!r} is not an integer")
    return value


def _array(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"{value!r} is not an array")
    return value


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not a string")
    return value


def _partition(array: Any, size: Any) -> list[list[Any]]:
    items, width = _array(array), _integer(size)
    if width < 1:
        raise ValueError("the chunk size must be positive")
    return [items[start : start + width] for start in range(0, len(items), width)]


def _range(start: Any, end: Any, step: Any) -> list[int]:
    first, last, stride = _integer(start), _integer(end), _integer(step)
    if stride == 0:
        raise ValueError("the step must not be 0")
    values = list(range(first, last + (1 if stride > 0 else -1), stride))
    if len(values) > 1000:
        raise ValueError("at most 1000 items")
    return values


def _get_item(array: Any, index: Any) -> Any:
    items, position = _array(array), _integer(index)
    if not 0 <= position < len(items):
        raise IndexError(f"no item at index {position} of an array of {len(items)}")
    return items[position]


def _unique(array: Any) -> list[Any]:
    seen: dict[str, Any] = {}
    for item in _array(array):
        seen.setdefault(json.dumps(item, sort_keys=True), item)
    return list(seen.values())


def _hash(data: Any, algorithm: Any) -> str:
    names = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}
    if algorithm not in names:
        raise ValueError(f"unknown algorithm {algorithm!r}: one of {', '.join(names)}")
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return hashlib.new(names[algorithm], text.encode()).hexdigest()


def _merge(first: Any, second: Any, deep: Any) -> dict[str, Any]:
    if not isinstance(first, dict) or not isinstance(second, dict):
        raise TypeError("both arguments must be objects")
    if deep is not False:
        raise ValueError("only a shallow merge (false) is supported, as in AWS")
    return {**first, **second}


def _split(text: Any, delimiters: Any) -> list[str]:
    value, separators = _string(text), _string(delimiters)
    if not separators:
        return [value]
    return [piece for piece in re.split(f"[{re.escape(separators)}]", value) if piece]


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "States.Format": _format,
    "States.StringToJson": lambda text: json.loads(_string(text)),
    "States.JsonToString": lambda value: json.dumps(value, separators=(",", ":")),
    "States.Array": lambda *values: list(values),
    "States.ArrayPartition": _partition,
    "States.ArrayContains": lambda array, value: value in _array(array),
    "States.ArrayRange": _range,
    "States.ArrayGetItem": _get_item,
    "States.ArrayLength": lambda array: len(_array(array)),
    "States.ArrayUnique": _unique,
    "States.Base64Encode": lambda text: base64.b64encode(_string(text).encode()).decode(),
    "States.Base64Decode": lambda text: base64.b64decode(_string(text), validate=True).decode(),
    "States.Hash": _hash,
    "States.JsonMerge": _merge,
    "States.MathAdd": lambda first, second: _integer(first) + _integer(second),
    "States.StringSplit": _split,
    "States.UUID": lambda: str(uuid.uuid4()),
}
