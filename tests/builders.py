"""The data the tests share: one package, one clock, and builders of policies, plan items and plans."""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from disposer.model.packages import (
    PackageFormat,
    PackageRef,
    PackageVersionOriginType,
    PackageVersionStatus,
    VersionSummary,
)
from disposer.model.plans import Action, PackagePlan, Plan, PlanItem, Rule
from disposer.model.runs import RunContext
from disposer.retention.policy import RetentionPolicy

# The run's clock in unit tests (times of versions are set relative to it).
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
OWNER = "111122223333"
# The package most tests plan: @acme/ui-kit, an npm package in acme/releases.
REF = PackageRef("acme", OWNER, "releases", PackageFormat.NPM, "acme", "ui-kit")
CONTEXT = RunContext(run_id="run-1", trigger="schedule", caller="rule/prune", dry_run=False, policy="prune")

_RULES = {
    Action.KEEP: Rule.KEEP_LATEST,
    Action.DISPOSE: Rule.DISPOSE_OLDER_THAN,
    Action.ARCHIVE: Rule.ARCHIVE_QUARANTINE,
}


def ref(package: str = "ui-kit", **coordinates: Any) -> PackageRef:
    """REF with another package name (and any other coordinate changed)."""
    fields = {"domain": "acme", "domain_owner": OWNER, "repository": "releases", "format": PackageFormat.NPM}
    return PackageRef(**{**fields, "namespace": "acme", "package": package, **coordinates})


def policy(**fields: Any) -> RetentionPolicy:
    """A valid policy of domain acme named "test" (selecting versions older than 90 days unless told)."""
    base: dict[str, Any] = {"name": "test", "domain": "acme", "select": {"olderThanDays": 90}}
    return RetentionPolicy.model_validate({**base, **fields})


def version(
    name: str,
    days_old: float | None = None,
    status: PackageVersionStatus = PackageVersionStatus.PUBLISHED,
    origin: PackageVersionOriginType = PackageVersionOriginType.INTERNAL,
) -> VersionSummary:
    """A listed version at revision `r-<name>`, published `days_old` days before NOW (None: time unknown)."""
    published = None if days_old is None else NOW - timedelta(days=days_old)
    return VersionSummary(name, f"r-{name}", status, origin_type=origin, published_time=published)


def item(
    name: str,
    action: Action = Action.DISPOSE,
    *,
    status: PackageVersionStatus | None = PackageVersionStatus.PUBLISHED,
    rule: Rule | None = None,
    package: PackageRef = REF,
    reason: str | None = None,
) -> PlanItem:
    """A plan item of `package` at revision `r-<name>` (the rule and reason follow the action unless given)."""
    rule = rule or _RULES[action]
    return PlanItem(package, name, f"r-{name}", status, action, rule, reason or f"{action}: {name}")


def plan(*items: PlanItem, name: str = "prune", as_of: datetime = NOW) -> Plan:
    """A plan of the items given, one package plan per package in the order they first appear."""
    packages: dict[PackageRef, list[PlanItem]] = {}
    for each in items:
        packages.setdefault(each.ref, []).append(each)
    return Plan(policy=name, as_of=as_of, packages=tuple(PackagePlan(r, tuple(i)) for r, i in packages.items()))


def disposals(count: int, *, keeps: int = 0) -> Iterable[PlanItem]:
    """`count` disposals then `keeps` keeps of REF, versions 1.<i>.0 and 2.<i>.0."""
    yield from (item(f"1.{i}.0") for i in range(count))
    yield from (item(f"2.{i}.0", Action.KEEP) for i in range(keeps))


def at_the_bound(shape: str) -> str:
    """`shape` ("...{n}...") repeated to fill MAX_PATTERN_LENGTH, with the largest n whose RE2 program
    still fits PATTERN_MAX_MEM: the costliest pattern of that shape a policy may hold."""
    import re2

    from disposer.retention.patterns import MAX_PATTERN_LENGTH, PATTERN_MAX_MEM

    def make(n: int) -> str:
        unit = shape.replace("{n}", str(n))
        return unit * (MAX_PATTERN_LENGTH // len(unit))

    def fits(n: int) -> bool:
        options = re2.Options()
        options.log_errors, options.max_mem = False, PATTERN_MAX_MEM
        try:
            re2._Regexp(make(n), options)  # uncached: each call really compiles
        except re2.error:
            return False
        return True

    low, high = 1, 1000
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    return make(low)


# Twenty distinct patterns at the bound that cost RE2 the most to compile (bounded repeats of a class).
def costliest_to_compile() -> list[str]:
    classes = [f"0-9a-{letter}" for letter in "klmnopqrstuvwxyz"] + [f"0-9A-{letter}" for letter in "WXYZ"]
    return [at_the_bound(f"[{chars}]{{1,{{n}}}}") for chars in classes]


# Twenty distinct patterns at the bound that cost RE2 the most to match (its NFA, as no DFA fits): the
# first matches every version, the others none (a version has no `#`), so each version meets all twenty.
def costliest_to_match() -> list[str]:
    return [at_the_bound("(x|.{0,{n}})*")] + [
        at_the_bound(f"({letter}|.{{0,{{n}}}})*#") for letter in "abcdefghijklmnopqrs"
    ]
