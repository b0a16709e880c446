"""keep.dependencies' pass over planned packages: what a remaining version's resolver would pick is kept, to a
fixed point; a disposed dependent protects nothing; what cannot be told keeps more."""

from collections.abc import Mapping, Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from disposer.model.dependencies import Dependency, KnownDependencies, UnreadDependencies
from disposer.model.packages import PackageFormat, PackageRef, PackageVersionStatus
from disposer.model.plans import Action, PackagePlan, PlanItem, Rule
from disposer.retention.dependencies import REMAINING, RepositoryPackages, keep_dependencies
from disposer.versions import requirement

PUBLISHED = PackageVersionStatus.PUBLISHED
Deps = dict[PackageRef, dict[str, KnownDependencies]]


def _ref(package: str, package_format: PackageFormat = PackageFormat.NPM) -> PackageRef:
    return PackageRef("acme", None, "releases", package_format, None, package)


def _item(ref: PackageRef, version: str, action: Action, status: PackageVersionStatus = PUBLISHED) -> PlanItem:
    rule = Rule.DISPOSE_OLDER_THAN if action is Action.DISPOSE else Rule.KEEP_LATEST
    return PlanItem(ref, version, f"r-{version}", status, action, rule, f"{action}", expected_status=status)


def _run(
    plans: Sequence[PackagePlan], deps: Mapping[PackageRef, Mapping[str, KnownDependencies]]
) -> dict[tuple[str, str], PlanItem]:
    done = keep_dependencies(RepositoryPackages(plans, deps))
    return {(plan.ref.package, item.version): item for plan in done for item in plan.items}


APP, LIB = _ref("app"), _ref("lib")
LIB_VERSIONS = ("1.0.0", "1.2.0", "1.4.0", "2.0.0")
# Every Published or Unlisted version has its dependencies read (none, here): one missing is taken as unread.
NO_DEPENDENCIES: dict[str, KnownDependencies] = dict.fromkeys(LIB_VERSIONS, ())


def _lib(*, keep: Sequence[str] = ()) -> PackagePlan:
    return PackagePlan(LIB, tuple(_item(LIB, v, Action.KEEP if v in keep else Action.DISPOSE) for v in LIB_VERSIONS))


def test_a_caret_range_keeps_the_highest_version_it_admits_and_nothing_else():
    app = PackagePlan(APP, (_item(APP, "3.0.0", Action.KEEP),))
    caret: Deps = {APP: {"3.0.0": (Dependency(None, "lib", "regular", "^1.1.0"),)}, LIB: NO_DEPENDENCIES}
    decided = _run([app, _lib()], caret)
    assert decided[("lib", "1.4.0")].rule is Rule.KEEP_DEPENDENCY
    assert decided[("lib", "1.4.0")].reason == "kept: dependency of app 3.0.0 (^1.1.0)"
    assert decided[("lib", "1.4.0")].expected_status is None
    assert {v for (p, v), i in decided.items() if p == "lib" and i.action is Action.DISPOSE} == {
        "1.0.0",
        "1.2.0",
        "2.0.0",
    }


def test_a_dependent_that_is_disposed_protects_nothing():
    app = PackagePlan(APP, (_item(APP, "3.0.0", Action.DISPOSE),))
    decided = _run([app, _lib()], {APP: {"3.0.0": (Dependency(None, "lib", None, "1.2.0"),)}, LIB: NO_DEPENDENCIES})
    assert decided[("lib", "1.2.0")].action is Action.DISPOSE


def test_a_version_kept_for_a_dependent_keeps_its_own_dependencies():
    core = _ref("core")
    app = PackagePlan(APP, (_item(APP, "3.0.0", Action.KEEP),))
    core_plan = PackagePlan(core, (_item(core, "0.1.0", Action.DISPOSE), _item(core, "0.2.0", Action.DISPOSE)))
    deps: dict[PackageRef, dict[str, KnownDependencies]] = {
        APP: {"3.0.0": (Dependency(None, "lib", None, "1.2.0"),)},
        LIB: {**NO_DEPENDENCIES, "1.2.0": (Dependency(None, "core", None, "~0.1.0"),)},
        core: {"0.1.0": (), "0.2.0": ()},
    }
    decided = _run([app, _lib(), core_plan], deps)
    assert decided[("core", "0.1.0")].reason == "kept: dependency of lib 1.2.0 (~0.1.0)"
    assert decided[("core", "0.2.0")].action is Action.DISPOSE


def test_what_cannot_be_told_keeps_more():
    app = PackagePlan(APP, (_item(APP, "3.0.0", Action.KEEP), _item(APP, "2.0.0", Action.KEEP)))
    tagged: Deps = {APP: {"3.0.0": (Dependency(None, "lib", None, "next"),), "2.0.0": ()}, LIB: NO_DEPENDENCIES}
    decided = _run([app, _lib()], tagged)
    assert {decided[("lib", v)].rule for v in LIB_VERSIONS} == {Rule.KEEP_DEPENDENCY_UNKNOWN}
    assert decided[("lib", "1.0.0")].reason == "kept: dependency of app 3.0.0 (next): not understood"
    unread: Deps = {APP: {"3.0.0": UnreadDependencies("ThrottlingException"), "2.0.0": ()}, LIB: NO_DEPENDENCIES}
    decided = _run([app, _lib()], unread)
    assert decided[("lib", "2.0.0")].reason == "kept: dependencies of app 3.0.0 unknown (ThrottlingException)"


