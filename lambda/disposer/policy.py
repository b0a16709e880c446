"""Retention policies: the validated model of DESIGN.md's policy JSON, its selectors, and the file loader."""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails

from disposer.aws_types import (
    DISPOSABLE_STATUSES,
    NAMESPACE_FORBIDDEN,
    AccountId,
    DomainName,
    PackageFormat,
    PackageVersionOriginType,
    PackageVersionStatus,
)
from disposer.packages import PackageRef

# Bounds that no sane policy reaches; they catch typos (an extra zero) and absurd input early.
MAX_DAYS = 36_500  # 100 years: any older cutoff is "everything" and should be said with olderThanDays 0
MAX_KEEP_LATEST = 100_000
MAX_PATTERN_LENGTH = 1_000
MAX_KEEP_PATTERNS = 100
# One run's disposals: 100000 is 1000 calls of 100 at the 100 TPS write quota, i.e. minutes of work and
# far more than any policy should remove at once; the default (1000) is the DESIGN.md contract.
MAX_DISPOSALS_PER_RUN_LIMIT = 100_000
DEFAULT_MAX_DISPOSALS_PER_RUN = 1_000

# The policy name becomes part of an EventBridge rule name (at most 64 of [.-_A-Za-z0-9]).
POLICY_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
# Glob selectors: what the CodeArtifact name allows, plus the two wildcards `*` and `?`.
REPOSITORY_GLOB_PATTERN = r"^[A-Za-z0-9._\-*?]+$"
NAME_GLOB_PATTERN = r"^[^#/\s]+$"

_GLOB_CHARS = frozenset("*?")


class PolicyMode(StrEnum):
    PLAN = "plan"
    APPLY = "apply"


class PolicyError(ValueError):
    """A policy (or policy file) is invalid; the message names the policy and the field path."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# ---------------------------------------------------------------------------------------------------
# Regexes and globs


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
    """True if the policy regex matches all of `text` (DESIGN.md: patterns match in full)."""
    return compiled_regex(pattern).fullmatch(text) is not None


@lru_cache(maxsize=1024)
def glob_regex(glob: str) -> re.Pattern[str]:
    """Translate a case-sensitive glob with only `*` and `?` to a regex.

    Unlike fnmatch, `[` is literal: package names may contain it and DESIGN.md promises only `*` and `?`.
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
Days = Annotated[StrictInt, Field(ge=0, le=MAX_DAYS)]


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


# ---------------------------------------------------------------------------------------------------
# EventBridge schedule expressions


@dataclass(frozen=True, slots=True)
class _CronField:
    label: str
    low: int
    high: int
    names: Mapping[str, int]
    step: bool
    question: bool


