"""keep.dependencies through the real handler against the emulator: for each format's kind of requirement the
candidate a resolver would pick is kept, and nothing else; a dependent the plan disposes protects nothing; an
unreadable dependency list keeps what it could need."""

from datetime import timedelta
from typing import Any

import pytest

from disposer.handler import lambda_handler
from tests.integration.harness import control, scheduled_event
from tests.integration.seeds import RUN_TIME


def _at(days: int) -> str:
    return (RUN_TIME - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


# (case, format, namespace, dependent, target, target's versions oldest first, requirement, dependencyType, pick)
CASES = [
    ("npm-exact-pin", "npm", "acme", "app", "lib", ["1.0.0", "1.2.0", "1.4.0", "2.0.0"], "1.2.0", "regular", "1.2.0"),
    ("npm-caret", "npm", "acme", "app", "lib", ["1.0.0", "1.2.0", "1.4.0", "2.0.0"], "^1.1.0", "regular", "1.4.0"),
    ("pypi-specifier", "pypi", None, "app", "lib", ["1.0", "1.2", "1.4", "2.0"], ">=1.1,<1.4", "Requires-Dist", "1.2"),
    ("maven-parent", "maven", "com.acme", "app", "acme-parent", ["1", "2", "3", "4"], "3", "parent", "3"),
    ("maven-range", "maven", "com.acme", "app", "lib", ["1.0", "1.5", "2.0", "2.1"], "[1.0,2.0)", "compile", "1.5"),
    # NuGet installs the lowest version a range admits.
    ("nuget-range", "nuget", None, "App", "Lib", ["1.0.0", "1.1.0", "1.5.0", "2.0.0"], "[1.1.0, 2.0.0)", None, "1.1.0"),
]


def _package(fmt: str, namespace: str | None, name: str, versions: list[dict[str, Any]]) -> dict[str, Any]:
    package: dict[str, Any] = {"format": fmt, "name": name, "versions": versions}
    if namespace is not None:
        package["namespace"] = namespace
    return package


def _dependency(namespace: str | None, package: str, requirement: str, kind: str | None) -> dict[str, Any]:
    found: dict[str, Any] = {"package": package, "versionRequirement": requirement}
    if namespace is not None:
        found["namespace"] = namespace
    if kind is not None:
        found["dependencyType"] = kind
    return found


def dependency_repository(case: tuple[Any, ...]) -> dict[str, Any]:
    name, fmt, namespace, dependent, target, versions, requirement, kind, _ = case
    needs = [_dependency(namespace, target, requirement, kind)]
    app = [
        # The newest, kept by keep.latest: it remains, and what it needs is kept.
        {"version": "9.0.0", "publishedTime": _at(100), "dependencies": needs},
        # Old and disposed: what it needed is not kept for it.
        {
            "version": "8.0.0",
            "publishedTime": _at(200),
            "dependencies": [_dependency(namespace, target, versions[0], kind)],
        },
    ]
    lib = [{"version": v, "publishedTime": _at(400 - 10 * i)} for i, v in enumerate(versions)]
    packages = [_package(fmt, namespace, dependent, app), _package(fmt, namespace, target, lib)]
    return {"name": name, "packages": packages}


@pytest.fixture(autouse=True)
def managed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The deployment manages these repositories (what its roles are checked against)."""
    monkeypatch.setenv("DISPOSER_REPOSITORIES", ",".join(case[0] for case in CASES))


@pytest.fixture
def seed() -> dict[str, Any]:
    repositories = [dependency_repository(case) for case in CASES]
    return {"domains": [{"name": "acme", "owner": "111122223333", "repositories": repositories}]}


def _policy(case: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "name": "keep-needed",
        "mode": "apply",
        "domain": "acme",
        "repository": case[0],
        "select": {"olderThanDays": 30},
        "keep": {"latest": 1, "dependencies": True},
    }


def _run(context: Any, case: tuple[Any, ...]) -> dict[str, Any]:
    event = scheduled_event(drop=("format", "namespace", "package"), **_policy(case))
    result: dict[str, Any] = lambda_handler(event, context)
    return result


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_format_keeps_exactly_what_its_resolver_picks(lambda_context: Any, emulator: Any, case: tuple[Any, ...]):
    name, fmt, namespace, dependent, target, versions, requirement, _, pick = case
    report = _run(lambda_context, case)
    # NuGet's names compare without case: CodeArtifact lists them in lower case, a dependency names them as written.
    dependent, target = dependent.lower(), target.lower()
    by_version = {(i["package"], i["version"]): i for i in report["items"]}
    kept = {v for (p, v), i in by_version.items() if p == target and i["action"] == "keep"}
    # The newest is kept by keep.latest; the pick for the dependent that remains, and nothing else.
    assert kept == {versions[-1], pick}
    assert by_version[(target, pick)]["reason"].startswith("kept: dependency of ")
    assert by_version[(target, pick)]["reason"].endswith(f"{dependent} 9.0.0 ({requirement})")
    # The old dependent is disposed, and what only it needed (the oldest target version) goes with it.
    assert by_version[(dependent, "8.0.0")]["outcome"] == "disposed"
    if versions[0] != pick:
        assert by_version[(target, versions[0])]["outcome"] == "disposed"


def test_an_unreadable_dependency_list_keeps_what_it_could_need(lambda_context: Any, emulator: Any):
    case = CASES[1]
    control(
        emulator,
        "inject",
        {"operation": "ListPackageVersionDependencies", "error": "AccessDeniedException", "count": 100},
    )
    report = _run(lambda_context, case)
    assert report["outcomes"] == {} and report["totals"]["dispose"] == 0
    reasons = {i["reason"] for i in report["items"] if i["package"] == "lib" and i["version"] != "2.0.0"}
    assert len(reasons) == 1 and reasons.pop().startswith("kept: dependencies of @acme/")
