"""Unit tests for the retention engine: worked examples, reasons, both age paths, totals and the cap."""

from datetime import datetime, timedelta
from typing import Any

import pytest

from disposer.model.packages import (
    PackageFormat,
    PackageRef,
    PackageVersionOriginType,
    PackageVersionStatus,
    VersionSummary,
)
from disposer.model.plans import Action, PackagePlan, Rule
from disposer.retention.ages import count_newer_than_each
from disposer.retention.engine import PackageVersions, plan_package, plan_packages
from disposer.retention.policy import RetentionPolicy
from disposer.retention.selection import needs_ages, policy_cutoffs
from tests.builders import NOW, REF, policy

Published = PackageVersionStatus.PUBLISHED
INTERNAL = PackageVersionOriginType.INTERNAL
EXTERNAL = PackageVersionOriginType.EXTERNAL


def _policy(**fields: Any) -> RetentionPolicy:
    # No select unless the test says: the engine's precedence is tested rule by rule.
    return policy(**{"select": {}, **fields})


def _v(
    version: str,
    days_old: float,
    status: PackageVersionStatus = Published,
    origin: PackageVersionOriginType = INTERNAL,
    revision: str | None = "",
) -> VersionSummary:
    return VersionSummary(
        version=version,
        revision=f"rev-{version}" if revision == "" else revision,
        status=status,
        origin_type=origin,
        published_time=NOW - timedelta(days=days_old),
    )


def _plan(policy: RetentionPolicy, *versions: VersionSummary, default: str | None = None) -> PackagePlan:
    return plan_package(PackageVersions(REF, versions, default_display_version=default), policy, NOW)


def _reasons(plan: PackagePlan) -> dict[str, str]:
    return {item.version: item.reason for item in plan.items}


def _disposed(plan: PackagePlan) -> list[str]:
    return [item.version for item in plan.disposals]


# --- worked examples ---------------------------------------------------------------------------------


def test_plan_keep_ten_newest_releases_disposes_the_rest():
    # GIVEN 15 releases, one a day, and "keep the 10 newest releases"
    policy = _policy(select={"versionPattern": r"\d+\.\d+\.\d+"}, keep={"latest": 10, "defaultDisplayVersion": False})
    versions = [_v(f"1.{i}.0", days_old=15 - i) for i in range(15)]

    # WHEN planned
    plan = _plan(policy, *versions)

    # THEN the 10 newest are kept by `latest`, the 5 oldest disposed, each with its reason
    reasons = _reasons(plan)
    assert _disposed(plan) == ["1.4.0", "1.3.0", "1.2.0", "1.1.0", "1.0.0"]
    assert reasons["1.14.0"] == reasons["1.5.0"] == "kept: latest 10 of 15"
    assert reasons["1.0.0"] == "dispose: matches select.versionPattern"
    assert [i.version for i in plan.items] == [f"1.{i}.0" for i in range(14, -1, -1)]  # newest first


def test_plan_snapshots_older_than_30_days_are_disposed():
    # GIVEN snapshots and releases of various ages, and "dispose snapshots older than 30 days"
    policy = _policy(select={"versionPattern": ".*-SNAPSHOT", "olderThanDays": 30})
    versions = [
        _v("2.0.0-SNAPSHOT", 5),
        _v("1.1.0-SNAPSHOT", 31),
        _v("1.0.0-SNAPSHOT", 200),
        _v("1.0.0", 300),
    ]

    # WHEN planned
    plan = _plan(policy, *versions)

    # THEN only the old snapshots go; the new one and the release are not selected
    assert _disposed(plan) == ["1.1.0-SNAPSHOT", "1.0.0-SNAPSHOT"]
    assert _reasons(plan) == {
        "2.0.0-SNAPSHOT": "kept: not selected (not older than 30 days)",
        "1.1.0-SNAPSHOT": "dispose: older than 30 days and matches select.versionPattern",
        "1.0.0-SNAPSHOT": "dispose: older than 30 days and matches select.versionPattern",
        "1.0.0": "kept: not selected (version does not match select.versionPattern)",
    }
    assert {i.rule for i in plan.disposals} == {Rule.DISPOSE_OLDER_THAN}


