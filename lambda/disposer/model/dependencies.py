"""What a package version depends on, as CodeArtifact's ListPackageVersionDependencies reports it."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Dependency:
    """One direct dependency: a package of the same format, and the versions of it the depending version accepts.

    `requirement` is the text of the package's own metadata (`^1.2.0`, `>=2.31`, `[1.0,2.0)`), None where the
    metadata gives none (a Maven dependency whose version is managed elsewhere); `dependency_type` is the
    format's kind of dependency (npm `regular`/`dev`/`peer`/`optional`, Maven scopes and `parent`, PyPI
    `Requires-Dist`), None where the format has none (NuGet).
    """

    namespace: str | None
    package: str
    dependency_type: str | None
    requirement: str | None


@dataclass(frozen=True, slots=True)
class VersionDependencies:
    """Every direct dependency of one version, and the revision they were read at: a version's dependencies
    never change for one revision, so they can be remembered by it."""

    version: str
    revision: str | None
    dependencies: tuple[Dependency, ...]


@dataclass(frozen=True, slots=True)
class UnreadDependencies:
    """A version whose dependencies could not be read (the call failed, or its answer did not parse): the run
    cannot tell what it needs, so it keeps what that could be (retention/dependencies.py)."""

    why: str


# What a run knows of one version's direct dependencies.
KnownDependencies = tuple[Dependency, ...] | UnreadDependencies
