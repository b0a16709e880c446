"""Opaque next-token encoding: a base64url JSON position, bound to the listing that issued it."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from local.emulator.errors import validation_error


def encode_token(kind: str, position: Any) -> str:
    """A token resuming listing `kind` after `position` (JSON-serialisable)."""
    raw = json.dumps([kind, position], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(kind: str, token: str | None) -> Any:
    """The position inside `token`, or None without one; a foreign or garbled token is a 400."""
    if token is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        decoded = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise validation_error("Invalid pagination token", reason="OTHER") from exc
    if not isinstance(decoded, list) or len(decoded) != 2 or decoded[0] != kind:
        raise validation_error("Invalid pagination token", reason="OTHER")
    return decoded[1]