def test_plan_prune_prereleases_keeps_last_three():
    # GIVEN five pre-releases between releases, and "prune pre-releases but keep the last 3"
    policy = _policy(select={"versionPattern": r".*-(alpha|beta|rc)\..*"}, keep={"latest": 3})
    versions = [
        _v("2.0.0", 1),
        _v("2.0.0-rc.2", 2),
        _v("2.0.0-rc.1", 3),
        _v("2.0.0-beta.1", 4),
        _v("2.0.0-alpha.2", 5),
        _v("2.0.0-alpha.1", 6),
        _v("1.0.0", 100),
    ]

    # WHEN planned (age is no part of `latest`: all are recent here)
    plan = _plan(policy, *versions, default="2.0.0")

    # THEN the 3 newest pre-releases stay, the 2 oldest go, releases are untouched
    reasons = _reasons(plan)
    assert _disposed(plan) == ["2.0.0-alpha.2", "2.0.0-alpha.1"]
    assert reasons["2.0.0-rc.2"] == reasons["2.0.0-beta.1"] == "kept: latest 3 of 5"
    assert reasons["2.0.0"] == "kept: not selected (version does not match select.versionPattern)"


def test_plan_cached_upstream_versions_only_disposes_external():
    # GIVEN internal and external (cached from upstream) versions, and a policy for EXTERNAL only
    policy = _policy(select={"origins": ["EXTERNAL"], "olderThanDays": 7})
    versions = [
        _v("4.17.21", 10, origin=EXTERNAL),
        _v("4.17.20", 3, origin=EXTERNAL),
        _v("1.0.0-internal", 10, origin=INTERNAL),
    ]

    # WHEN planned
    plan = _plan(policy, *versions)

    # THEN only the old external version is disposed
    assert _disposed(plan) == ["4.17.21"]
    assert _reasons(plan) == {
        "4.17.21": "dispose: older than 7 days",
        "4.17.20": "kept: not selected (not older than 7 days)",
        "1.0.0-internal": "kept: not selected (origin INTERNAL)",
    }


def test_plan_default_display_version_is_kept():
    # GIVEN an old version that is the package's default display version
    policy = _policy(select={"olderThanDays": 30})

    # WHEN planned with defaultDisplayVersion left at its default (true)
    plan = _plan(policy, _v("1.0.0", 100), _v("0.9.0", 120), default="1.0.0")

    # THEN it is kept, and says why; the other old version goes
    assert _reasons(plan) == {"1.0.0": "kept: default display version", "0.9.0": "dispose: older than 30 days"}


def test_plan_default_display_version_false_disposes_it():
    # GIVEN the same, with keep.defaultDisplayVersion false
    policy = _policy(select={"olderThanDays": 30}, keep={"defaultDisplayVersion": False})

    # WHEN planned THEN the default display version is an ordinary candidate
    assert _disposed(_plan(policy, _v("1.0.0", 100), default="1.0.0")) == ["1.0.0"]


# --- reasons and precedence ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [PackageVersionStatus.UNFINISHED, PackageVersionStatus.DISPOSED, PackageVersionStatus.DELETED]
)
def test_plan_never_candidate_status_is_kept_not_selected(status: PackageVersionStatus):
    # GIVEN an old version in a status a policy can never dispose
    policy = _policy(select={"olderThanDays": 1})

    # WHEN planned THEN it is kept, naming the status
    plan = _plan(policy, _v("1.0.0", 100, status=status))
    assert _reasons(plan) == {"1.0.0": f"kept: not selected (status {status})"}
    assert plan.items[0].rule is Rule.NOT_SELECTED_STATUS


def test_plan_status_outside_select_statuses_is_kept():
    # GIVEN a policy for Archived versions only
    policy = _policy(select={"statuses": ["Archived"], "olderThanDays": 1})

    # WHEN an old Published and an old Archived version are planned
    plan = _plan(policy, _v("1", 100), _v("2", 100, status=PackageVersionStatus.ARCHIVED))

    # THEN only the Archived one goes, and it keeps its status for the pinned apply
    assert _reasons(plan)["1"] == "kept: not selected (status Published)"
    assert [(i.version, i.status) for i in plan.disposals] == [("2", PackageVersionStatus.ARCHIVED)]


