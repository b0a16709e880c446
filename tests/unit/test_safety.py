"""The kill switch's reading and caching, the plan digest's recipe, and the engine's hold and quarantine
rules, on their own (the integration tests drive them through the handler)."""

import hashlib
import json
from datetime import timedelta
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError

from disposer.errors import DisposalsDisabledError
from disposer.model.holds import Hold
from disposer.model.packages import PackageFormat, PackageRef, PackageVersionStatus, VersionSummary
from disposer.model.plans import Action, Plan, Rule
from disposer.model.quarantine import QuarantineRecord
from disposer.retention.bound import disposal_bound
from disposer.retention.engine import PackageVersions, plan_package
from disposer.retention.holds import covers, is_on_package
from disposer.retention.policy import RetentionPolicy
from disposer.safety.digest import plan_digest
from disposer.safety.switch import DisposalSwitch
from disposer.ssm.parameter import SwitchParameter
from tests.builders import NOW, REF, policy

P = PackageVersionStatus


class FakeSsm:
    """GetParameter answering `value` (None: ParameterNotFound), counting the reads."""

    def __init__(self, value: str | None) -> None:
        self.value = value
        self.reads = 0

    def get_parameter(self, Name: str) -> dict[str, Any]:  # noqa: N803 - botocore's parameter name
        self.reads += 1
        if self.value is None:
            raise ClientError({"Error": {"Code": "ParameterNotFound", "Message": "no"}}, "GetParameter")
        return {"Parameter": {"Value": self.value}}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_switch_enabled_allows_and_is_read_once_per_cache_period():
    ssm, clock = FakeSsm("enabled"), Clock()
    switch = DisposalSwitch(SwitchParameter("/s", cast(Any, ssm)), cache_seconds=5, clock=clock)
    for _ in range(3):
        switch.check()
    clock.now = 4.9
    switch.check()
    assert ssm.reads == 1
    # AND a flip is seen once the cached read is 5 s old
    ssm.value = "disabled"
    clock.now = 5.0
    with pytest.raises(DisposalsDisabledError, match="'disabled'"):
        switch.check()
    assert ssm.reads == 2


@pytest.mark.parametrize("value", [None, "Enabled", "enabled ", "off", ""])
def test_switch_anything_but_enabled_stops_writes(value):
    switch = DisposalSwitch(SwitchParameter("/s", cast(Any, FakeSsm(value))), cache_seconds=0)
    assert switch.why_off() is not None
    with pytest.raises(DisposalsDisabledError):
        switch.check()


def test_switch_unreadable_parameter_stops_writes():
    class Refusing(FakeSsm):
        def get_parameter(self, Name: str) -> dict[str, Any]:  # noqa: N803
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetParameter")

    reason = DisposalSwitch(SwitchParameter("/s", cast(Any, Refusing("enabled"))), cache_seconds=0).why_off()
    assert reason is not None and "AccessDeniedException" in reason


def _versions(*statuses: PackageVersionStatus, days: int = 200) -> tuple[VersionSummary, ...]:
    return tuple(
        VersionSummary(
            f"1.{i}.0", f"r{i}", status, published_time=NOW - timedelta(days=days + 10 * (len(statuses) - i))
        )
        for i, status in enumerate(statuses)
    )


def _policy(**changes: Any) -> RetentionPolicy:
    return policy(**{"mode": "apply", **changes})


def test_digest_depends_on_the_writes_alone():
    package = PackageVersions(REF, _versions(P.PUBLISHED, P.PUBLISHED, P.PUBLISHED))
    plan = Plan("p", NOW, (plan_package(package, _policy(), NOW),))
    same = Plan("other-name", NOW + timedelta(hours=1), (plan_package(package, _policy(), NOW),))
    fewer = Plan("p", NOW, (plan_package(package, _policy(keep={"latest": 1}), NOW),))
    assert plan_digest(plan) == plan_digest(same) != plan_digest(fewer)


def test_digest_recipe_is_the_sha256_of_the_sorted_rows_as_one_json_array():
    # GIVEN a plan of more writes than the digest serializes at a time, with non-ASCII versions
    versions = tuple(
        VersionSummary(f"1.{i}.0-ß{i % 7}", f"r{i}", P.PUBLISHED, published_time=NOW - timedelta(days=400 + i))
        for i in range(2345)
    )
    plan = Plan("p", NOW, (plan_package(PackageVersions(REF, versions), _policy(), NOW),))
    # THEN its digest is v1's recipe, written out here independently: a plan reviewed before an upgrade
    # still applies after it
    rows = sorted(
        [REF.domain, REF.domain_owner, REF.repository, "npm", REF.namespace, REF.package]
        + [item.version, item.revision, "Published", "dispose", ""]
        for item in plan.changes
    )
    canonical = json.dumps(rows, separators=(",", ":"), ensure_ascii=True).encode()
    assert len(plan.changes) == 2345
    assert plan_digest(plan) == f"v1:{hashlib.sha256(canonical).hexdigest()[:32]}"


