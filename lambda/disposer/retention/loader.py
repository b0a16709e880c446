"""Reading policies from JSON, with errors that name the policy and the field path."""

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from disposer.errors import PolicyError
from disposer.retention.policy import PolicyFile, RetentionPolicy


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def _named(label: str, entry: object) -> str:
    name = entry.get("name") if isinstance(entry, dict) else None
    return f"{label} ({name})" if isinstance(name, str) and name else label


def _problem(error: ErrorDetails, data: object, single: bool) -> str:
    loc = tuple(error["loc"])
    message = error["msg"].removeprefix("Value error, ")
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
    """Validate a parsed policies file; raise PolicyError, e.g. `policies[2] (prune-ui): select.x: ...`."""
    try:
        return PolicyFile.model_validate(data).policies
    except ValidationError as error:
        raise _policy_error(error, data, single=False) from None


def load_policies(path: str | Path) -> tuple[RetentionPolicy, ...]:
    """Read and validate a policies JSON file (the only I/O here: synth time and tests)."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as error:
        raise PolicyError(f"{path}: invalid JSON: {error}") from None
    return parse_policies(data)
