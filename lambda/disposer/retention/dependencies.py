"""keep.dependencies: a candidate that a version remaining after the run depends on is kept.

Pure: the planner hands over every package of the repositories (and formats) the run covers, planned, with what
is known of each Published or Unlisted version's direct dependencies. A version *remains* if the plan keeps it
and it is Published or Unlisted; for each of its dependencies on a package of the same repository, the version
that package's resolver would install (versions/: npm's range rules and `latest` tag, pip's, Maven's, NuGet's
lowest applicable) is kept if it was a candidate, and then remains too, so its own dependencies count (the pass
runs to a fixed point). A dependent that the plan disposes protects nothing.

The pick is made among the versions present: Published ones (what a resolver lists), and again among Published
and Unlisted, and Published, Unlisted and Archived (what an exact pin can still name): every pick is kept, so
a requirement that some present version meets keeps one that meets it. What cannot be told keeps more: a
requirement the format's rules cannot read (a dist-tag, a URL, a Maven property, a format without rules) keeps
every candidate of its package, and a version whose dependencies could not be read (or a package that could not
be read at all) keeps every candidate of its repository and format.
"""

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from disposer.model.dependencies import Dependency, KnownDependencies, UnreadDependencies
from disposer.model.names import canonical_namespace, canonical_package
from disposer.model.packages import PackageFormat, PackageRef, PackageVersionStatus
from disposer.model.plans import Action, PackagePlan, PlanItem, Rule
from disposer.versions import Requirement, requirement

_STATUSES = (PackageVersionStatus.PUBLISHED, PackageVersionStatus.UNLISTED, PackageVersionStatus.ARCHIVED)
# The sets of versions a resolver (or an exact pin) may pick from: every pick among them is kept.
_PICKED_FROM = (_STATUSES[:1], _STATUSES[:2], _STATUSES)
REMAINING = frozenset(_STATUSES[:2])

Key = tuple[PackageRef, str]


@dataclass(frozen=True)
class RepositoryPackages:
    """The planned packages of a run, with what is known of their versions' dependencies and `latest` tags."""

    plans: Sequence[PackagePlan]
    # By package, by version: for every Published or Unlisted version (one missing is taken as unread).
    dependencies: Mapping[PackageRef, Mapping[str, KnownDependencies]]
    # npm's `latest` dist-tag: CodeArtifact's default display version, by package.
    latest: Mapping[PackageRef, str | None] = field(default_factory=dict)
    # Packages of these repositories the run could not read: what they need is unknown.
    unread: Sequence[PackageRef] = ()


def keep_dependencies(packages: RepositoryPackages) -> list[PackagePlan]:
    """The plans with every candidate that a remaining version depends on kept (see the module docstring)."""
    pass_ = _Pass(packages)
    pass_.run()
    return [PackagePlan(plan.ref, tuple(pass_.items[plan.ref].values())) for plan in packages.plans]


