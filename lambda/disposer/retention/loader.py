"""Reading policies from JSON, with errors that name the policy and the field path."""

import difflib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from disposer.errors import PolicyError
from disposer.retention.policy import (
    UNLIMITED,
    KeepRule,
    PolicyFile,
    Quarantine,
    RetentionPolicy,
    SelectRule,
    duplicate_name,
    unlimited,
)

# What a policies file looks like, for the messages about one that does not.
FILE_SHAPE = '{"policies": [{"name": ..., "domain": ..., ...}, ...]}'
# The model behind each nested object of a policy, to suggest a field name for a typo.
_NESTED: dict[str, type[BaseModel]] = {"select": SelectRule, "keep": KeepRule, "quarantine": Quarantine}


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def _named(label: str, entry: object) -> str:
    name = entry.get("name") if isinstance(entry, dict) else None
    return f"{label} ({name})" if isinstance(name, str) and name else label


def _aliases(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def _suggestion(loc: tuple[int | str, ...]) -> str:
    """ ", did you mean 'olderThanDays'?" for a field name close to one the object has, else ""."""
    if not loc or not isinstance(loc[-1], str):
        return ""
    parent = loc[-2] if len(loc) >= 2 else None
    model = _NESTED.get(parent, RetentionPolicy) if isinstance(parent, str) else RetentionPolicy
    close = difflib.get_close_matches(loc[-1], _aliases(model), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else f"; {model.__name__} fields: {', '.join(_aliases(model))}"


def _problem(error: ErrorDetails, data: object, single: bool) -> str:
    loc = tuple(error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message += _suggestion(loc)
    owner = ""
    if single:
        owner = _named("policy", data)
    elif len(loc) >= 2 and loc[0] == "policies" and isinstance(loc[1], int):
        index, loc = loc[1], loc[2:]
        entries = data.get("policies") if isinstance(data, dict) else None
        owner = _named(f"policies[{index}]", entries[index] if isinstance(entries, list) else None)
    return ": ".join([p for p in (owner, _field_path(loc)) if p] + [message])


def _policy_error(error: ValidationError, data: object, single: bool) -> PolicyError:
    return PolicyError(*(_problem(e, data, single) for e in error.errors(include_url=False)))


def parse_policy(data: object) -> RetentionPolicy:
    """Validate one policy (e.g. an API body); raise PolicyError naming the policy and field."""
    try:
        return RetentionPolicy.model_validate(data)
    except ValidationError as error:
        raise _policy_error(error, data, single=True) from None


def parse_policies(data: object) -> tuple[RetentionPolicy, ...]:
    """Validate a parsed policies file; raise PolicyError naming every problem of the file at once, e.g.
    `policies[2] (prune-ui): select.x: ...`: each policy's fields, then what pydantic checks only once
    a policy's fields are valid (must limit itself) and across policies (unique names)."""
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else type(data).__name__
        raise PolicyError(f"a policies file is one JSON object, {FILE_SHAPE}, not {kind}")
    entries = data.get("policies")
    if not isinstance(entries, list):
        try:
            return PolicyFile.model_validate(data).policies
        except ValidationError as error:
            raise _policy_error(error, data, single=False) from None
    problems: list[str] = []
    try:
        PolicyFile.model_validate({**data, "policies": []})
    except ValidationError as error:
        problems += [_problem(e, data, single=False) for e in error.errors(include_url=False)]
    for index, entry in enumerate(entries):
        try:
            RetentionPolicy.model_validate(entry)
        except ValidationError as error:
            found = [
                _problem({**e, "loc": ("policies", index, *e["loc"])}, data, single=False)
                for e in error.errors(include_url=False)
            ]
            if unlimited(entry) and not any(UNLIMITED in problem for problem in found):
                found.append(f"{_named(f'policies[{index}]', entry)}: {UNLIMITED}")
            problems += found
    first: dict[str, int] = {}
    for index, entry in enumerate(entries):
        name = entry.get("name") if isinstance(entry, dict) else None
        if isinstance(name, str) and name in first:
            problems.append(f"policies: {duplicate_name(name, first[name], index)}")
        elif isinstance(name, str):
            first[name] = index
    if problems:
        raise PolicyError(*problems)
    try:
        return PolicyFile.model_validate(data).policies
    except ValidationError as error:
        raise _policy_error(error, data, single=False) from None


def load_policies(path: str | Path) -> tuple[RetentionPolicy, ...]:
    """Read and validate a policies JSON file (the only I/O here: synth time, the CLI, tests).

    Every error a file can cause is a PolicyError; the ones about the file as a whole name it.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(f"{path}: no such file (a policies file is {FILE_SHAPE})") from None
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(f"{path}: cannot be read: {error}") from None
    if not text.strip():
        raise PolicyError(f"{path}: the file is empty (a policies file is {FILE_SHAPE})")
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as error:
        raise PolicyError(f"{path}: invalid JSON: {error}") from None
    return parse_policies(data)
