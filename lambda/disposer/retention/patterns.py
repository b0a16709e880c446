"""Policy selectors: case-sensitive globs (`*`, `?`) for names, and full-match regexes for versions.

Both are matched by RE2 (google-re2), whose matching time is linear in the text: no pattern and no
version string can make a plan run long, as a backtracking engine's catastrophic patterns
(`(a+)+$`) would. RE2 refuses what it cannot run in linear time - backreferences, lookaround - and
the policy is refused with it, naming the field.

Compiling is bounded too, since a short pattern can stand for a huge program (`.{0,1000}` nine
characters, thousands of instructions): a policy regex has at most MAX_PATTERN_LENGTH characters and
RE2 compiles it within PATTERN_MAX_MEM bytes, refusing a larger program at once; either is a
PatternTooComplexError naming the field.
"""

from functools import lru_cache
from typing import Annotated, Any, Protocol

import re2
from pydantic import AfterValidator, BeforeValidator, Field

from disposer.errors import PatternTooComplexError

MAX_PATTERN_LENGTH = 256
# RE2's memory for one policy regex: its program gets 2/3 of it, the DFA the rest. 64 KiB takes every
# realistic version pattern (semver's full regex is 68 instructions; `.{1,255}` 2,298) and refuses
# within ~10 ms what would be larger: the worst program it admits compiles in ~7 ms, where RE2's
# default 8 MiB let `.{0,1000}` x 50 compile for seconds.
PATTERN_MAX_MEM = 64 * 1024
# How RE2 says a program is over max_mem (its error code is not exposed by the Python binding).
_TOO_LARGE = "pattern too large"
# Glob selectors: what the CodeArtifact name allows, plus the two wildcards `*` and `?`.
REPOSITORY_GLOB_PATTERN = r"^[A-Za-z0-9._\-*?]+$"
NAME_GLOB_PATTERN = r"^[^#/\s]+$"
# The policy name becomes part of an EventBridge rule name (at most 64 of [.-_A-Za-z0-9]).
POLICY_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"

_GLOB_CHARS = frozenset("*?")
# CodeArtifact's repository name (and repositoryPrefix) constraint, from its service model.
REPOSITORY_NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._\-]{1,99}"


class CompiledPattern(Protocol):
    """What this module uses of an RE2 regular expression."""

    def fullmatch(self, text: str) -> Any: ...


def _options(*, dot_matches_newline: bool = False, max_mem: int | None = None) -> Any:
    options = re2.Options()
    # RE2 would also write each refused pattern to stderr, outside the function's JSON log.
    options.log_errors = False
    options.dot_nl = dot_matches_newline
    if max_mem is not None:
        options.max_mem = max_mem
    return options


@lru_cache(maxsize=1024)
def compiled_regex(pattern: str) -> CompiledPattern:
    """Compile a policy regex once (policies are re-used for every version of every package), within
    PATTERN_MAX_MEM."""
    compiled: CompiledPattern = re2.compile(pattern, _options(max_mem=PATTERN_MAX_MEM))
    return compiled


def _check_length(pattern: object) -> object:
    # Before pydantic's own max_length, so that the answer says PatternTooComplex as for a large program.
    if isinstance(pattern, str) and len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternTooComplexError(f"pattern too complex: {len(pattern)} characters, at most {MAX_PATTERN_LENGTH}")
    return pattern


def _check_regex(pattern: str) -> str:
    try:
        compiled_regex(pattern)
    except re2.error as error:
        reason = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else str(error)
        if _TOO_LARGE in reason:
            raise PatternTooComplexError(
                f"pattern too complex: its RE2 program is over {PATTERN_MAX_MEM // 1024} KiB (bounded repeats "
                "such as {0,1000} are expanded: prefer + and *)"
            ) from None
        raise ValueError(f"invalid regex: {reason} (the RE2 dialect: no backreferences or lookaround)") from None
    return pattern


def full_match(pattern: str, text: str) -> bool:
    """True if the policy regex matches all of `text` (policy patterns always match in full)."""
    return compiled_regex(pattern).fullmatch(text) is not None


def _glob_source(glob: str) -> str:
    return "".join(".*" if c == "*" else "." if c == "?" else re2.escape(c) for c in glob)


@lru_cache(maxsize=1024)
def glob_regex(glob: str) -> CompiledPattern:
    """Translate a case-sensitive glob with only `*` and `?` to a regex.

    Unlike fnmatch, `[` is literal: package names may contain it, and only `*` and `?` are wildcards.
    """
    compiled: CompiledPattern = re2.compile(_glob_source(glob), _options(dot_matches_newline=True))
    return compiled


def any_glob_regex(globs: tuple[str, ...]) -> CompiledPattern:
    """One regex that fully matches what any of `globs` matches (which one, glob_matches tells)."""
    parts = [_glob_source(glob) for glob in globs]
    options = _options(dot_matches_newline=True)
    # The DFA of many `.*` alternatives may outgrow RE2's default 8 MiB; RE2 then falls back to its
    # NFA, still linear in the text.
    options.max_mem = 64 << 20
    compiled: CompiledPattern = re2.compile("|".join(f"(?:{part})" for part in parts), options)
    return compiled


def glob_matches(glob: str | None, text: str | None) -> bool:
    """True if `text` matches `glob`; an omitted glob matches everything, a missing text is ''."""
    if glob is None:
        return True
    return glob_regex(glob).fullmatch(text or "") is not None


_REPOSITORY_NAME = compiled_regex(REPOSITORY_NAME_PATTERN)


def literal_prefix(glob: str | None) -> str | None:
    """The literal start of a glob (usable as ListPackages' packagePrefix), or None if there is none."""
    if glob is None:
        return None
    end = next((i for i, c in enumerate(glob) if c in _GLOB_CHARS), len(glob))
    return glob[:end] or None


def repository_prefix(glob: str | None) -> str | None:
    """The literal start of a repository glob if CodeArtifact accepts it as `repositoryPrefix` (a
    repository name's own form: at least 2 characters, not starting with . _ -); None otherwise, so the
    caller lists every repository and filters them itself, rather than being refused."""
    prefix = literal_prefix(glob)
    return prefix if prefix is not None and _REPOSITORY_NAME.fullmatch(prefix) is not None else None


def is_glob(text: str | None) -> bool:
    """True if `text` is a glob with wildcards rather than a literal name."""
    return text is not None and any(c in _GLOB_CHARS for c in text)


Regex = Annotated[
    str,
    Field(min_length=1, max_length=MAX_PATTERN_LENGTH),
    BeforeValidator(_check_length),
    AfterValidator(_check_regex),
]


def _check_repository(glob: str) -> str:
    # A literal name must be a name CodeArtifact accepts; a glob only needs the allowed characters.
    if not is_glob(glob) and _REPOSITORY_NAME.fullmatch(glob) is None:
        raise ValueError(f"'{glob}' is not a repository name (2-100 of A-Z a-z 0-9 . _ -, not starting with . _ -)")
    return glob


RepositoryGlob = Annotated[
    str,
    Field(min_length=1, max_length=100, pattern=REPOSITORY_GLOB_PATTERN),
    AfterValidator(_check_repository),
]
NamespaceGlob = Annotated[str, Field(min_length=1, max_length=255, pattern=NAME_GLOB_PATTERN)]
PackageGlob = Annotated[str, Field(min_length=1, max_length=255, pattern=NAME_GLOB_PATTERN)]
