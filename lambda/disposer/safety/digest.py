"""The plan digest: what a reviewer approved, so an apply can refuse a plan that has changed since.

Computed from the plan's writes alone (every dispose and archive item: package, version, revision,
status, action, and the status the write is pinned to), in a canonical order: a plan that keeps more or
less for other reasons but writes the same versions, pinned the same way, has the same digest. Opaque
to callers; `v1:` names this recipe: the SHA-256 of the sorted rows as one compact JSON array.
"""

import hashlib
import json
from collections.abc import Iterator, Sequence

from disposer.model.plans import Plan

DIGEST_VERSION = "v1"
# What plan_digest gives: the recipe's name and 32 lowercase hex digits.
DIGEST_PATTERN = rf"^{DIGEST_VERSION}:[0-9a-f]{{32}}$"
# Rows serialized at a time: a plan of 100,000 writes is hashed without holding its whole JSON text.
_ROWS_PER_CHUNK = 1000


def plan_digest(plan: Plan) -> str:
    # Enum members are StrEnums: `.value` is their text, shared rather than copied for every row.
    rows = sorted(
        (
            item.ref.domain,
            item.ref.domain_owner or "",
            item.ref.repository,
            item.ref.format.value,
            item.ref.namespace or "",
            item.ref.package,
            item.version,
            item.revision or "",
            item.status.value if item.status is not None else "",
            item.action.value,
            item.expected_status.value if item.expected_status is not None else "",
        )
        for item in plan.changes
    )
    sha = hashlib.sha256()
    for piece in _canonical_json(rows):
        sha.update(piece.encode())
    return f"{DIGEST_VERSION}:{sha.hexdigest()[:32]}"


def _canonical_json(rows: Sequence[tuple[str, ...]]) -> Iterator[str]:
    """The text of json.dumps(rows) with compact separators and ASCII escapes, a chunk at a time."""
    yield "["
    for start in range(0, len(rows), _ROWS_PER_CHUNK):
        chunk = json.dumps(rows[start : start + _ROWS_PER_CHUNK], separators=(",", ":"), ensure_ascii=True)
        yield ("," if start else "") + chunk[1:-1]
    yield "]"
