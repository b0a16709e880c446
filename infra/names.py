"""Names of the stack's resources built from the stack name: readable, within AWS's limits, stable across deploys."""

import hashlib

NAME_HASH_LENGTH = 8


def bounded_name(prefix: str, name: str, *, max_length: int) -> str:
    """`{prefix}-{name}`; past `max_length` characters, truncated and ended with a hash of the full name.

    Deterministic (the same inputs keep their resource across deploys) and distinct for distinct names.
    """
    full = f"{prefix}-{name}"
    if len(full) <= max_length:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:NAME_HASH_LENGTH]
    return f"{full[: max_length - NAME_HASH_LENGTH - 1]}-{digest}"