def test_plan_each_keep_rule_names_itself():
    # GIVEN a policy with every keep rule and one version decided by each
    policy = _policy(
        select={"olderThanDays": 0},
        keep={"latest": 1, "newerThanDays": 30, "versionPatterns": [r"^9\..*", r"^1\.0\.0$"]},
    )
    versions = [
        _v("5.0.0", 1),  # newest: latest
        _v("4.0.0", 10),  # newer than 30 days
        _v("1.0.0", 400),  # keep pattern (the second one)
        _v("3.0.0", 401),  # default display version
        _v("2.0.0", 402, revision=None),  # would go, but cannot be pinned
        _v("0.1.0", 403),  # disposed
    ]

    # WHEN planned
    plan = _plan(policy, *versions, default="3.0.0")

    # THEN each reason names the rule that decided
    assert _reasons(plan) == {
        "5.0.0": "kept: latest 1 of 6",
        "4.0.0": "kept: published within 30 days",
        "1.0.0": r"kept: matches keep pattern ^1\.0\.0$",
        "3.0.0": "kept: default display version",
        "2.0.0": "kept: no revision (the disposal could not be pinned)",
        "0.1.0": "dispose: older than 0 days",
    }
    assert [i.rule for i in plan.items] == [
        Rule.KEEP_LATEST,
        Rule.KEEP_NEWER_THAN,
        Rule.KEEP_VERSION_PATTERN,
        Rule.KEEP_DEFAULT_DISPLAY_VERSION,
        Rule.KEEP_NO_REVISION,
        Rule.DISPOSE_OLDER_THAN,
    ]


def test_plan_several_keep_rules_match_first_in_fixed_order_is_named():
    # GIVEN a version matched by latest, newerThanDays, a keep pattern and the default display version
    policy = _policy(keep={"latest": 1, "newerThanDays": 30, "versionPatterns": [".*"]})

    # WHEN planned THEN `latest` (first in the documented order) is the one named
    plan = _plan(policy, _v("1.0.0", 1), default="1.0.0")
    assert _reasons(plan) == {"1.0.0": "kept: latest 1 of 1"}


def test_plan_select_filters_come_before_keep_rules():
    # GIVEN a version that is both unselected (too new) and among the latest
    policy = _policy(select={"olderThanDays": 90}, keep={"latest": 5})

    # WHEN planned THEN the reason is the selection, since the version was never a candidate
    assert _reasons(_plan(policy, _v("1.0.0", 1))) == {"1.0.0": "kept: not selected (not older than 90 days)"}


def test_plan_latest_counts_status_pattern_and_origin_not_age():
    # GIVEN latest 2 over a list where the newest matching versions are young, External, or Disposed
    policy = _policy(select={"olderThanDays": 30, "origins": ["INTERNAL"]}, keep={"latest": 2})
    versions = [
        _v("6", 1, status=PackageVersionStatus.DISPOSED),  # not counted: status not selectable
        _v("5", 1),  # counted (age is no part of the count): latest #1
        _v("4", 40, origin=EXTERNAL),  # not counted: select.origins would never take it
        _v("3", 50),  # latest #2
        _v("2", 60),  # beyond the latest 2: disposed
    ]

    # WHEN planned
    plan = _plan(policy, *versions)

    # THEN 5 and 3 fill the two `latest` places, so only 2 is disposed
    assert _disposed(plan) == ["2"]
    assert _reasons(plan)["5"] == "kept: not selected (not older than 30 days)"
    assert _reasons(plan)["4"] == "kept: not selected (origin EXTERNAL)"
    assert _reasons(plan)["3"] == "kept: latest 2 of 3"


def test_plan_clean_upstream_cache_keeps_the_two_newest_upstream_versions():
    # GIVEN the README's clean-upstream-cache policy over a package whose newest versions are internal
    policy = _policy(select={"origins": ["EXTERNAL"], "olderThanDays": 180}, keep={"latest": 2})
    versions = [_v(f"9.{i}", 10) for i in range(3)] + [_v(f"1.{i}", 200 + i, origin=EXTERNAL) for i in range(4)]

    # WHEN planned THEN the 2 newest upstream versions are kept, whatever the internal ones are
    plan = _plan(policy, *versions)
    assert _disposed(plan) == ["1.2", "1.3"]
    assert {_reasons(plan)["1.0"], _reasons(plan)["1.1"]} == {"kept: latest 2 of 4"}


