"""Policy selectors: case-sensitive globs (`*`, `?`) for names, and full-match regexes for versions."""

import re
from functools import lru_cache
from typing import Annotated

from pydantic import AfterValidator, Field

MAX_PATTERN_LENGTH = 1_000
# Glob selectors: what the CodeArtifact name allows, plus the two wildcards `*` and `?`.
REPOSITORY_GLOB_PATTERN = r"^[A-Za-z0-9._\-*?]+$"
NAME_GLOB_PATTERN = r"^[^#/\s]+$"
# The policy name becomes part of an EventBridge rule name (at most 64 of [.-_A-Za-z0-9]).
POLICY_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"

_GLOB_CHARS = frozenset("*?")


@lru_cache(maxsize=1024)
def compiled_regex(pattern: str) -> re.Pattern[str]:
    """Compile a policy regex once (policies are re-used for every version of every package)."""
    return re.compile(pattern)


def _check_regex(pattern: str) -> str:
    try:
        compiled_regex(pattern)
    except re.error as error:
        raise ValueError(f"invalid regex: {error}") from None
    except (RecursionError, OverflowError):
        # Deep nesting or huge repeat counts crash the compiler itself rather than raising re.error.
        raise ValueError("invalid regex: too deeply nested or with a repeat count too large") from None
    return pattern


def full_match(pattern: str, text: str) -> bool:
    """True if the policy regex matches all of `text` (policy patterns always match in full)."""
    return compiled_regex(pattern).fullmatch(text) is not None


@lru_cache(maxsize=1024)
def glob_regex(glob: str) -> re.Pattern[str]:
    """Translate a case-sensitive glob with only `*` and `?` to a regex.

    Unlike fnmatch, `[` is literal: package names may contain it, and only `*` and `?` are wildcards.
    """
    parts = [".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob]
    return re.compile("".join(parts), re.DOTALL)


def glob_matches(glob: str | None, text: str | None) -> bool:
    """True if `text` matches `glob`; an omitted glob matches everything, a missing text is ''."""
    if glob is None:
        return True
    return glob_regex(glob).fullmatch(text or "") is not None


def literal_prefix(glob: str | None) -> str | None:
    """The literal start of a glob (usable as ListPackages' packagePrefix), or None if there is none."""
    if glob is None:
        return None
    end = next((i for i, c in enumerate(glob) if c in _GLOB_CHARS), len(glob))
    return glob[:end] or None


def is_glob(text: str | None) -> bool:
    """True if `text` is a glob with wildcards rather than a literal name."""
    return text is not None and any(c in _GLOB_CHARS for c in text)


Regex = Annotated[str, Field(min_length=1, max_length=MAX_PATTERN_LENGTH), AfterValidator(_check_regex)]


def _check_repository(glob: str) -> str:
    # A literal name must be a name CodeArtifact accepts; a glob only needs the allowed characters.
    if not is_glob(glob) and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._\-]{1,99}", glob):
        raise ValueError(f"'{glob}' is not a repository name (2-100 of A-Z a-z 0-9 . _ -, not starting with . _ -)")
    return glob


RepositoryGlob = Annotated[
    str,
    Field(min_length=1, max_length=100, pattern=REPOSITORY_GLOB_PATTERN),
    AfterValidator(_check_repository),
]
NamespaceGlob = Annotated[str, Field(min_length=1, max_length=255, pattern=NAME_GLOB_PATTERN)]
PackageGlob = Annotated[str, Field(min_length=1, max_length=255, pattern=NAME_GLOB_PATTERN)]
