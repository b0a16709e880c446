"""keep.latestPerMajor and keep.latestPerMinor over mixed histories, in each format's own version order: the
newest of each line is kept whatever was published last (a backport after 2.0 stays the newest of 1.1), and a
version with no place in the format's order is kept, saying so."""

from datetime import timedelta

import pytest
from pydantic import ValidationError

from disposer.model.packages import PackageFormat, PackageRef, PackageVersionStatus, VersionSummary
from disposer.model.plans import Action, Rule
from disposer.retention.engine import PackageVersions, plan_package
from tests.builders import NOW, policy

# Oldest published first: 1.1.2 is a backport published after 2.0.
HISTORIES = {
    PackageFormat.NPM: ["1.0.0", "1.0.1", "1.1.0", "1.1.1-beta.1", "2.0.0", "1.1.2", "latest-build"],
    PackageFormat.PYPI: ["1.0", "1.0.1", "1.1.0", "1.1.1rc1", "2.0", "1.1.2", "not-a-version"],
    PackageFormat.MAVEN: ["1.0", "1.0.1", "1.1.0", "1.1.1-alpha-1", "2.0", "1.1.2", "${project.version}"],
    PackageFormat.NUGET: ["1.0.0", "1.0.1", "1.1.0", "1.1.1-beta", "2.0.0", "1.1.2", "nightly"],
}
NAMESPACES = {PackageFormat.NPM: "acme", PackageFormat.MAVEN: "com.acme"}


def _plan(package_format: PackageFormat, versions: list[str], **keep: object) -> dict[str, tuple[Action, Rule, str]]:
    ref = PackageRef("acme", None, "releases", package_format, NAMESPACES.get(package_format), "lib")
    listed = tuple(
        VersionSummary(v, f"r-{v}", PackageVersionStatus.PUBLISHED, published_time=NOW - timedelta(days=100 - i))
        for i, v in enumerate(versions)
    )
    rules = {"defaultDisplayVersion": False, **keep}
    planned = plan_package(
        PackageVersions(ref, listed), policy(select={"versionPattern": ".*"}, keep=rules, format=package_format), NOW
    )
    return {item.version: (item.action, item.rule, item.reason) for item in planned.items}


@pytest.mark.parametrize("package_format", list(HISTORIES))
def test_latest_per_minor_keeps_the_newest_of_each_line_and_every_unordered_version(package_format):
    versions = HISTORIES[package_format]
    decided = _plan(package_format, versions, latestPerMinor=1)
    _, newest_of_one_zero, _, beta, two, backport, odd = versions
    kept = {v for v, (action, _, _) in decided.items() if action is Action.KEEP}
    assert kept == {newest_of_one_zero, two, backport, odd}
    assert decided[backport][1:] == (Rule.KEEP_LATEST_PER_LINE, "kept: newest 1 of 1.1.x")
    assert decided[two][2] == "kept: newest 1 of 2.0.x"
    assert decided[odd][1] is Rule.KEEP_NO_VERSION_ORDER
    assert decided[odd][2] == f"kept: {odd} has no place in the {package_format} version order (keep.latestPerMinor)"
    # The pre-release sits on its line below the backport, and goes with the rest.
    assert decided[beta][0] is Action.DISPOSE


@pytest.mark.parametrize("package_format", list(HISTORIES))
def test_latest_per_major_counts_lines_of_a_major(package_format):
    versions = HISTORIES[package_format]
    decided = _plan(package_format, versions, latestPerMajor=2)
    kept = {v for v, (action, rule, _) in decided.items() if rule is Rule.KEEP_LATEST_PER_LINE}
    # The two highest of 1.x are the backport 1.1.2 and the pre-release of 1.1.1 (ranked above 1.1.0).
    assert kept == {versions[5], versions[3], versions[4]}
    assert decided[versions[5]][2] == "kept: newest 2 of 1.x"


def test_a_generic_package_is_ordered_only_when_every_version_is_semver():
    semver = ["1.0.0", "1.1.0", "2.0.0", "1.1.1"]
    assert {
        v for v, (a, _, _) in _plan(PackageFormat.GENERIC, semver, latestPerMajor=1).items() if a is Action.KEEP
    } == {
        "1.1.1",
        "2.0.0",
    }
    mixed = [*semver, "nightly-20260101"]
    decided = _plan(PackageFormat.GENERIC, mixed, latestPerMajor=1)
    assert {rule for _, rule, _ in decided.values()} == {Rule.KEEP_NO_VERSION_ORDER}


def test_keep_latest_keeps_its_meaning_and_comes_first():
    decided = _plan(PackageFormat.NPM, HISTORIES[PackageFormat.NPM], latest=1, latestPerMinor=1)
    assert decided["latest-build"][1] is Rule.KEEP_LATEST
    assert decided["1.1.2"][1] is Rule.KEEP_LATEST_PER_LINE


def test_a_line_rule_alone_limits_a_policy_and_is_bounded():
    assert policy(select={"versionPattern": ".*"}, keep={"latestPerMinor": 1}).keep.latest_per_minor == 1
    with pytest.raises(ValidationError, match="latestPerMajor"):
        policy(keep={"latestPerMajor": 0})