def test_plan_no_select_limit_dispose_reason_is_selected():
    # GIVEN a policy selecting by status only, limited by keep.latest
    policy = _policy(select={"statuses": ["Archived"]}, keep={"latest": 1})
    archived = PackageVersionStatus.ARCHIVED

    # WHEN planned THEN the disposal reason is the plain "selected"
    plan = _plan(policy, _v("2", 1, status=archived), _v("1", 2, status=archived))
    assert _reasons(plan) == {"2": "kept: latest 1 of 2", "1": "dispose: selected"}
    assert plan.disposals[0].rule is Rule.DISPOSE_SELECTED


def test_plan_package_outside_selectors_keeps_everything():
    # GIVEN a policy for ui-* packages and a package named api-kit
    policy = _policy(package="ui-*", select={"olderThanDays": 1})
    other = PackageRef("acme", "111122223333", "releases", PackageFormat.NPM, "acme", "api-kit")

    # WHEN planned THEN nothing is disposed, and no age knowledge was needed
    plan = plan_package(PackageVersions(other, (_v("1", 100, revision=None),)), policy, NOW)
    assert _reasons(plan) == {"1": "kept: not selected (package does not match the policy)"}


def test_plan_version_exactly_at_cutoff_is_not_older():
    # GIVEN a version published exactly 30 days before the run's clock
    policy = _policy(select={"olderThanDays": 30})

    # WHEN planned THEN it is not older than 30 days (when in doubt, keep)
    assert _disposed(_plan(policy, _v("1", 30), _v("0", 30.0001))) == ["0"]


def test_plan_equal_publish_times_break_ties_by_version_string():
    # GIVEN two versions published at the same instant and keep.latest 1
    policy = _policy(select={"olderThanDays": 0}, keep={"latest": 1})

    # WHEN planned in either listing order THEN the greater version string counts as newer
    for versions in ((_v("1.0.1", 5), _v("1.0.0", 5)), (_v("1.0.0", 5), _v("1.0.1", 5))):
        assert _disposed(_plan(policy, *versions)) == ["1.0.0"]


def test_plan_item_carries_coordinates_revision_and_status():
    # GIVEN a version to dispose
    policy = _policy(select={"olderThanDays": 1})

    # WHEN planned
    item = _plan(policy, _v("1.0.0", 10, status=PackageVersionStatus.UNLISTED)).items[0]

    # THEN the item has what the apply step pins, and what the API's plan items show
    assert (item.ref.repository, item.ref.format, item.ref.namespace, item.ref.package, item.version) == (
        "releases",
        "npm",
        "acme",
        "ui-kit",
        "1.0.0",
    )
    assert (item.revision, item.status, item.action, item.reason) == (
        "rev-1.0.0",
        "Unlisted",
        "dispose",
        "dispose: older than 1 day",
    )


# --- age input: path (b) -------------------------------------------------------------------------------


def _path_b(versions: tuple[VersionSummary, ...], policy: RetentionPolicy) -> PackageVersions:
    """What discovery builds: listing order newest first, no times, counts by binary search."""
    times = {v.version: v.published_time for v in versions if v.published_time is not None}
    ordered = sorted(versions, key=lambda v: (times[v.version], v.version), reverse=True)
    counts = count_newer_than_each(len(ordered), lambda i: times[ordered[i].version], policy_cutoffs(policy, NOW))
    stripped = tuple(VersionSummary(v.version, v.revision, v.status, v.origin_type) for v in ordered)
    return PackageVersions(REF, stripped, default_display_version="1.5.0", newer_counts=counts)


