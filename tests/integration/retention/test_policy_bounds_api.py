"""The bounds of POST /plan and /apply through the real handler: a policy's regexes cost little to compile
and to match, and no answer can outgrow Lambda's 6 MB response limit."""

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.builders import costliest_to_compile, costliest_to_match
from tests.integration.harness import calls, control, invoke_api
from tests.integration.seeds import POLICY, package_seed, retention_seed
from tests.support import report_line

# The finding: 450 characters of valid RE2 that took 4-7 s to compile, outside the request's budget.
SLOW_TO_COMPILE = ".{0,1000}" * 50
BIG = {"domain": "acme", "repository": "releases", "format": "generic", "namespace": "ci", "package": "big"}
BIG_POLICY: dict[str, Any] = {"name": "big", **BIG, "select": {"versionPattern": ".*"}}


@pytest.fixture
def seed() -> dict[str, Any]:
    return retention_seed(datetime.now(UTC) + timedelta(hours=1))


def _big_package(emulator: Any, versions: int) -> None:
    published = datetime.now(UTC) - timedelta(days=30)
    names = [{"version": f"1.0.{i}", "publishedTime": published.isoformat()} for i in range(versions)]
    control(emulator, "seed", package_seed(BIG, names))


@pytest.mark.parametrize(
    ("policy", "field"),
    [
        ({"select": {"versionPattern": SLOW_TO_COMPILE}}, "select.versionPattern"),
        ({"select": {"versionPattern": ".{0,1000}" * 28}}, "select.versionPattern"),
        ({"keep": {"versionPatterns": [SLOW_TO_COMPILE] * 100}}, "keep.versionPatterns"),
        ({"keep": {"versionPatterns": [f"{i}\\..*" for i in range(21)]}}, "keep.versionPatterns"),
        ({"keep": {"versionPatterns": [f"{i}\\..*" for i in range(20)]}, "select": {"versionPattern": ".*"}}, "keep"),
    ],
    ids=["450 characters", "252 characters, huge program", "100 patterns", "21 patterns", "20 + select"],
)
@pytest.mark.parametrize("route", ["/plan", "/apply"])
def test_policy_api_pattern_over_its_bounds_is_422_pattern_too_complex_at_once(
    lambda_context, emulator, route, policy, field
):
    # GIVEN a policy whose patterns are over a bound (the finding's 450 characters took 4-7 s to compile)
    started = time.perf_counter()
    # WHEN it is sent
    response = invoke_api(lambda_context, "POST", route, {**POLICY, "mode": "apply", **policy})
    elapsed = time.perf_counter() - started
    # THEN it is refused as PatternTooComplex, naming the field, before any call and within milliseconds
    assert (response.status, response.body["error"]["code"]) == (422, "PatternTooComplex"), response.body
    assert field in response.body["error"]["message"]
    assert calls(emulator) == {}
    assert elapsed < 0.5
    report_line(f"{route} refused {len(str(policy))}-character pattern policy in {elapsed * 1000:.0f} ms")


def test_plan_api_costliest_allowed_policy_plans_2500_versions_within_the_budget(lambda_context, emulator):
    # GIVEN 2,500 versions, and 20 patterns at the RE2 bound that every version must meet (the NFA's worst)
    _big_package(emulator, 2500)
    patterns = costliest_to_match()
    policy = {**BIG_POLICY, "select": {"versionPattern": patterns[0]}, "keep": {"versionPatterns": patterns[1:]}}
    # WHEN it is planned
    started = time.perf_counter()
    response = invoke_api(lambda_context, "POST", "/plan", policy)
    elapsed = time.perf_counter() - started
    # THEN the plan is whole, well within the request's 25 s
    assert response.status == 200, response.body
    assert response.body["totals"]["versions"] == 2500
    assert elapsed < 10
    report_line(f"/plan of 2,500 versions against 20 patterns at the RE2 bound: {elapsed:.2f} s")


def test_plan_api_costliest_to_compile_policy_plans_at_once(lambda_context, emulator):
    patterns = costliest_to_compile()
    started = time.perf_counter()
    policy = {**POLICY, "select": {"versionPattern": patterns[0]}, "keep": {"versionPatterns": patterns[1:]}}
    response = invoke_api(lambda_context, "POST", "/plan", policy)
    assert response.status == 200, response.body
    assert time.perf_counter() - started < 2


def test_plan_api_of_2500_versions_under_a_long_held_reason_answers_under_6_mb(lambda_context, emulator, ledger_name):
    # GIVEN 2,500 versions, all held by one `*` hold with a 500-character reason (each kept item says it)
    from disposer.handler import lambda_handler
    from tests.support import load_event

    _big_package(emulator, 2500)
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    hold = {**BIG, "version": "*", "until": until, "reason": "r" * 500}
    assert invoke_api(lambda_context, "POST", "/holds", hold).status == 201
    # WHEN the package is planned, through the real handler
    event = load_event("api_dispose.json")
    event.update(httpMethod="POST", path="/plan", resource="/plan", body=json.dumps(BIG_POLICY))
    event["requestContext"].update(httpMethod="POST", resourcePath="/plan")
    response = lambda_handler(event, lambda_context)
    # THEN the answer, as Lambda sends it, is under 6 MB, lists 1,000 items and says how many there are
    size = len(json.dumps(response))
    body = json.loads(response["body"])
    assert response["statusCode"] == 200, body
    assert size < 6 * 1024 * 1024
    assert (body["itemsTotal"], body["itemsTruncated"], len(body["items"])) == (2500, True, 1000)
    assert all("r" * 500 in item["reason"] for item in body["items"])
    report_line(f"/plan of 2,500 held versions: {size:,} bytes, {len(body['items'])} items listed")