def test_hold_is_the_first_keep_rule_and_a_glob_covers_several():
    holds = (Hold("h", REF, "1.[01]*", NOW + timedelta(days=1), "audit", "arn:me", NOW),)
    package = PackageVersions(REF, _versions(P.PUBLISHED, P.PUBLISHED, P.PUBLISHED), holds=holds)
    items = {i.version: i for i in plan_package(package, _policy(keep={"latest": 0}), NOW).items}
    # `[` is literal in a hold's glob (as in policy globs): "1.[01]*" covers no version here
    assert all(item.action is Action.DISPOSE for item in items.values())
    globbed = (Hold("h", REF, "1.*", NOW + timedelta(days=1), "audit", "arn:me", NOW),)
    kept = plan_package(PackageVersions(REF, package.versions, holds=globbed), _policy(), NOW)
    assert {item.rule for item in kept.items} == {Rule.KEEP_HOLD}
    assert kept.items[0].reason == f"kept: held by arn:me until {(NOW + timedelta(days=1)).isoformat()}: audit"


def test_quarantine_states_archive_keep_dispose_and_restored():
    policy = _policy(quarantine={"graceDays": 7})
    versions = _versions(P.PUBLISHED, P.ARCHIVED, P.ARCHIVED, P.PUBLISHED)
    since_long_ago, since_yesterday = NOW - timedelta(days=8), NOW - timedelta(days=1)
    records = {
        # 1.1.0 in quarantine for 8 days (grace over), 1.2.0 for 1 day, 1.3.0 restored (Published again)
        "1.1.0": QuarantineRecord("1.1.0", "r1", P.PUBLISHED, since_long_ago, "run-1"),
        "1.2.0": QuarantineRecord("1.2.0", "r2", P.PUBLISHED, since_yesterday, "run-2"),
        "1.3.0": QuarantineRecord("1.3.0", "r3", P.PUBLISHED, since_long_ago, "run-1"),
    }
    # A policy of Published versions still selects the archived ones it quarantined
    published_only = _policy(quarantine={"graceDays": 7}, select={"olderThanDays": 90, "statuses": ["Published"]})
    plan = plan_package(PackageVersions(REF, versions, quarantine=records), published_only, NOW)
    items = {item.version: item for item in plan.items}
    assert (items["1.0.0"].action, items["1.0.0"].expected_status) == (Action.ARCHIVE, P.PUBLISHED)
    assert (items["1.1.0"].rule, items["1.1.0"].expected_status) == (Rule.DISPOSE_AFTER_QUARANTINE, P.ARCHIVED)
    assert items["1.2.0"].rule is Rule.KEEP_IN_QUARANTINE
    assert items["1.3.0"].rule is Rule.KEEP_RESTORED
    # AND the bound before ages counts archives and disposals
    assert disposal_bound(PackageVersions(REF, versions, quarantine=records), policy, NOW) >= 2


@pytest.mark.parametrize(
    ("package_format", "held", "listed", "version_held", "version_listed"),
    [
        (PackageFormat.NUGET, "Newtonsoft.Json", "newtonsoft.json", "12.0.03.0", "12.0.3"),
        (PackageFormat.NUGET, "Newtonsoft.Json", "newtonsoft.json", "1.0.0+build.7", "1.0.0"),
        (PackageFormat.PYPI, "My_Pkg", "my-pkg", "1.0", "1.0"),
        (PackageFormat.SWIFT, "Alamofire", "alamofire", "5.8.0", "5.8.0"),
    ],
    ids=["nuget-version", "nuget-metadata", "pypi-name", "swift-name"],
)
def test_hold_matches_names_and_versions_as_codeartifact_stores_them(
    package_format, held, listed, version_held, version_listed
):
    namespace = "apple" if package_format is PackageFormat.SWIFT else None
    hold = Hold("h", PackageRef("acme", None, "r", package_format, namespace, held), version_held, NOW, "r", "me", NOW)
    stored = PackageRef("acme", "111122223333", "r", package_format, namespace, listed)
    assert is_on_package(hold, stored) and covers(hold, version_listed)


def test_hold_on_an_npm_scope_given_with_its_at_sign():
    hold = Hold(
        "h", PackageRef("acme", None, "releases", PackageFormat.NPM, "@acme", "ui-kit"), "1.0.0", NOW, "r", "me", NOW
    )
    assert is_on_package(hold, REF) and not covers(hold, "1.0.1")