def test_plan_newer_counts_path_equals_full_times_path():
    # GIVEN a policy with both age rules and versions of many ages
    policy = _policy(select={"olderThanDays": 60}, keep={"newerThanDays": 90, "latest": 2})
    versions = tuple(_v(f"1.{i}.0", days_old=i * 10) for i in range(20))

    # WHEN planned with full times and with only order + counts
    with_times = plan_package(PackageVersions(REF, versions, default_display_version="1.5.0"), policy, NOW)
    with_counts = plan_package(_path_b(versions, policy), policy, NOW)

    # THEN the plans are identical
    assert with_counts == with_times
    assert _disposed(with_times) == [f"1.{i}.0" for i in range(10, 20)]


def test_plan_missing_newer_count_raises():
    # GIVEN versions without times and no counts, for a policy with an age rule
    policy = _policy(select={"olderThanDays": 30})
    versions = PackageVersions(REF, (VersionSummary("1", "r", Published),))

    # WHEN planned THEN it is a caller bug, reported with the cutoff to resolve
    with pytest.raises(ValueError, match="newer_counts lacks cutoff 2025-05-02T12:00:00"):
        plan_package(versions, policy, NOW)


def test_plan_newer_count_out_of_range_raises():
    # GIVEN a count larger than the list
    policy = _policy(select={"olderThanDays": 30})
    cutoff = policy_cutoffs(policy, NOW)[0]
    versions = PackageVersions(REF, (VersionSummary("1", "r", Published),), newer_counts={cutoff: 2})

    # WHEN planned THEN it is rejected
    with pytest.raises(ValueError, match="outside 0..1"):
        plan_package(versions, policy, NOW)


def test_plan_without_times_or_age_rules_uses_listing_order():
    # GIVEN versions without times (newest first) and a policy with no age rule
    policy = _policy(keep={"latest": 1})
    versions = PackageVersions(REF, (VersionSummary("b", "r", Published), VersionSummary("a", "r", Published)))

    # WHEN planned THEN the first listed counts as the newest
    assert _reasons(plan_package(versions, policy, NOW)) == {"b": "kept: latest 1 of 2", "a": "dispose: selected"}


def test_policy_cutoffs_only_those_that_can_decide_newest_first():
    # GIVEN policies whose keep window is longer than, equal to, shorter than the select age, or absent
    longer = _policy(select={"olderThanDays": 30}, keep={"newerThanDays": 90})
    same = _policy(select={"olderThanDays": 30}, keep={"newerThanDays": 30})
    shorter = _policy(select={"olderThanDays": 90}, keep={"newerThanDays": 30})
    keep_only = _policy(select={"versionPattern": ".*"}, keep={"newerThanDays": 30})
    none = _policy(keep={"latest": 3})

    # WHEN their cutoffs are asked THEN each instant that can change a decision appears once, newest first;
    # a keep window no longer than the select age cannot keep any candidate, so it costs nothing
    assert policy_cutoffs(longer, NOW) == (NOW - timedelta(days=30), NOW - timedelta(days=90))
    assert policy_cutoffs(same, NOW) == (NOW - timedelta(days=30),)
    assert policy_cutoffs(shorter, NOW) == (NOW - timedelta(days=90),)
    assert policy_cutoffs(keep_only, NOW) == (NOW - timedelta(days=30),)
    assert policy_cutoffs(none, NOW) == ()


def test_needs_ages_only_when_an_age_could_matter():
    # GIVEN a snapshot policy with an age rule
    policy = _policy(select={"olderThanDays": 30, "versionPattern": ".*-SNAPSHOT"})
    release = VersionSummary("1.0.0", "r", Published)
    snapshot = VersionSummary("1.1.0-SNAPSHOT", "r", Published)
    disposed = VersionSummary("1.0.0-SNAPSHOT", "r", PackageVersionStatus.DISPOSED)

    # WHEN asked per package THEN only a package with a selectable snapshot needs describes
    assert needs_ages(policy, REF, [release, snapshot])
    assert not needs_ages(policy, REF, [release, disposed])
    assert not needs_ages(_policy(keep={"latest": 1}), REF, [snapshot])


def test_plan_naive_clock_raises():
    # GIVEN a clock without a timezone WHEN planning THEN it is refused (ages would be ambiguous)
    with pytest.raises(ValueError, match="timezone-aware"):
        plan_package(PackageVersions(REF, ()), _policy(keep={"latest": 1}), datetime(2025, 1, 1))


