"""The bounds on policy regexes: length, count and RE2's program size keep compiling and matching cheap,
and what is over them is refused at once, as PatternTooComplex naming the field, by every reader."""

import time
from typing import Any

import pytest
import re2
from pydantic import ValidationError

from disposer.errors import PatternTooComplexError, PolicyError
from disposer.retention.loader import parse_policies, parse_policy
from disposer.retention.patterns import MAX_PATTERN_LENGTH, compiled_regex
from disposer.retention.policy import MAX_POLICY_PATTERNS, RetentionPolicy
from tests.builders import costliest_to_compile

SEMVER = (
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
    r"(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)
REALISTIC = [
    ".*",
    ".*-(alpha|beta|rc)\\..*",
    r"\d+\.\d+\.\d+-SNAPSHOT",
    r"[0-9]{8}-[0-9]{6}",
    r"v?\d{1,4}\.\d{1,4}\.\d{1,4}",
    r"[0-9a-f]{64}",
    SEMVER,
    r"\p{L}+-\d+",
    r"[^/#\s]{1,255}",
    r".{1,255}",
    r"(?i)[a-z0-9._-]{1,255}",
    r"\d+(\.\d+){0,10}(-[0-9A-Za-z.-]{1,100})?",
    r"(?i).*(snapshot|dev|alpha|beta|rc|pre|preview|nightly|canary)[.-]?\d*.*",
    r"(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})(-[0-9A-Za-z-]{1,64}(\.[0-9A-Za-z-]{1,64}){0,10})?",
]
PATHOLOGICAL = [
    ".{0,1000}" * 28,
    r"\pL{0,1000}" * 23,
    "(a{0,30}){0,30}" * 17,
    "|".join([".{0,1000}"] * 25),
    "[0-9a-z]{1,1000}" * 16,
]


def _policy(**fields: Any) -> dict[str, Any]:
    return {"name": "p1", "domain": "acme", "select": {"olderThanDays": 1}, **fields}


def _fresh() -> None:
    compiled_regex.cache_clear()
    re2._Regexp._make.cache_clear()


@pytest.mark.parametrize("pattern", REALISTIC)
def test_realistic_version_pattern_is_accepted(pattern):
    assert RetentionPolicy.model_validate(_policy(select={"versionPattern": pattern}))


@pytest.mark.parametrize("pattern", PATHOLOGICAL)
def test_pattern_over_the_program_bound_is_refused_fast_naming_the_field(pattern):
    # GIVEN a pattern of at most 256 characters whose RE2 program would be huge
    assert len(pattern) <= MAX_PATTERN_LENGTH
    _fresh()
    # WHEN validated THEN it is PatternTooComplex, within milliseconds rather than seconds
    started = time.perf_counter()
    with pytest.raises(ValidationError) as caught:
        RetentionPolicy.model_validate(_policy(keep={"versionPatterns": ["1\\.0", pattern]}))
    assert time.perf_counter() - started < 0.1
    (error,) = caught.value.errors()
    assert error["loc"] == ("keep", "versionPatterns", 1)
    assert isinstance(error["ctx"]["error"], PatternTooComplexError)


def test_pattern_longer_than_256_characters_is_refused_before_compiling():
    assert RetentionPolicy.model_validate(_policy(select={"versionPattern": "a" * MAX_PATTERN_LENGTH}))
    with pytest.raises(PolicyError, match=r"select\.versionPattern: pattern too complex: 450 characters"):
        parse_policy(_policy(select={"versionPattern": ".{0,1000}" * 50}))


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"keep": {"versionPatterns": [f"{i}\\..*" for i in range(100)]}}, "keep.versionPatterns"),
        ({"keep": {"versionPatterns": [f"{i}\\..*" for i in range(21)]}}, "keep.versionPatterns"),
        (
            {"select": {"versionPattern": ".*"}, "keep": {"versionPatterns": [f"{i}\\..*" for i in range(20)]}},
            "keep.versionPatterns",
        ),
    ],
)
def test_policy_over_20_patterns_is_refused(fields, where):
    with pytest.raises(PolicyError, match=rf"{where}: pattern too complex: \d+ regexes, at most 20"):
        parse_policy(_policy(**fields))


def test_policy_of_20_patterns_at_the_bound_compiles_well_under_a_second():
    # GIVEN the costliest policy the bounds allow: 20 distinct patterns, each at the RE2 program bound
    patterns = costliest_to_compile()
    assert len(set(patterns)) == MAX_POLICY_PATTERNS
    _fresh()
    # WHEN it is validated (which compiles every pattern, uncached)
    started = time.perf_counter()
    RetentionPolicy.model_validate(
        _policy(select={"versionPattern": patterns[0]}, keep={"versionPatterns": patterns[1:]})
    )
    # THEN it takes well under a second (measured: ~170 ms on a shared core)
    assert time.perf_counter() - started < 0.5


def test_policies_file_gets_the_same_bounds():
    # GIVEN a policies file (what synth and the CLI read) with a pattern over its bound
    data = {"policies": [_policy(select={"versionPattern": ".{0,1000}" * 28})]}
    # WHEN parsed THEN the problem names the policy and the field, as the API does
    with pytest.raises(PolicyError, match=r"policies\[0\] \(p1\): select\.versionPattern: pattern too complex"):
        parse_policies(data)
