"""Unit tests for the retention policy model, its validation messages and the policies-file loader."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from disposer.errors import PolicyError
from disposer.model.packages import PackageFormat, PackageRef, PackageVersionOriginType, PackageVersionStatus
from disposer.retention.loader import load_policies, parse_policies, parse_policy
from disposer.retention.patterns import glob_matches, is_glob, literal_prefix
from disposer.retention.policy import PolicyFile, PolicyMode, RetentionPolicy
from disposer.retention.schedules import check_schedule

README_EXAMPLE: dict[str, Any] = {
    "name": "prune-ui",
    "schedule": "cron(0 3 * * ? *)",
    "mode": "apply",
    "domain": "acme",
    "domainOwner": "111122223333",
    "repository": "releases",
    "format": "npm",
    "namespace": "acme",
    "package": "ui-*",
    "select": {
        "statuses": ["Published", "Unlisted", "Archived"],
        "olderThanDays": 90,
        "versionPattern": ".*-(alpha|beta|rc)\\..*",
    },
    "keep": {
        "latest": 10,
        "newerThanDays": 30,
        "versionPatterns": ["^1\\.0\\.0$"],
        "defaultDisplayVersion": True,
    },
    "maxDisposalsPerRun": 1000,
}


def _policy(**fields: Any) -> dict[str, Any]:
    """A minimal valid policy dict with `fields` overriding the defaults."""
    return {"name": "p1", "domain": "acme", "keep": {"latest": 5}, **fields}


def _ref(**fields: Any) -> PackageRef:
    coordinates: dict[str, Any] = {
        "domain": "acme",
        "domain_owner": "111122223333",
        "repository": "releases",
        "format": PackageFormat.NPM,
        "namespace": "acme",
        "package": "ui-kit",
    }
    coordinates.update(fields)
    return PackageRef(**coordinates)


def _file_error(policy: dict[str, Any]) -> str:
    with pytest.raises(PolicyError) as caught:
        parse_policies({"policies": [_policy(name="ok"), policy]})
    return str(caught.value)


# --- the README's example policy ---------------------------------------------------------------------------


def test_policy_design_example_parses_with_typed_fields():
    # GIVEN the example policy from the README
    # WHEN it is validated
    policy = RetentionPolicy.model_validate(README_EXAMPLE)

    # THEN every field lands on its snake_case attribute with its type
    assert policy.name == "prune-ui"
    assert policy.mode is PolicyMode.APPLY
    assert policy.domain_owner == "111122223333"
    assert policy.format is PackageFormat.NPM
    assert policy.select.older_than_days == 90
    assert policy.select.statuses == (
        PackageVersionStatus.PUBLISHED,
        PackageVersionStatus.UNLISTED,
        PackageVersionStatus.ARCHIVED,
    )
    assert policy.keep.latest == 10
    assert policy.keep.newer_than_days == 30
    assert policy.keep.version_patterns == ("^1\\.0\\.0$",)
    assert policy.max_disposals_per_run == 1000


def test_policy_design_example_dump_by_alias_round_trips():
    # GIVEN the README's example, validated
    policy = RetentionPolicy.model_validate(README_EXAMPLE)

    # WHEN it is dumped with its camelCase aliases and validated again
    dumped = policy.model_dump(by_alias=True)
    again = RetentionPolicy.model_validate(dumped)

    # THEN nothing changed, and the JSON dump of the fields given is the example itself
    assert again == policy
    assert policy.model_dump(mode="json", by_alias=True, exclude_unset=True) == README_EXAMPLE
    assert RetentionPolicy.model_validate_json(policy.model_dump_json()) == policy


def test_policy_omitted_fields_take_design_defaults():
    # GIVEN a policy with only a name, a domain and one keep rule
    # WHEN it is validated
    policy = RetentionPolicy.model_validate(_policy())

    # THEN the defaults are the documented ones
    assert policy.mode is PolicyMode.PLAN
    assert policy.schedule is None
    assert policy.select.statuses == (
        PackageVersionStatus.PUBLISHED,
        PackageVersionStatus.UNLISTED,
        PackageVersionStatus.ARCHIVED,
    )
    assert set(policy.select.origins) == set(PackageVersionOriginType)
    assert policy.keep.default_display_version is True
    assert policy.keep.version_patterns == ()
    assert policy.max_disposals_per_run == 1000
    assert policy.repository is None and policy.format is None and policy.package is None


def test_policy_snake_case_names_are_unknown_fields():
    # GIVEN a policy written with Python attribute names instead of the format's camelCase ones
    data = {"name": "p1", "domain": "acme", "domain_owner": "111122223333", "keep": {"newer_than_days": 3}}
    # WHEN it is validated THEN both are refused as unknown fields (one spelling per field, as documented)
    with pytest.raises(ValidationError) as caught:
        RetentionPolicy.model_validate(data)
    assert {".".join(map(str, e["loc"])) for e in caught.value.errors()} == {"domain_owner", "keep.newer_than_days"}


def test_policy_assignment_is_refused_frozen():
    # GIVEN a validated policy
    policy = RetentionPolicy.model_validate(_policy())

    # WHEN a field is assigned THEN pydantic refuses (policies are shared, immutable values)
    with pytest.raises(ValidationError):
        policy.name = "other"  # type: ignore[misc]


# --- invalid policies: every error names the policy and the field --------------------------------------

INVALID_POLICIES: list[tuple[str, dict[str, Any], str]] = [
    (
        "bad select regex",
        _policy(select={"versionPattern": "(beta"}),
        "select.versionPattern: invalid regex: missing )",
    ),
    (
        "bad keep regex",
        _policy(keep={"versionPatterns": ["^1$", "[z-a]"]}),
        "keep.versionPatterns[1]: invalid regex",
    ),
    ("negative olderThanDays", _policy(select={"olderThanDays": -1}), "select.olderThanDays: Input should be"),
    ("negative newerThanDays", _policy(keep={"newerThanDays": -5}), "keep.newerThanDays: Input should be"),
    ("negative latest", _policy(keep={"latest": -1}), "keep.latest: Input should be greater than or equal"),
    ("absurd olderThanDays", _policy(select={"olderThanDays": 100_000}), "select.olderThanDays: Input should"),
    ("days as text", _policy(select={"olderThanDays": "90"}), "select.olderThanDays: Input should be a valid"),
    ("days as float", _policy(select={"olderThanDays": 1.5}), "select.olderThanDays: Input should be a valid"),
    ("unknown format", _policy(format="rpm"), "format: Input should be"),
    ("unknown status", _policy(select={"statuses": ["Gone"]}), "select.statuses[0]: Input should be"),
    ("Disposed selected", _policy(select={"statuses": ["Disposed"]}), "select.statuses: Disposed can never"),
    (
        "Unfinished selected",
        _policy(select={"statuses": ["Published", "Unfinished"]}),
        "select.statuses: Unfinished can never be disposed",
    ),
    ("no statuses", _policy(select={"statuses": []}), "select.statuses: Tuple should have at least 1 item"),
    ("unknown origin", _policy(select={"origins": ["UPSTREAM"]}), "select.origins[0]: Input should be"),
    ("cap zero", _policy(maxDisposalsPerRun=0), "maxDisposalsPerRun: Input should be greater than or equal"),
    ("cap huge", _policy(maxDisposalsPerRun=100_001), "maxDisposalsPerRun: Input should be less than"),
    ("name with space", _policy(name="prune ui"), "name: String should match pattern"),
    ("name too long", _policy(name="a" * 65), "name: String should match pattern"),
    ("unknown top field", _policy(olderThanDays=3), "olderThanDays: Extra inputs are not permitted"),
    ("unknown keep field", _policy(keep={"latest": 1, "oldest": 2}), "keep.oldest: Extra inputs"),
    ("bad domain", _policy(domain="Acme"), "domain: String should match pattern"),
    ("bad owner", _policy(domainOwner="1234"), "domainOwner: String should have at least 12"),
    ("bad repository glob", _policy(repository="rel/eases"), "repository: String should match pattern"),
    ("bad mode", _policy(mode="delete"), "mode: Input should be 'plan' or 'apply'"),
    ("pypi namespace", _policy(format="pypi", namespace="acme"), "namespace: must be omitted for pypi"),
    ("missing domain", {"name": "p1", "keep": {"latest": 1}}, "domain: Field required"),
    (
        "no limit at all",
        _policy(keep={"defaultDisplayVersion": True}),
        "select/keep: the policy would dispose every version",
    ),
    ("keep latest zero only", _policy(keep={"latest": 0}), "select/keep: the policy would dispose"),
]


@pytest.mark.parametrize(
    ("policy", "expected"), [(p, e) for _, p, e in INVALID_POLICIES], ids=[i for i, _, _ in INVALID_POLICIES]
)
def test_policy_invalid_field_error_names_policy_and_field(policy: dict[str, Any], expected: str):
    # GIVEN a policies file whose second policy has one mistake
    # WHEN it is parsed
    message = _file_error(policy)

    # THEN the error names the policy by index and name, then the field path, then the problem
    name = policy.get("name", "")
    assert f"policies[1] ({name}): {expected}" in message if name else f"policies[1]: {expected}" in message
    assert "Value error" not in message


SCHEDULE_ERRORS = [
    ("rate(1 days)", "EventBridge wants 'day'"),
    ("rate(5 day)", "EventBridge wants 'days'"),
    ("rate(1 minutes)", "EventBridge wants 'minute'"),
    ("rate(0 days)", "must be a positive whole number"),
    ("rate(05 days)", "must be a positive whole number"),
    ("rate(-1 days)", "must be a positive whole number"),
    ("rate(2 weeks)", "must be minute(s), hour(s) or day(s)"),
    ("rate(5days)", "invalid rate expression"),
    ("cron(0 3 * * * *)", "exactly one of day-of-month and day-of-week must be '?'"),
    ("cron(0 3 ? * ? *)", "exactly one of day-of-month and day-of-week must be '?'"),
    ("cron(0 3 * * ?)", "needs 6 fields"),
    ("cron(0 3 * * ? * *)", "needs 6 fields"),
    ("cron(60 3 * * ? *)", "minutes field: value 60 is outside 0-59"),
    ("cron(0 24 * * ? *)", "hours field: value 24 is outside 0-23"),
    ("cron(0 3 32 * ? *)", "day-of-month field: value 32 is outside 1-31"),
    ("cron(0 3 0 * ? *)", "day-of-month field: value 0 is outside 1-31"),
    ("cron(0 3 ? FOO MON *)", "month field: value 'FOO' is not a number or a known name"),
    ("cron(0 3 ? * MON/2 *)", "day-of-week field: '/' is not allowed"),
    ("cron(0 3 ? * 2#6 *)", "occurrence after # must be 1-5"),
    ("cron(0 3 * * ? 1969)", "year field: value 1969 is outside 1970-2199"),
    ("cron(*/0 3 * * ? *)", "increment '0' must be a number in 1-59"),
    ("cron(0 ? * * ? *)", "'?' is allowed only in day-of-month and day-of-week"),
    ("cron(0,* 3 * * ? *)", "'*' must stand alone"),
    ("cron(0 3 1- * ? *)", "value '' is not a number"),
    ("cron(0 3 ? * 8 *)", "day-of-week field: value 8 is outside 1-7"),
    ("cron(0 3 * 13 ? *)", "month field: value 13 is outside 1-12"),
    ("cron(0 3 L * ? *)x", "must be rate(N unit) or cron("),
    ("at(2025-01-01T00:00:00)", "must be rate(N unit) or cron("),
    ("daily", "must be rate(N unit) or cron("),
]


@pytest.mark.parametrize(("schedule", "expected"), SCHEDULE_ERRORS, ids=[s for s, _ in SCHEDULE_ERRORS])
def test_policy_bad_schedule_error_names_schedule_and_problem(schedule: str, expected: str):
    # GIVEN a policy whose schedule is not a valid EventBridge expression
    # WHEN the file is parsed
    message = _file_error(_policy(schedule=schedule))

    # THEN the error names the policy, the schedule field and what is wrong
    assert "policies[1] (p1): schedule: " in message
    assert expected in message


@pytest.mark.parametrize(
    "schedule",
    [
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 hour)",
        "rate(12 hours)",
        "rate(1 day)",
        "rate(7 days)",
        "cron(0 3 * * ? *)",
        "cron(0/15 * * * ? *)",
        "cron(*/10 9-17 ? * MON-FRI *)",
        "cron(0 8 1 * ? *)",
        "cron(15 10 ? * 6L 2025-2030)",
        "cron(0 0 L * ? *)",
        "cron(0 0 LW * ? *)",
        "cron(0 0 15W * ? *)",
        "cron(0 9 ? * 2#1 *)",
        "cron(0 0 1 JAN,JUL ? *)",
        "cron(5,35 14 * * ? *)",
        "cron(0 12 ? * sun *)",
        "cron(0 0 1/2 * ? 2030/2)",
    ],
)
def test_policy_valid_schedule_is_accepted_unchanged(schedule: str):
    # GIVEN a valid EventBridge expression WHEN it is checked THEN it is returned as written
    assert check_schedule(schedule) == schedule
    assert RetentionPolicy.model_validate(_policy(schedule=schedule)).schedule == schedule


def test_policy_file_duplicate_names_error_names_duplicate():
    # GIVEN a policies file where two policies share a name
    data = {"policies": [_policy(name="a"), _policy(name="b"), _policy(name="a")]}

    # WHEN it is parsed
    with pytest.raises(PolicyError) as caught:
        parse_policies(data)

    # THEN the error names the duplicate and both places
    assert str(caught.value) == "policies: duplicate policy name 'a' (policies[0] and policies[2])"


def test_policy_file_unknown_top_level_field_is_rejected():
    # GIVEN a file with a misspelt top-level key
    # WHEN it is parsed THEN the field is named
    with pytest.raises(PolicyError, match=r"^polices: Extra inputs are not permitted"):
        parse_policies({"policies": [], "polices": []})


def test_policy_file_several_errors_are_all_reported():
    # GIVEN two broken policies
    data = {"policies": [_policy(name="a", mode="x"), _policy(name="b", keep={"latest": -2})]}

    # WHEN parsed
    with pytest.raises(PolicyError) as caught:
        parse_policies(data)

    # THEN each problem is reported on its own line
    assert caught.value.problems == (
        "policies[0] (a): mode: Input should be 'plan' or 'apply'",
        "policies[1] (b): keep.latest: Input should be greater than or equal to 0",
    )


def test_policy_file_nameless_policy_error_uses_index_only():
    # GIVEN a policy without a name
    # WHEN parsed THEN the error falls back to the index
    with pytest.raises(PolicyError, match=r"^policies\[0\]: name: Field required"):
        parse_policies({"policies": [{"domain": "acme", "keep": {"latest": 1}}]})


def test_load_policies_valid_file_returns_policies_in_order(tmp_path: Path):
    # GIVEN a policies file with the README's example and a second policy
    path = tmp_path / "policies.json"
    path.write_text(json.dumps({"policies": [README_EXAMPLE, _policy(name="second")]}), encoding="utf-8")

    # WHEN it is loaded
    policies = load_policies(path)

    # THEN both come back, validated, in file order
    assert [p.name for p in policies] == ["prune-ui", "second"]
    assert PolicyFile(policies=policies).policies == policies


def test_load_policies_invalid_json_raises_policy_error(tmp_path: Path):
    # GIVEN a file that is not JSON
    path = tmp_path / "policies.json"
    path.write_text("{not json", encoding="utf-8")

    # WHEN loaded THEN a PolicyError (a ValueError) names the file
    with pytest.raises(PolicyError, match="policies.json: invalid JSON") as caught:
        load_policies(path)
    assert isinstance(caught.value, ValueError)


def test_load_policies_invalid_policy_names_policy_and_field(tmp_path: Path):
    # GIVEN a file whose third policy has a bad select regex
    bad = copy.deepcopy(README_EXAMPLE)
    bad["select"]["versionPattern"] = "*-beta"
    path = tmp_path / "policies.json"
    path.write_text(json.dumps({"policies": [_policy(name="a"), _policy(name="b"), bad]}), encoding="utf-8")

    # WHEN loaded THEN the error names the policy and the field path
    with pytest.raises(PolicyError, match=r"^policies\[2\] \(prune-ui\): select\.versionPattern: invalid regex: "):
        load_policies(path)


def test_parse_policy_single_policy_error_names_policy():
    # GIVEN one policy, as an API body, with a bad keep pattern
    # WHEN parsed THEN the error names it and the field
    with pytest.raises(PolicyError, match=r"^policy \(p1\): keep\.versionPatterns\[0\]: invalid regex"):
        parse_policy(_policy(keep={"versionPatterns": ["("]}))


# --- the "dispose everything" guard ----------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"select": {"olderThanDays": 30}},
        {"select": {"olderThanDays": 0}},
        {"select": {"versionPattern": ".*"}},
        {"keep": {"latest": 1}},
        {"keep": {"newerThanDays": 7}},
        {"keep": {"versionPatterns": ["^1\\..*"]}},
    ],
)
def test_policy_guard_any_limit_is_accepted(fields: dict[str, Any]):
    # GIVEN a policy with exactly one age/pattern/keep limit
    policy = {"name": "p1", "domain": "acme", **fields}

    # WHEN validated THEN it is accepted
    assert RetentionPolicy.model_validate(policy).name == "p1"


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"package": "tmp-*"},
        {"keep": {"defaultDisplayVersion": True}},
        {"keep": {"latest": 0, "newerThanDays": 0, "versionPatterns": []}},
        {"select": {"statuses": ["Archived"], "origins": ["EXTERNAL"]}},
    ],
)
def test_policy_guard_no_limit_is_rejected(fields: dict[str, Any]):
    # GIVEN a policy that would dispose every selected version of every matching package
    policy = {"name": "p1", "domain": "acme", **fields}

    # WHEN validated THEN it is rejected, with the way to opt in spelt out
    with pytest.raises(PolicyError, match=r'set select\.versionPattern "\.\*"'):
        parse_policy(policy)


# --- selectors --------------------------------------------------------------------------------------


def test_policy_matches_package_design_example_selects_ui_packages():
    # GIVEN the README's example (repository releases, npm, namespace acme, package ui-*)
    policy = RetentionPolicy.model_validate(README_EXAMPLE)

    # WHEN packages are matched THEN only those inside every selector match
    assert policy.matches_package(_ref())
    assert not policy.matches_package(_ref(package="api-kit"))
    assert not policy.matches_package(_ref(package="UI-kit"))  # case-sensitive
    assert not policy.matches_package(_ref(repository="snapshots"))
    assert not policy.matches_package(_ref(format=PackageFormat.PYPI))
    assert not policy.matches_package(_ref(namespace="other"))
    assert not policy.matches_package(_ref(namespace=None))
    assert not policy.matches_package(_ref(domain="other"))
    assert not policy.matches_package(_ref(domain_owner="999999999999"))
    assert not policy.matches_package(_ref(domain_owner=None))


def test_policy_matches_repository_glob_wildcards_only():
    # GIVEN a policy whose repository is a glob
    policy = RetentionPolicy.model_validate(_policy(repository="rel?ase*"))

    # WHEN repository names are matched THEN * and ? are wildcards, matched in full and by case
    assert policy.matches_repository("release")
    assert policy.matches_repository("releases-2025")
    assert not policy.matches_repository("Releases")
    assert not policy.matches_repository("my-releases")


def test_policy_omitted_selectors_match_everything():
    # GIVEN a policy with only a domain
    policy = RetentionPolicy.model_validate(_policy())

    # WHEN any package of that domain is matched THEN it matches, with or without namespace or owner
    assert policy.matches_package(_ref(namespace=None, domain_owner=None, format=PackageFormat.MAVEN))


def test_glob_matches_brackets_are_literal():
    # GIVEN a glob with a bracket (fnmatch would read it as a character class)
    # WHEN matched THEN the bracket is literal
    assert glob_matches("lib[1]*", "lib[1]-core")
    assert not glob_matches("lib[1]*", "lib1-core")


def test_glob_matches_star_namespace_matches_packages_without_namespace():
    # GIVEN namespace glob "*" WHEN a package has no namespace THEN it still matches ('' matches *)
    assert glob_matches("*", None)
    assert not glob_matches("acme", None)


def test_literal_prefix_glob_returns_text_before_first_wildcard():
    # GIVEN globs and literals WHEN their literal prefix is taken THEN it stops at the first wildcard
    assert literal_prefix("ui-*") == "ui-"
    assert literal_prefix("ui-kit") == "ui-kit"
    assert literal_prefix("*-kit") is None
    assert literal_prefix(None) is None
    assert is_glob("ui-?") and not is_glob("ui-kit") and not is_glob(None)


def test_policy_file_every_problem_named_in_one_pass():
    # GIVEN a file with field errors, an unlimited policy that also has a field error, and a duplicate name:
    # problems pydantic reports only once the fields are fixed
    data = {
        "policies": [
            {"name": "a", "domain": "acme", "select": {"versionPattern": "("}},
            {"name": "b", "domain": "acme", "mode": "delete"},
            _policy(name="a"),
            {"name": "c", "domain": "acme"},
        ],
        "polices": [],
    }
    # WHEN it is parsed once
    with pytest.raises(PolicyError) as caught:
        parse_policies(data)
    # THEN every problem is named, each with its policy
    problems = caught.value.problems
    assert any(p.startswith("polices: Extra inputs are not permitted") for p in problems)
    assert any(p.startswith("policies[0] (a): select.versionPattern") for p in problems)
    assert any(p.startswith("policies[1] (b): mode") for p in problems)
    assert any(p.startswith("policies[1] (b): select/keep: the policy would dispose every version") for p in problems)
    assert any(p.startswith("policies[3] (c): select/keep: the policy would dispose every version") for p in problems)
    assert "policies: duplicate policy name 'a' (policies[0] and policies[2])" in problems
    assert not any(p.startswith("policies[0] (a): select/keep") for p in problems)  # a pattern limits it
    assert len(problems) == 6
