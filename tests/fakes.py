"""One scripted CodeArtifact for the unit tests, implementing the same Protocol as the real adapter."""

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from disposer.budget import Budget
from disposer.model.dependencies import VersionDependencies
from disposer.model.outcomes import BatchOutcome
from disposer.model.packages import PackageFormat, PackageListing, PackageRef, PackageVersionStatus, VersionSummary
from disposer.ports import CodeArtifact, WriteSwitch

Answer = Callable[[Sequence[str]], BatchOutcome]


@dataclass
class Calls:
    """Calls made per operation, and throttled attempts (what the run report counts)."""

    calls: Counter[str] = field(default_factory=Counter)
    throttles: int = 0


@dataclass
class FakeCodeArtifact:
    """Each write (dispose or archive) is answered by the next of `answers` (a function of the versions asked,
    or an exception to raise), the last one again once the others are used; the package is listed as
    `listed` (version -> status). Reads it was not given raise: a test says what the run may call."""

    answers: list[Answer | Exception] = field(default_factory=list)
    listed: dict[str, str] = field(default_factory=dict)
    threads: int = 1
    budget: Budget = field(default_factory=Budget.unlimited)
    switch: WriteSwitch | None = None
    counter: Calls = field(default_factory=Calls)
    # What each write call asked: its versions, and the status it was pinned to.
    asked: list[list[str]] = field(default_factory=list)
    statuses: list[PackageVersionStatus | None] = field(default_factory=list)

    def _write(
        self, operation: str, versions: Sequence[str], expected_status: PackageVersionStatus | None
    ) -> BatchOutcome:
        self.counter.calls[operation] += 1
        self.asked.append(list(versions))
        self.statuses.append(expected_status)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer(list(versions))

    def dispose(
        self,
        ref: PackageRef,
        versions: Sequence[str],
        *,
        revisions: Mapping[str, str] | None = None,
        expected_status: PackageVersionStatus | None = None,
    ) -> BatchOutcome:
        return self._write("DisposePackageVersions", versions, expected_status)

    def archive(
        self,
        ref: PackageRef,
        versions: Sequence[str],
        *,
        revisions: Mapping[str, str] | None = None,
        expected_status: PackageVersionStatus | None = None,
    ) -> BatchOutcome:
        return self._write("UpdatePackageVersionsStatus", versions, expected_status)

    def list_versions(self, ref: PackageRef) -> PackageListing:
        self.counter.calls["ListPackageVersions"] += 1
        versions = tuple(VersionSummary(v, f"r-{v}", PackageVersionStatus(status)) for v, status in self.listed.items())
        return PackageListing(versions=versions, default_display_version=None)

    def list_repositories(self, domain: str, domain_owner: str | None, prefix: str = "") -> list[str]:
        raise NotImplementedError("not scripted: ListRepositoriesInDomain")

    def list_packages(
        self,
        domain: str,
        domain_owner: str | None,
        repository: str,
        *,
        package_format: PackageFormat | None = None,
        namespace_prefix: str = "",
        package_prefix: str = "",
    ) -> list[PackageRef]:
        raise NotImplementedError("not scripted: ListPackages")

    def published_time(self, ref: PackageRef, version: str) -> datetime | None:
        raise NotImplementedError("not scripted: DescribePackageVersion")

    def asset_bytes(self, ref: PackageRef, version: str) -> int:
        raise NotImplementedError("not scripted: ListPackageVersionAssets")

    def dependencies(self, ref: PackageRef, version: str) -> VersionDependencies:
        raise NotImplementedError("not scripted: ListPackageVersionDependencies")


def disposed_all(versions: Sequence[str]) -> BatchOutcome:
    """Every version asked is disposed."""
    return BatchOutcome(successful={v: (f"r-{v}", "Disposed") for v in versions}, failed={})


# Checked by mypy: the fake is a CodeArtifact as far as the run is concerned.
_: type[CodeArtifact] = FakeCodeArtifact
