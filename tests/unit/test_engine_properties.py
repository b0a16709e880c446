"""Property tests pinning the retention engine's invariants (the policy semantics the README documents)."""

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from disposer.model.packages import (
    DISPOSABLE_STATUSES,
    PackageFormat,
    PackageRef,
    PackageVersionOriginType,
    PackageVersionStatus,
    VersionSummary,
)
from disposer.model.plans import Action, PackagePlan
from disposer.retention.ages import count_newer_than_each
from disposer.retention.bound import disposal_bound
from disposer.retention.engine import PackageVersions, plan_package
from disposer.retention.policy import RetentionPolicy
from disposer.retention.selection import policy_cutoffs
from tests.builders import NOW

REFS = (
    PackageRef("acme", "111122223333", "releases", PackageFormat.NPM, "acme", "ui-kit"),
    PackageRef("acme", "111122223333", "releases", PackageFormat.NPM, "acme", "api-kit"),
)
PATTERNS = (r".*", r".*-SNAPSHOT", r".*-(beta|rc)\.1", r"1\..*", r"\d+\.\d+\.0")
# Deterministic in CI; enough examples to hit ties, exact cutoffs and every rule, yet quick.
PROPERTY = settings(max_examples=150, derandomize=True, deadline=None)

version_names = st.builds(
    lambda major, minor, suffix: f"{major}.{minor}.0{suffix}",
    st.integers(0, 9),
    st.integers(0, 9),
    st.sampled_from(("", "-beta.1", "-rc.1", "-SNAPSHOT")),
)
# Mostly disposable statuses and the selected package, so that plans usually dispose something.
statuses = st.sampled_from((*[PackageVersionStatus.PUBLISHED] * 3, *PackageVersionStatus))
present = st.sampled_from((True, True, False))


@st.composite
def packages(draw: st.DrawFn) -> PackageVersions:
    size = draw(st.integers(0, 30))
    names = draw(st.lists(version_names, unique=True, min_size=size, max_size=size))
    versions = [
        VersionSummary(
            version=name,
            revision=None if draw(st.integers(0, 9)) == 0 else f"rev-{name}",
            status=draw(statuses),
            origin_type=draw(st.sampled_from(PackageVersionOriginType)),
            # Whole days over a short span: equal times and versions exactly on a cutoff are common.
            published_time=NOW - timedelta(days=draw(st.integers(0, 60))),
        )
        for name in names
    ]
    default = draw(st.sampled_from([None, *names]))
    ref = draw(st.sampled_from((REFS[0], REFS[0], REFS[0], REFS[1])))
    return PackageVersions(ref, tuple(versions), default_display_version=default)


@st.composite
def policies(draw: st.DrawFn) -> RetentionPolicy:
    def maybe(key: str, strategy: st.SearchStrategy[Any], into: dict[str, Any]) -> None:
        if draw(present):
            into[key] = draw(strategy)

    select: dict[str, Any] = {}
    if draw(st.booleans()):
        select["statuses"] = draw(
            st.lists(st.sampled_from(("Published", "Unlisted", "Archived")), min_size=1, unique=True)
        )
    maybe("olderThanDays", st.integers(0, 60), select)
    maybe("versionPattern", st.sampled_from(PATTERNS), select)
    if draw(st.booleans()):
        select["origins"] = draw(
            st.lists(st.sampled_from(("INTERNAL", "EXTERNAL", "UNKNOWN")), min_size=1, unique=True)
        )
    keep: dict[str, Any] = {}
    maybe("latest", st.integers(0, 5), keep)
    maybe("newerThanDays", st.integers(0, 60), keep)
    maybe("versionPatterns", st.lists(st.sampled_from(PATTERNS[1:]), max_size=2), keep)
    maybe("defaultDisplayVersion", st.booleans(), keep)
    data: dict[str, Any] = {"name": "prop", "domain": "acme", "select": select, "keep": keep}
    if draw(st.booleans()):
        data["package"] = draw(st.sampled_from(("ui-*", "ui-kit", "?pi-kit")))
    try:
        return RetentionPolicy.model_validate(data)
    except ValidationError:
        # Only the "dispose everything" guard rejects these; opt in explicitly, as an author would.
        select["versionPattern"] = ".*"
        return RetentionPolicy.model_validate(data)


# --- oracles, written independently of the engine ------------------------------------------------


def _time(version: VersionSummary) -> datetime:
    assert version.published_time is not None
    return version.published_time