_MONTHS = {
    m: i + 1 for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"))
}
_WEEKDAYS = {d: i + 1 for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
# EventBridge's table: which wildcards each of the six fields allows (day-of-week has no `/`).
_CRON_FIELDS = (
    _CronField("minutes", 0, 59, {}, step=True, question=False),
    _CronField("hours", 0, 23, {}, step=True, question=False),
    _CronField("day-of-month", 1, 31, {}, step=True, question=True),
    _CronField("month", 1, 12, _MONTHS, step=True, question=False),
    _CronField("day-of-week", 1, 7, _WEEKDAYS, step=False, question=True),
    _CronField("year", 1970, 2199, {}, step=True, question=False),
)
_RATE = re.compile(r"^rate\((?P<value>\S+) (?P<unit>\S+)\)$")
_RATE_UNITS = ("minute", "hour", "day")


def _cron_value(spec: _CronField, text: str, what: str = "value") -> int:
    if text.isdigit() and text.isascii():
        value = int(text)
    elif text.upper() in spec.names:
        return spec.names[text.upper()]
    else:
        raise ValueError(f"{spec.label} field: {what} {text!r} is not a number or a known name")
    if not spec.low <= value <= spec.high:
        raise ValueError(f"{spec.label} field: {what} {value} is outside {spec.low}-{spec.high}")
    return value


def _check_cron_item(spec: _CronField, item: str) -> None:
    if item in ("*", "?"):
        raise ValueError(f"{spec.label} field: {item!r} must stand alone, not in a list")
    base, slash, step = item.partition("/")
    if slash:
        if not spec.step:
            raise ValueError(f"{spec.label} field: '/' is not allowed here")
        if not step.isdigit() or not 1 <= int(step) <= spec.high:
            raise ValueError(f"{spec.label} field: increment {step!r} must be a number in 1-{spec.high}")
        if base == "*":
            return
    elif spec.label == "day-of-month" and base in ("L", "LW"):
        return
    elif spec.label == "day-of-month" and base.endswith("W"):
        _cron_value(spec, base[:-1], "day before W")
        return
    elif spec.label == "day-of-week" and base == "L":
        return
    elif spec.label == "day-of-week" and base.endswith("L"):
        _cron_value(spec, base[:-1], "day before L")
        return
    elif spec.label == "day-of-week" and "#" in base:
        day, _, nth = base.partition("#")
        _cron_value(spec, day, "day before #")
        if nth not in ("1", "2", "3", "4", "5"):
            raise ValueError(f"{spec.label} field: occurrence after # must be 1-5, not {nth!r}")
        return
    first, dash, last = base.partition("-")
    _cron_value(spec, first)
    if dash:
        _cron_value(spec, last)


def _check_cron(body: str) -> None:
    fields = body.split()
    if len(fields) != len(_CRON_FIELDS):
        raise ValueError(
            f"cron() needs 6 fields (minutes hours day-of-month month day-of-week year), got {len(fields)}"
        )
    for spec, text in zip(_CRON_FIELDS, fields, strict=True):
        if text == "*" or (text == "?" and spec.question):
            continue
        if text == "?":
            raise ValueError(f"{spec.label} field: '?' is allowed only in day-of-month and day-of-week")
        for item in text.split(","):
            _check_cron_item(spec, item)
    if (fields[2] == "?") == (fields[4] == "?"):
        raise ValueError("exactly one of day-of-month and day-of-week must be '?' (EventBridge rule)")


def _check_rate(value: str, unit: str) -> None:
    if not (value.isdigit() and value.isascii()) or value.startswith("0"):
        raise ValueError(f"rate value {value!r} must be a positive whole number")
    singular = unit.removesuffix("s")
    if singular not in _RATE_UNITS:
        raise ValueError(f"rate unit {unit!r} must be minute(s), hour(s) or day(s)")
    expected = singular if value == "1" else f"{singular}s"
    if unit != expected:
        raise ValueError(f"rate({value} {unit}): EventBridge wants {expected!r} for a value of {value}")


def check_schedule(expression: str) -> str:
    """Validate an EventBridge schedule expression, `rate(N unit)` or `cron(6 fields)`; return it."""
    if expression.startswith("cron(") and expression.endswith(")"):
        try:
            _check_cron(expression[len("cron(") : -1])
        except ValueError as error:
            raise ValueError(f"invalid cron expression: {error}") from None
        return expression
    rate = _RATE.match(expression)
    if rate:
        _check_rate(rate["value"], rate["unit"])
        return expression
    if expression.startswith("rate("):
        raise ValueError("invalid rate expression: write rate(N unit), e.g. rate(1 day) or rate(6 hours)")
    raise ValueError("must be rate(N unit) or cron(minutes hours day-of-month month day-of-week year)")


Schedule = Annotated[str, Field(min_length=1, max_length=256), AfterValidator(check_schedule)]


# ---------------------------------------------------------------------------------------------------
# The policy model


class PolicyModel(BaseModel):
    """Base of the policy models: camelCase JSON, unknown fields are errors, values immutable."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        # Only the policy format's own (camelCase) names: `older_than_days` is an unknown field.
        validate_by_name=False,
        validate_by_alias=True,
        alias_generator=to_camel,
        serialize_by_alias=True,
    )


class SelectRule(PolicyModel):
    """Which versions are candidates: a version must match every field given."""

    statuses: Annotated[tuple[PackageVersionStatus, ...], Field(min_length=1)] = (
        PackageVersionStatus.PUBLISHED,
        PackageVersionStatus.UNLISTED,
        PackageVersionStatus.ARCHIVED,
    )
    older_than_days: Days | None = None
    version_pattern: Regex | None = None
    origins: Annotated[tuple[PackageVersionOriginType, ...], Field(min_length=1)] = tuple(PackageVersionOriginType)

    @field_validator("statuses")
    @classmethod
    def _only_disposable(cls, statuses: tuple[PackageVersionStatus, ...]) -> tuple[PackageVersionStatus, ...]:
        never = [s.value for s in statuses if s not in DISPOSABLE_STATUSES]
        if never:
            # Rejected rather than ignored: a policy that says "dispose Unfinished" must learn it never will.
            raise ValueError(
                f"{', '.join(never)} can never be disposed by a policy; use only Published, Unlisted, Archived"
            )
        return statuses

    def matches_version(self, version: str) -> bool:
        """True if `version` matches versionPattern (or there is none)."""
        return self.version_pattern is None or full_match(self.version_pattern, version)


class KeepRule(PolicyModel):
    """What is kept among the candidates; any one matching rule keeps a version."""

    latest: Annotated[StrictInt, Field(ge=0, le=MAX_KEEP_LATEST)] | None = None
    newer_than_days: Days | None = None
    version_patterns: Annotated[tuple[Regex, ...], Field(max_length=MAX_KEEP_PATTERNS)] = ()
    default_display_version: StrictBool = True

    def matching_pattern(self, version: str) -> str | None:
        """The first of versionPatterns that `version` matches in full, or None."""
        return next((p for p in self.version_patterns if full_match(p, version)), None)


class RetentionPolicy(PolicyModel):
    """A retention policy (DESIGN.md "Retention policy"): selectors, select rules, keep rules, limits.

    Guard: a policy must limit what it disposes. It needs at least one of select.olderThanDays,
    select.versionPattern, keep.latest >= 1, keep.newerThanDays >= 1 or keep.versionPatterns; otherwise
    it would dispose every version of every matching package (keep.defaultDisplayVersion spares only one
    version, and the package selectors only narrow which packages are wiped). To dispose everything on
    purpose, say so: select.olderThanDays 0 or select.versionPattern ".*".
    """

    name: Annotated[str, Field(pattern=POLICY_NAME_PATTERN)]
    schedule: Schedule | None = None
    mode: PolicyMode = PolicyMode.PLAN
    domain: DomainName
    domain_owner: AccountId | None = None
    repository: RepositoryGlob | None = None
    format: PackageFormat | None = None
    namespace: NamespaceGlob | None = None
    package: PackageGlob | None = None
    select: SelectRule = SelectRule()
    keep: KeepRule = KeepRule()
    max_disposals_per_run: Annotated[StrictInt, Field(ge=1, le=MAX_DISPOSALS_PER_RUN_LIMIT)] = (
        DEFAULT_MAX_DISPOSALS_PER_RUN
    )

    @model_validator(mode="after")
    def _check_policy(self) -> Self:
        if self.format in NAMESPACE_FORBIDDEN and self.namespace is not None:
            raise ValueError(f"namespace: must be omitted for {self.format} packages (they have none)")
        limited = (
            self.select.older_than_days is not None
            or self.select.version_pattern is not None
            or bool(self.keep.latest)
            or bool(self.keep.newer_than_days)
            or bool(self.keep.version_patterns)
        )
        if not limited:
            raise ValueError(
                "select/keep: the policy would dispose every version of every matching package; set "
                "select.olderThanDays or select.versionPattern, or keep.latest, keep.newerThanDays or "
                'keep.versionPatterns (to dispose everything on purpose, set select.versionPattern ".*")'
            )
        return self

    def matches_repository(self, repository: str) -> bool:
        """True if the repository name matches the policy's `repository` glob (or there is none)."""
        return glob_matches(self.repository, repository)

    def matches_format(self, package_format: PackageFormat) -> bool:
        """True if the policy has no `format` or it equals `package_format`."""
        return self.format is None or self.format == package_format

    def matches_namespace(self, namespace: str | None) -> bool:
        """True if the namespace matches the `namespace` glob; a package without one counts as ''."""
        return glob_matches(self.namespace, namespace)

    def matches_package_name(self, package: str) -> bool:
        """True if the package name matches the policy's `package` glob (or there is none)."""
        return glob_matches(self.package, package)

    def matches_package(self, ref: PackageRef) -> bool:
        """True if the package is one this policy governs (domain, owner, repository, format, names)."""
        return (
            ref.domain == self.domain
            # An owner stated by the policy must be the package's; unknown (None) does not match it.
            and (self.domain_owner is None or ref.domain_owner == self.domain_owner)
            and self.matches_repository(ref.repository)
            and self.matches_format(ref.format)
            and self.matches_namespace(ref.namespace)
            and self.matches_package_name(ref.package)
        )


class PolicyFile(PolicyModel):
    """The policies file: `{"policies": [...]}`, names unique (each names one EventBridge rule)."""

    policies: tuple[RetentionPolicy, ...]

    @field_validator("policies")
    @classmethod
    def _unique_names(cls, policies: tuple[RetentionPolicy, ...]) -> tuple[RetentionPolicy, ...]:
        first: dict[str, int] = {}
        for index, policy in enumerate(policies):
            if policy.name in first:
                raise ValueError(
                    f"duplicate policy name {policy.name!r} (policies[{first[policy.name]}] and policies[{index}])"
                )
            first[policy.name] = index
        return policies


# ---------------------------------------------------------------------------------------------------
# Loading, with errors that name the policy and the field


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