class _Pass:
    def __init__(self, packages: RepositoryPackages) -> None:
        self.packages = packages
        self.items: dict[PackageRef, dict[str, PlanItem]] = {
            plan.ref: {item.version: item for item in plan.items} for plan in packages.plans
        }
        # Packages by their name as each format compares names (a dependency names one as its metadata spells it).
        self.named = {_name_key(ref.repository, ref.format, ref.namespace, ref.package): ref for ref in self.items}
        self.queue: deque[Key] = deque(
            (ref, item.version) for ref, items in self.items.items() for item in items.values() if _remains(item)
        )
        self.picks: dict[tuple[PackageRef, str | None, tuple[str, ...]], str | None] = {}
        self.present: dict[tuple[PackageRef, int], tuple[str, ...]] = {}
        # Repositories and formats where some remaining version's dependencies are unknown, and why.
        self.unknown: dict[tuple[str, PackageFormat], str] = {}
        for ref in packages.unread:
            reason = f"kept: {label(ref)} could not be read (what it depends on is unknown)"
            self.unknown.setdefault((ref.repository, ref.format), reason)

    def run(self) -> None:
        """Follow every remaining version's dependencies; where some are unknown, keep the whole repository's and
        format's candidates, and follow theirs in turn, until nothing new is kept."""
        self._drain()
        handled: set[tuple[str, PackageFormat]] = set()
        while pending := [scope for scope in self.unknown if scope not in handled]:
            for scope in pending:
                handled.add(scope)
                for ref in [r for r in self.items if (r.repository, r.format) == scope]:
                    self._keep_all(ref, Rule.KEEP_DEPENDENCY_UNKNOWN, self.unknown[scope])
            self._drain()

    def _drain(self) -> None:
        while self.queue:
            ref, version = self.queue.popleft()
            known = self.packages.dependencies.get(ref, {}).get(version, UnreadDependencies("not read"))
            if isinstance(known, UnreadDependencies):
                reason = f"kept: dependencies of {label(ref)} {version} unknown ({known.why})"
                self.unknown.setdefault((ref.repository, ref.format), reason)
                continue
            for dependency in known:
                self._needed(ref, version, dependency)

    def _needed(self, ref: PackageRef, version: str, dependency: Dependency) -> None:
        namespace, package, wanted = _aliased(ref.format, dependency)
        target = self.named.get(_name_key(ref.repository, ref.format, namespace, package))
        if target is None:
            return
        read = requirement(ref.format, wanted)
        because = f"{label(ref)} {version} ({dependency.requirement or 'no version given'})"
        if read is None:
            self._keep_all(target, Rule.KEEP_DEPENDENCY_UNKNOWN, f"kept: dependency of {because}: not understood")
            return
        for index in range(len(_PICKED_FROM)):
            try:
                picked = self._pick(target, wanted, index, read)
            except (ValueError, RecursionError, OverflowError, TypeError):
                # A library that fails on these versions cannot say which it would install: keep them all.
                self._keep_all(target, Rule.KEEP_DEPENDENCY_UNKNOWN, f"kept: dependency of {because}: not understood")
                return
            if picked is not None:
                self._keep(target, picked, Rule.KEEP_DEPENDENCY, f"kept: dependency of {because}")

    def _pick(self, target: PackageRef, wanted: str | None, index: int, read: Requirement) -> str | None:
        """What the resolver installs for `wanted` among the target's versions of the `index`th set of statuses.
        Remembered: statuses do not change while the pass runs, and many dependents share a requirement."""
        present = self._present(target, index)
        key = (target, wanted, present)
        if key not in self.picks:
            self.picks[key] = read.resolve(present, latest=self.packages.latest.get(target))
        return self.picks[key]

    def _present(self, target: PackageRef, index: int) -> tuple[str, ...]:
        """The target's versions of the `index`th set of statuses (the same tuple when two sets hold the same)."""
        key = (target, index)
        if key not in self.present:
            self.present[key] = tuple(v for v, item in self.items[target].items() if item.status in _PICKED_FROM[index])
        return self.present[key]

    def _keep(self, ref: PackageRef, version: str, rule: Rule, reason: str) -> None:
        item = self.items[ref][version]
        if item.action is Action.KEEP:
            return
        self.items[ref][version] = replace(item, action=Action.KEEP, rule=rule, reason=reason, expected_status=None)
        if item.status in REMAINING:
            self.queue.append((ref, version))

    def _keep_all(self, ref: PackageRef, rule: Rule, reason: str) -> None:
        for version in [v for v, item in self.items[ref].items() if item.action is not Action.KEEP]:
            self._keep(ref, version, rule, reason)


def _name_key(repository: str, package_format: PackageFormat, namespace: str | None, name: str) -> tuple[str, ...]:
    """A package's name as CodeArtifact stores it (model/names.py: PyPI's normalized, NuGet's without case, an npm
    scope without its `@`), a PyPI name without the extras a requirement may carry (`lib[socks]`)."""
    if package_format is PackageFormat.PYPI:
        name = name.split("[", 1)[0].strip()
    scope = canonical_namespace(package_format, namespace) or ""
    return (repository, str(package_format), scope, canonical_package(package_format, name))


def _aliased(package_format: PackageFormat, dependency: Dependency) -> tuple[str | None, str, str | None]:
    """The package a dependency installs and its requirement: its own, or for an npm alias (`"foo":
    "npm:lib@^1.0.0"`, npm installs lib under the name foo) the aliased package's."""
    wanted = dependency.requirement
    if package_format is not PackageFormat.NPM or wanted is None or not wanted.startswith("npm:"):
        return dependency.namespace, dependency.package, wanted
    spec = wanted.removeprefix("npm:")
    at = spec.rfind("@")
    name, requirement = (spec[:at], spec[at + 1 :]) if at > 0 else (spec, "*")
    scope, _, bare = name.rpartition("/")
    return (scope or None), bare, requirement or "*"


def _remains(item: PlanItem) -> bool:
    return item.action is Action.KEEP and item.status in REMAINING


def label(ref: PackageRef) -> str:
    """A package as its ecosystem writes it: @scope/name for npm, group:artifact for Maven, namespace/name else."""
    if ref.namespace is None:
        return ref.package
    if ref.format is PackageFormat.NPM:
        return f"@{ref.namespace}/{ref.package}"
    if ref.format is PackageFormat.MAVEN:
        return f"{ref.namespace}:{ref.package}"
    return f"{ref.namespace}/{ref.package}"