def _newest_first(versions: tuple[VersionSummary, ...]) -> list[VersionSummary]:
    return sorted(versions, key=lambda v: (_time(v), v.version), reverse=True)


def _newer_than(version: VersionSummary, days: int) -> bool:
    return _time(version) >= NOW - timedelta(days=days)


def _counts_for_latest(policy: RetentionPolicy, version: VersionSummary) -> bool:
    # Every select field but the age: status, pattern and origin.
    select = policy.select
    return (
        version.status in select.statuses
        and select.matches_version(version.version)
        and version.origin_type in select.origins
    )


def _latest(policy: RetentionPolicy, package: PackageVersions) -> set[str]:
    matching = [v.version for v in _newest_first(package.versions) if _counts_for_latest(policy, v)]
    return set(matching[: policy.keep.latest or 0])


def _kept_by_rule(policy: RetentionPolicy, package: PackageVersions, version: VersionSummary) -> bool:
    keep = policy.keep
    return (
        version.version in _latest(policy, package)
        or (keep.newer_than_days is not None and _newer_than(version, keep.newer_than_days))
        or keep.matching_pattern(version.version) is not None
        or (keep.default_display_version and version.version == package.default_display_version)
    )


def _selected(policy: RetentionPolicy, package: PackageVersions, version: VersionSummary) -> bool:
    select = policy.select
    return (
        policy.matches_package(package.ref)
        and version.status in DISPOSABLE_STATUSES
        and version.status in select.statuses
        and select.matches_version(version.version)
        and version.origin_type in select.origins
        and (select.older_than_days is None or not _newer_than(version, select.older_than_days))
    )


def _plan(package: PackageVersions, policy: RetentionPolicy) -> PackagePlan:
    return plan_package(package, policy, NOW)


def _by_version(package: PackageVersions) -> dict[str, VersionSummary]:
    return {v.version: v for v in package.versions}


# --- invariants ----------------------------------------------------------------------------------------


@PROPERTY
@given(package=packages(), policy=policies())
def test_plan_any_input_keep_wins(package: PackageVersions, policy: RetentionPolicy):
    # GIVEN any package and policy
    # WHEN planned
    plan = _plan(package, policy)

    # THEN no disposed version matches any keep rule
    versions = _by_version(package)
    assert not [i.version for i in plan.disposals if _kept_by_rule(policy, package, versions[i.version])]


@PROPERTY
@given(package=packages(), policy=policies())
def test_plan_any_input_newest_matching_versions_never_disposed(package: PackageVersions, policy: RetentionPolicy):
    # GIVEN any package and policy
    # WHEN planned
    disposed = {i.version for i in _plan(package, policy).disposals}

    # THEN none of the keep.latest newest versions matching select.statuses and versionPattern is disposed
    assert not disposed & _latest(policy, package)


@PROPERTY
@given(package=packages(), policy=policies())
def test_plan_any_input_only_selected_versions_disposed(package: PackageVersions, policy: RetentionPolicy):
    # GIVEN any package and policy
    # WHEN planned
    plan = _plan(package, policy)

    # THEN every disposal is inside every selector, in a disposable status, with a revision to pin
    versions = _by_version(package)
    for item in plan.disposals:
        version = versions[item.version]
        assert _selected(policy, package, version)
        assert version.status in DISPOSABLE_STATUSES
        assert item.status == version.status and item.revision == version.revision is not None


@PROPERTY
@given(package=packages(), policy=policies())
def test_plan_any_input_every_unkept_candidate_disposed(package: PackageVersions, policy: RetentionPolicy):
    # GIVEN any package and policy
    # WHEN planned
    disposed = {i.version for i in _plan(package, policy).disposals}

    # THEN exactly the selected, pinnable versions that no keep rule holds are disposed
    expected = {
        v.version
        for v in package.versions
        if _selected(policy, package, v) and not _kept_by_rule(policy, package, v) and v.revision is not None
    }
    assert disposed == expected


@PROPERTY
@given(package=packages(), policy=policies())
def test_plan_any_input_every_version_once_with_matching_reason(package: PackageVersions, policy: RetentionPolicy):
    # GIVEN any package and policy
    # WHEN planned
    plan = _plan(package, policy)

    # THEN each version appears once, with a reason whose wording agrees with its action and rule
    assert sorted(i.version for i in plan.items) == sorted(v.version for v in package.versions)
    for item in plan.items:
        prefix = "kept: " if item.action is Action.KEEP else "dispose: "
        assert item.reason.startswith(prefix) and len(item.reason) > len(prefix)
        assert item.rule.value.startswith("dispose:") == (item.action is Action.DISPOSE)