def test_an_exact_pin_to_an_unlisted_version_keeps_it():
    app = PackagePlan(APP, (_item(APP, "3.0.0", Action.KEEP),))
    unlisted = PackageVersionStatus.UNLISTED
    lib = PackagePlan(LIB, (_item(LIB, "1.0.0", Action.DISPOSE, unlisted), _item(LIB, "1.1.0", Action.DISPOSE)))
    decided = _run([app, lib], {APP: {"3.0.0": (Dependency(None, "lib", None, "1.0.0"),)}, LIB: NO_DEPENDENCIES})
    assert decided[("lib", "1.0.0")].action is Action.KEEP


# -- the property: no remaining version has a requirement that only a disposed version met ---------------------

VERSIONS = [f"{major}.{minor}.{patch}" for major in (1, 2) for minor in (0, 1, 2) for patch in (0, 1)]
RANGES = ["^1.0.0", "~1.1.0", "1.2.1", ">=1.1.0 <2.0.0", "^2.1.0", "2.x", "*", ">=3.0.0", "1.0.0 || 2.2.1"]
PACKAGES = [_ref(name) for name in ("a", "b", "c", "d")]


@st.composite
def _repositories(draw: st.DrawFn) -> tuple[list[PackagePlan], dict[PackageRef, dict[str, KnownDependencies]]]:
    plans: list[PackagePlan] = []
    deps: Deps = {}
    for ref in PACKAGES:
        versions = draw(st.lists(st.sampled_from(VERSIONS), min_size=1, max_size=6, unique=True))
        actions = [draw(st.sampled_from([Action.KEEP, Action.DISPOSE])) for _ in versions]
        statuses = [draw(st.sampled_from(list(REMAINING))) for _ in versions]
        plans.append(
            PackagePlan(ref, tuple(_item(ref, v, a, s) for v, a, s in zip(versions, actions, statuses, strict=True)))
        )
        deps[ref] = {
            v: tuple(
                Dependency(None, target.package, None, draw(st.sampled_from(RANGES)))
                for target in draw(st.lists(st.sampled_from(PACKAGES), max_size=2, unique=True))
            )
            for v in versions
        }
    return plans, deps


@settings(max_examples=300, derandomize=True, deadline=None)
@given(_repositories())
def test_no_remaining_version_needs_what_only_a_disposed_version_met(
    repository: tuple[list[PackagePlan], dict[PackageRef, dict[str, KnownDependencies]]],
):
    plans, deps = repository
    after = keep_dependencies(RepositoryPackages(plans, deps))
    present = {plan.ref: {i.version for i in plan.items} for plan in plans}
    remaining = {plan.ref: {i.version for i in plan.items if i.action is Action.KEEP} for plan in after}
    for ref, versions in remaining.items():
        for version in versions:
            for dependency in deps[ref][version]:  # type: ignore[union-attr]
                target = _ref(dependency.package)
                rule = requirement(PackageFormat.NPM, dependency.requirement)
                assert rule is not None
                met_before = {v for v in present[target] if rule.satisfies(v)}
                met_after = {v for v in remaining[target] if rule.satisfies(v)}
                assert met_after or not met_before, (ref.package, version, dependency, met_before)
    # And the pass only ever adds keeps.
    before = {(p.ref, i.version): i.action for p in plans for i in p.items}
    for plan in after:
        for item in plan.items:
            assert item.action is Action.KEEP or before[(plan.ref, item.version)] is item.action


def test_an_npm_alias_keeps_what_it_installs_under_another_name():
    app = PackagePlan(APP, (_item(APP, "3.0.0", Action.KEEP),))
    alias: Deps = {APP: {"3.0.0": (Dependency(None, "ui", "regular", "npm:lib@^1.1.0"),)}, LIB: NO_DEPENDENCIES}
    decided = _run([app, _lib()], alias)
    assert decided[("lib", "1.4.0")].reason == "kept: dependency of app 3.0.0 (npm:lib@^1.1.0)"


def test_names_are_compared_as_codeartifact_stores_them():
    scoped = _ref("lib").__class__("acme", None, "releases", PackageFormat.NPM, "acme", "lib")
    lib = PackagePlan(scoped, (_item(scoped, "1.0.0", Action.DISPOSE), _item(scoped, "1.1.0", Action.DISPOSE)))
    app = PackagePlan(APP, (_item(APP, "3.0.0", Action.KEEP),))
    needs: Deps = {APP: {"3.0.0": (Dependency("@acme", "lib", None, "1.0.0"),)}, scoped: {"1.0.0": (), "1.1.0": ()}}
    assert _run([app, lib], needs)[("lib", "1.0.0")].action is Action.KEEP
    py = _ref("my-lib", PackageFormat.PYPI)
    py_app = _ref("tool", PackageFormat.PYPI)
    plans = [
        PackagePlan(py_app, (_item(py_app, "2.0", Action.KEEP),)),
        PackagePlan(py, (_item(py, "1.0", Action.DISPOSE), _item(py, "1.2", Action.DISPOSE))),
    ]
    extras: Deps = {py_app: {"2.0": (Dependency(None, "My_Lib[socks]", None, ">=1.1"),)}, py: {"1.0": (), "1.2": ()}}
    assert _run(plans, extras)[("my-lib", "1.2")].action is Action.KEEP


def test_a_hostile_requirement_keeps_its_package_and_crashes_nothing():
    app = PackagePlan(APP, (_item(APP, "3.0.0", Action.KEEP),))
    nested = "(" * 900 + "1" + ")" * 900
    hostile: Deps = {APP: {"3.0.0": (Dependency(None, "lib", None, nested),)}, LIB: NO_DEPENDENCIES}
    decided = _run([app, _lib()], hostile)
    assert {decided[("lib", v)].rule for v in LIB_VERSIONS} == {Rule.KEEP_DEPENDENCY_UNKNOWN}
