"""The HTTP API fuzzed through the real handler against the emulator: no 5xx, no exception, and nothing
disposed by a request the API refused.

Cases come from the OpenAPI document's own request schemas (hypothesis-jsonschema), half of them
pointed at the seeded packages so that valid requests really plan and dispose, and from malformed
requests: bodies that are not JSON objects, wrong types, other methods, content types, query strings
and paths. `make test` runs FUZZ_CASES (default 1,000); `make fuzz` runs 10,000 and prints the tally.
"""

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from local.emulator import RunningEmulator
from local.events import LambdaContext, api_gateway_event
from tests.support import report_line

CASES = int(os.environ.get("FUZZ_CASES", "1000"))
OPENAPI = json.loads((Path(__file__).parents[2] / "docs" / "openapi.json").read_text())
REAL_PACKAGES = [
    {"domain": "acme", "repository": "releases", "format": "npm", "namespace": "acme", "package": "ui-kit"},
    {"domain": "acme", "repository": "releases", "format": "generic", "namespace": "ci", "package": "builds"},
]
REAL_VERSIONS = [f"1.{i}.0" for i in range(8)] + ["0.9.0", "0.8.0"] + [f"build-{i:04d}" for i in range(250)]
ROUTES = [
    ("POST", "/dispose"),
    ("POST", "/plan"),
    ("POST", "/apply"),
    ("GET", "/openapi.json"),
    ("GET", "/runs"),
    ("GET", "/runs/0b6c9a5e-5d0f-4d5e-9f1c-1b2c3d4e5f60"),
    ("POST", "/runs/0b6c9a5e-5d0f-4d5e-9f1c-1b2c3d4e5f60/approve"),
    ("POST", "/runs/0b6c9a5e-5d0f-4d5e-9f1c-1b2c3d4e5f60/reject"),
]


def _schema(name: str) -> dict[str, Any]:
    """A component schema as standalone JSON Schema: its $refs point into the same document's $defs."""
    text = json.dumps(OPENAPI["components"]["schemas"]).replace("#/components/schemas/", "#/$defs/")
    definitions = json.loads(text)
    return {**definitions[name], "$defs": definitions}


def _aimed_at_the_seed(request: Any, package: dict[str, str], versions: list[str]) -> dict[str, Any]:
    return {**request, **package, "versions": versions or REAL_VERSIONS[:1]}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)
dispose_bodies = st.one_of(
    from_schema(_schema("DisposeRequest")),
    st.builds(
        _aimed_at_the_seed,
        from_schema(_schema("DisposeRequest")),
        st.sampled_from(REAL_PACKAGES),
        st.lists(st.sampled_from(REAL_VERSIONS), max_size=5, unique=True),
    ),
)


def _in_the_seeded_domain(policy: Any) -> Any:
    return {**policy, "domain": "acme"} if isinstance(policy, dict) else policy