@PROPERTY
@given(package=packages(), policy=policies(), data=st.data())
def test_plan_any_listing_order_gives_same_plan(package: PackageVersions, policy: RetentionPolicy, data: st.DataObject):
    # GIVEN a package whose versions all have publish times, listed in any order
    shuffled = dataclasses.replace(package, versions=tuple(data.draw(st.permutations(package.versions))))

    # WHEN both orders are planned THEN the plans are identical
    assert _plan(shuffled, policy) == _plan(package, policy)


@PROPERTY
@given(package=packages(), policy=policies())
def test_plan_after_applying_plan_disposes_nothing_new(package: PackageVersions, policy: RetentionPolicy):
    # GIVEN a plan applied: every disposed version is now Disposed
    disposed = {i.version for i in _plan(package, policy).disposals}
    applied = dataclasses.replace(
        package,
        versions=tuple(
            dataclasses.replace(v, status=PackageVersionStatus.DISPOSED) if v.version in disposed else v
            for v in package.versions
        ),
    )

    # WHEN the same policy is planned again at the same clock
    replanned = _plan(applied, policy)

    # THEN nothing more is disposed
    assert replanned.disposals == ()


@PROPERTY
@given(package=packages(), policy=policies())
def test_plan_never_candidate_statuses_never_disposed(package: PackageVersions, policy: RetentionPolicy):
    # GIVEN any package (with Unfinished, Disposed and Deleted versions among others)
    # WHEN planned
    plan = _plan(package, policy)

    # THEN none of those statuses is ever disposed
    never = {PackageVersionStatus.UNFINISHED, PackageVersionStatus.DISPOSED, PackageVersionStatus.DELETED}
    assert all(i.status not in never for i in plan.disposals)


@PROPERTY
@given(package=packages(), policy=policies(), keep_some_times=st.booleans())
def test_plan_counts_path_equals_full_times_path(
    package: PackageVersions, policy: RetentionPolicy, keep_some_times: bool
):
    # GIVEN the same package as discovery sees it: listed newest first, publish times unknown (or only
    # some known, from the binary search's describes), and each cutoff resolved by binary search
    ordered = _newest_first(package.versions)
    counts = count_newer_than_each(len(ordered), lambda i: _time(ordered[i]), policy_cutoffs(policy, NOW))
    stripped = tuple(
        v if keep_some_times and index % 2 else dataclasses.replace(v, published_time=None)
        for index, v in enumerate(ordered)
    )
    assume(not all(v.published_time is not None for v in stripped) or not stripped)
    listed = dataclasses.replace(package, versions=stripped, newer_counts=counts)

    # WHEN planned both ways
    # THEN the plans are identical
    assert _plan(listed, policy) == _plan(package, policy)


@PROPERTY
@given(package=packages(), policy=policies(), data=st.data())
def test_bound_from_the_listing_covers_every_plan_its_ages_can_give(
    package: PackageVersions, policy: RetentionPolicy, data: st.DataObject
):
    # GIVEN a package as its listing shows it (no publish times), with versions of the same publish time
    # listed in any order (AWS leaves that order unspecified)
    ordered = sorted(
        _newest_first(package.versions), key=lambda v: (_time(v), data.draw(st.integers(0, 3))), reverse=True
    )
    listed = dataclasses.replace(package, versions=tuple(dataclasses.replace(v, published_time=None) for v in ordered))
    assume(ordered)

    # WHEN its disposals are bounded before any age is known
    bound = disposal_bound(listed, policy, NOW)

    # THEN no plan its ages can give writes more: every time known; the listing's own order resolved by
    # counts; some versions described and found without a publish time
    counted = dataclasses.replace(
        listed,
        newer_counts=count_newer_than_each(len(ordered), lambda i: _time(ordered[i]), policy_cutoffs(policy, NOW)),
    )
    timeless = data.draw(st.sets(st.sampled_from([v.version for v in ordered])))
    described = dataclasses.replace(
        package,
        versions=tuple(dataclasses.replace(v, published_time=None) if v.version in timeless else v for v in ordered),
        described=True,
    )
    for finished in (package, counted, described):
        assert len(_plan(finished, policy).changes) <= bound
    # AND keep.latest, which always keeps that many, takes them off the bound
    unranked = policy.model_copy(update={"keep": policy.keep.model_copy(update={"latest": None})})
    assert bound <= disposal_bound(listed, unranked, NOW)
