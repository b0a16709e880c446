"""Names and versions as CodeArtifact stores them. A caller may spell them otherwise (a PyPI name with `_` or
capitals, an npm scope with its `@`, a NuGet version `1.0.03.0`): holds, downloads and dependencies compare
them in these forms, never as typed."""

import re

from disposer.model.packages import PackageFormat


def canonical_package(package_format: PackageFormat, name: str) -> str:
    """A package name as CodeArtifact stores it: PyPI's normalized form, NuGet's and Swift's lower case."""
    if package_format is PackageFormat.PYPI:
        return re.sub(r"[-_.]+", "-", name).lower()
    if package_format in (PackageFormat.NUGET, PackageFormat.SWIFT):
        return name.lower()
    return name


def canonical_namespace(package_format: PackageFormat, namespace: str | None) -> str | None:
    """A namespace as CodeArtifact stores it: an npm scope without its `@`, a Swift scope in lower case."""
    if namespace is None:
        return None
    if package_format is PackageFormat.NPM:
        return namespace.removeprefix("@")
    if package_format is PackageFormat.SWIFT:
        return namespace.lower()
    return namespace


def canonical_version(package_format: PackageFormat, version: str) -> str:
    """A NuGet version normalized as NuGet and CodeArtifact do (1.0.03.0 is 1.0.3, +metadata dropped,
    case folded); other formats' versions are exact."""
    if package_format is not PackageFormat.NUGET:
        return version
    release, _, _metadata = version.lower().partition("+")
    core, dash, label = release.partition("-")
    parts = [part.lstrip("0") or "0" if part.isdigit() else part for part in core.split(".")]
    if len(parts) == 4 and parts[3] == "0":
        parts = parts[:3]
    return ".".join(parts) + dash + label
