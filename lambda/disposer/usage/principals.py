"""Callers whose reads do not count (scanners, mirrors): ARN globs with `*` (any run of characters, `/` and `:`
included) and `?` (one character), matched against the whole ARN, case-sensitively as IAM compares ARNs."""

import re
from collections.abc import Iterable


def _pattern(glob: str) -> str:
    return "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in glob)


class PrincipalGlobs:
    """Some ARN globs, compiled once into one expression."""

    def __init__(self, globs: Iterable[str]) -> None:
        self.globs = tuple(glob for glob in globs if glob)
        self._compiled = re.compile("|".join(f"(?:{_pattern(glob)})" for glob in self.globs)) if self.globs else None

    def match(self, *arns: str | None) -> bool:
        """Whether any of the given ARNs (None: unknown) matches any glob."""
        compiled = self._compiled
        if compiled is None:
            return False
        return any(arn is not None and compiled.fullmatch(arn) is not None for arn in arns)
