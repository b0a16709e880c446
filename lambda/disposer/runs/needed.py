"""keep.dependencies in a run: what the planner gathers while it plans each package, and the pass over all of
them once planned (retention/dependencies.py). The packages the policy does not govern are planned only so that
their needs are known (every version kept): the plan shows only the policy's own packages."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from disposer.model.dependencies import KnownDependencies
from disposer.model.packages import PackageRef
from disposer.model.plans import PackagePlan
from disposer.model.runs import RunProblem
from disposer.retention.dependencies import RepositoryPackages, keep_dependencies
from disposer.retention.engine import PackageVersions
from disposer.retention.policy import RetentionPolicy


@dataclass
class NeededVersions:
    """What a run learnt of its packages' dependencies, package by package."""

    policy: RetentionPolicy
    dependencies: dict[PackageRef, dict[str, KnownDependencies]] = field(default_factory=dict)
    latest: dict[PackageRef, str | None] = field(default_factory=dict)

    def add(self, package: PackageVersions) -> None:
        self.dependencies[package.ref] = dict(package.dependencies or {})
        self.latest[package.ref] = package.default_display_version

    def kept(self, plans: Sequence[PackagePlan], problems: Sequence[RunProblem]) -> list[PackagePlan]:
        """`plans` with what remaining versions need kept, less the packages the policy does not govern. A
        package the run could not read keeps every candidate of its repository and format."""
        unread = [p.ref for p in problems if p.ref is not None and p.ref not in self.dependencies]
        passed = keep_dependencies(RepositoryPackages(plans, self.dependencies, self.latest, unread))
        return [plan for plan in passed if self.policy.matches_package(plan.ref)]