# Regex shapes whose RE2 program grows with a repeat count: over the bounds they must be refused at once
# (422 PatternTooComplex), never compiled for seconds.
pattern_units = st.sampled_from([".{0,%d}", "(a{0,%d}){0,9}", "[0-9a-z]{1,%d}", "(x|.{0,%d})*", r"\pL{0,%d}"])
costly_patterns = st.builds(
    lambda unit, count, times: (unit % count) * times,
    pattern_units,
    st.integers(1, 1000),
    st.integers(1, 60),
)
costly_policies = st.builds(
    lambda policy, select, keep: {**policy, "select": {"versionPattern": select}, "keep": {"versionPatterns": keep}},
    st.fixed_dictionaries({"name": st.just("fuzz"), "domain": st.just("acme"), "repository": st.just("releases")}),
    costly_patterns,
    st.lists(costly_patterns, max_size=25),
)
policy_bodies = st.one_of(
    from_schema(_schema("RetentionPolicy")),
    from_schema(_schema("RetentionPolicy")).map(_in_the_seeded_domain),
    costly_policies,
)
apply_bodies = st.one_of(
    from_schema(_schema("ApplyRequest")),
    from_schema(_schema("ApplyRequest")).map(_in_the_seeded_domain),
    costly_policies,
)
# The bodies a route takes, by its path's last segment; a policy for /plan.
route_bodies = {
    "/dispose": dispose_bodies,
    "/apply": apply_bodies,
    "approve": from_schema(_schema("ApproveRequest")),
    "reject": from_schema(_schema("RejectRequest")),
}
malformed_bodies = st.one_of(
    json_values.map(json.dumps),
    st.text(max_size=60),
    st.just('{"domain": "acme", "domain": "acme"}'),
)


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    """One API Gateway event: a schema-shaped body for its route, or something malformed about it."""
    method, path = draw(st.sampled_from(ROUTES))
    body: Any = None
    if method == "POST":
        body = draw(
            st.one_of(
                route_bodies.get(path, route_bodies.get(path.rsplit("/", 1)[-1], policy_bodies)).map(json.dumps),
                malformed_bodies,
            )
        )
    event = api_gateway_event(method, path, body)
    twist = draw(st.sampled_from(["none", "none", "none", "method", "path", "content-type", "query", "base64"]))
    if twist == "method":
        event["httpMethod"] = draw(st.sampled_from(["post", "PUT", "DELETE", "PATCH", "get", "HEAD"]))
    elif twist == "path":
        event["path"] = draw(
            st.one_of(
                st.sampled_from(
                    ["/dispose/", "/Dispose", "/", "/holds", "/plan/x", "//dispose", "/runs/", "/runs//approve"]
                ),
                # Any text, lone surrogates included (API Gateway passes a path on as it came).
                st.builds(
                    "/{}".format, st.text(st.one_of(st.characters(), st.characters(categories=["Cs"])), max_size=12)
                ),
                st.builds("/runs/{}/reject".format, st.text(st.characters(), max_size=70)),
            )
        )
    elif twist == "content-type":
        event["headers"]["Content-Type"] = draw(st.sampled_from(["text/plain", "application/JSON", "", "x/y"]))
    elif twist == "query":
        names = st.sampled_from(["dryRun", "limit", "status", "nextToken"])
        event["queryStringParameters"] = draw(st.dictionaries(names, st.text(max_size=30), min_size=1, max_size=3))
    elif twist == "base64":
        event["isBase64Encoded"] = True
    return event


def _disposed_versions(emulator: RunningEmulator) -> int:
    return sum(1 for summary in _summaries(emulator) if summary["status"] == "Disposed")


def _summaries(emulator: RunningEmulator) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for package in REAL_PACKAGES:
        params: dict[str, Any] = {key: package[key] for key in ("domain", "repository", "format")}
        params |= {"namespace": package["namespace"], "package": package["package"], "maxResults": 1000}
        found += emulator.store.call("ListPackageVersions", params)["versions"]
    return found


def test_fuzz_api_answers_every_request_without_5xx_and_refusals_dispose_nothing(emulator, monkeypatch):
    from disposer.handler import lambda_handler

    # GIVEN the function scoped as the cdk.json deployment is (its role allows nothing else either)
    monkeypatch.setenv("DISPOSER_DOMAIN", "acme")
    monkeypatch.setenv("DISPOSER_DOMAIN_OWNER", "111122223333")
    monkeypatch.setenv("DISPOSER_REPOSITORIES", "releases,snapshots")

    statuses: Counter[int] = Counter()
    refused_but_disposed: list[dict[str, Any]] = []

    @settings(
        max_examples=CASES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(event=requests())
    def one_case(event: dict[str, Any]) -> None:
        before = _disposed_versions(emulator)
        response = lambda_handler(event, LambdaContext())
        status = int(response["statusCode"])
        statuses[status] += 1
        assert status < 500, (event, response)
        assert "error" in json.loads(response["body"]) or status < 400
        if status >= 400 and _disposed_versions(emulator) != before:
            refused_but_disposed.append(event)

    one_case()
    assert refused_but_disposed == []
    assert sum(statuses.values()) >= CASES
    report_line(f"fuzz: {sum(statuses.values())} cases, statuses {dict(sorted(statuses.items()))}, 0 5xx, 0 raised")