def test_package_versions_duplicate_version_raises():
    # GIVEN the same version listed twice WHEN wrapped THEN it is rejected (the order would be ambiguous)
    with pytest.raises(ValueError, match="more than once: 1"):
        PackageVersions(REF, (_v("1", 1), _v("1", 2)))


# --- plans over packages, totals, cap ------------------------------------------------------------------


def _two_package_plan(cap: int) -> tuple[RetentionPolicy, Any]:
    policy = _policy(select={"olderThanDays": 30}, maxDisposalsPerRun=cap)
    other = PackageRef("acme", "111122223333", "releases", PackageFormat.NPM, "acme", "ui-icons")
    packages = [
        PackageVersions(REF, (_v("1", 40), _v("2", 50, status=PackageVersionStatus.ARCHIVED), _v("3", 1))),
        PackageVersions(other, (_v("1", 40), _v("0", 400, status=PackageVersionStatus.DISPOSED))),
    ]
    return policy, plan_packages(packages, policy, NOW)


def test_plan_packages_totals_count_actions_and_rules():
    # GIVEN two packages planned together
    policy, plan = _two_package_plan(cap=1000)

    # WHEN the totals are read
    totals = plan.totals

    # THEN they count packages, versions, actions and rule kinds
    assert plan.policy == "test" and plan.as_of == NOW
    assert len(plan.items) == 5
    assert (totals.packages, totals.versions, totals.keep, totals.dispose) == (2, 5, 2, 3)
    assert totals.rules == {
        Rule.NOT_SELECTED_STATUS: 1,
        Rule.NOT_SELECTED_AGE: 1,
        Rule.DISPOSE_OLDER_THAN: 3,
    }


def test_plan_disposals_pinned_to_the_status_seen_when_the_policy_selects_some_statuses():
    # GIVEN a policy selecting Published and Archived versions, but not Unlisted ones
    policy = _policy(select={"statuses": ["Published", "Archived"], "olderThanDays": 1})
    archived = PackageVersionStatus.ARCHIVED
    # WHEN planned THEN each disposal is pinned to the status seen: a version unlisted since is left alone
    plan = _plan(policy, _v("2", 5), _v("1", 6, status=archived))
    assert {i.version: i.expected_status for i in plan.disposals} == {"2": Published, "1": archived}


def test_plan_disposals_not_pinned_to_a_status_when_the_policy_selects_all_three():
    # GIVEN the default statuses (Published, Unlisted, Archived)
    policy = _policy(select={"olderThanDays": 1})
    # WHEN planned THEN no disposal is pinned to its status (any status it could move to is selected
    # too), so a package's disposals go in calls of 100 whatever their statuses; revisions stay pinned
    plan = _plan(policy, _v("2", 5), _v("1", 6, status=PackageVersionStatus.UNLISTED))
    assert [(i.expected_status, i.revision) for i in plan.disposals] == [(None, "rev-2"), (None, "rev-1")]


def test_plan_action_values_match_api_contract():
    # GIVEN the action enum WHEN serialised THEN the API words are keep, dispose and archive (quarantine)
    assert [a.value for a in Action] == ["keep", "dispose", "archive"]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ({"select": {"olderThanDays": 30}}, ["1.1.0", "1.0.0"]),
        ({"select": {"versionPattern": ".*"}, "keep": {"latest": 1}}, ["1.0.0"]),
    ],
    ids=["by-age", "by-pattern-keep-latest"],
)
def test_plan_described_version_without_publish_time_is_kept_and_not_counted_as_latest(policy, expected):
    # GIVEN a described package where CodeArtifact gave one Published version no publish time
    untimed = VersionSummary(version="9.9.9", revision="r", status=Published, published_time=None)
    versions = (_v("1.0.0", 100), _v("1.1.0", 90), untimed)
    plan = plan_package(PackageVersions(REF, versions, described=True), _policy(**policy), NOW)
    # THEN it is kept, saying why, whatever its place; and the latest are counted among the timed ones
    item = next(i for i in plan.items if i.version == "9.9.9")
    assert (item.action, item.rule) == (Action.KEEP, Rule.KEEP_NO_PUBLISH_TIME)
    assert _disposed(plan) == expected
