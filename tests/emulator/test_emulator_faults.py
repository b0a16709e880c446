"""Fault injection and the control plane: injected errors, TPS quotas, error rate, latency, stats."""

import json
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from local.emulator import FaultSettings

# Every modelled error, with its HTTP status and the members boto3 must expose.
MODELLED = [
    ("AccessDeniedException", 403, {}),
    ("ConflictException", 409, {"resourceType": "package-version", "resourceId": "1.0.0"}),
    ("InternalServerException", 500, {}),
    ("ResourceNotFoundException", 404, {"resourceType": "package", "resourceId": "ui-kit"}),
    ("ServiceQuotaExceededException", 402, {"resourceType": "asset", "resourceId": "a.bin"}),
    ("ThrottlingException", 429, {"retryAfterSeconds": 7}),
    ("ValidationException", 400, {"reason": "OTHER"}),
]


def _control(url: str, method: str, endpoint: str, document: Any = None) -> tuple[int, Any]:
    data = json.dumps(document).encode() if document is not None else None
    request = urllib.request.Request(f"{url}/_emulator/{endpoint}", data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize(("code", "status", "members"), MODELLED)
def test_inject_modelled_error_raises_boto3_class_with_members(emulator, client, ui_kit, code, status, members):
    # GIVEN the next DisposePackageVersions call scripted to fail with `code`
    emulator.faults.inject("DisposePackageVersions", code, 1, "scripted", **members)

    # WHEN it is called
    with pytest.raises(getattr(client.exceptions, code)) as caught:
        client.dispose_package_versions(**ui_kit, versions=["1.0.0"])

    # THEN boto3 raises the modelled class with status, message and members; the next call works
    response = caught.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert response["Error"]["Message"] == "scripted"
    for name, value in members.items():
        assert response[name] == value
    assert client.dispose_package_versions(**ui_kit, versions=["1.0.0"])["failedVersions"] == {}


def test_inject_via_control_plane_counts_down_then_stops(emulator, client):
    # GIVEN two AccessDenied injections for DescribeDomain posted to the control plane
    status, _ = _control(
        emulator.url, "POST", "inject", {"operation": "DescribeDomain", "error": "AccessDeniedException", "count": 2}
    )

    # WHEN DescribeDomain is called three times
    outcomes = []
    for _ in range(3):
        try:
            client.describe_domain(domain="acme")
            outcomes.append("ok")
        except client.exceptions.AccessDeniedException:
            outcomes.append("denied")

    # THEN the first two are denied and the third succeeds
    assert status == 200
    assert outcomes == ["denied", "denied", "ok"]


def test_inject_any_operation_applies_to_next_call(emulator, client):
    # GIVEN an injection for any operation
    emulator.faults.inject("*", "InternalServerException")

    # WHEN any call is made
    # THEN it fails once
    with pytest.raises(client.exceptions.InternalServerException):
        client.list_domains()
    assert client.list_domains()["domains"]


def test_inject_unknown_error_control_plane_returns_400(emulator):
    # GIVEN an error that is not modelled
    # WHEN injected
    status, body = _control(emulator.url, "POST", "inject", {"operation": "ListDomains", "error": "Boom"})

    # THEN the control plane refuses it
    assert status == 400
    assert "Boom" in body["message"]


def test_operation_quota_exceeded_throttles_with_retry_after(start, make_client, seed):
    # GIVEN a 2 TPS quota on DescribeDomain
    emulator = start(seed, faults=FaultSettings(quotas={"DescribeDomain": 2}))
    client = make_client(emulator.url)

    # WHEN it is called 3 times at once
    client.describe_domain(domain="acme")
    client.describe_domain(domain="acme")
    with pytest.raises(client.exceptions.ThrottlingException) as caught:
        client.describe_domain(domain="acme")

    # THEN the third is throttled with retryAfterSeconds, other operations are unaffected, stats count it
    assert caught.value.response["retryAfterSeconds"] == 1
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert client.list_domains()["domains"]
    stats = emulator.faults.stats()
    assert stats["throttles"] == {"DescribeDomain": 1}
    assert stats["errors"]["DescribeDomain"] == {"ThrottlingException": 1}


def test_read_tps_quota_shared_across_read_operations(start, make_client, seed):
    # GIVEN an aggregate read quota of 2 TPS
    client = make_client(start(seed, faults={"readTps": 2}).url)

    # WHEN two different read operations use it up
    client.describe_domain(domain="acme")
    client.list_domains()

    # THEN a third read is throttled but a write is not
    with pytest.raises(client.exceptions.ThrottlingException):
        client.list_repositories()
    assert client.create_domain(domain="other")["domain"]["name"] == "other"


def test_quota_used_up_refills_over_time(start, make_client, seed):
    # GIVEN a 2 TPS quota, used up (a slow quota, so that a loaded machine cannot refill it between calls)
    client = make_client(start(seed, faults=FaultSettings(quotas={"ListDomains": 2})).url)
    for _ in range(2):
        client.list_domains()
    with pytest.raises(client.exceptions.ThrottlingException):
        client.list_domains()

    # WHEN half a second (one token) passes
    time.sleep(0.6)

    # THEN a call is allowed again
    assert client.list_domains()["domains"]


def test_error_rate_one_fails_every_call_with_internal_error(start, make_client, seed):
    # GIVEN an error rate of 1.0
    emulator = start(seed, faults={"errorRate": 1.0, "seedRandom": 7})
    client = make_client(emulator.url)

    # WHEN a call is made
    with pytest.raises(client.exceptions.InternalServerException):
        client.list_domains()

    # THEN the stats show it injected
    assert emulator.faults.stats()["injected"] == {"ListDomains": 1}


def test_error_rate_seeded_is_reproducible(start, make_client, seed):
    # GIVEN two emulators with the same seeded 50% error rate
    outcomes = []
    for _ in range(2):
        client = make_client(start(seed, faults={"errorRate": 0.5, "seedRandom": 42}).url)
        run = []
        for _ in range(20):
            try:
                client.list_domains()
                run.append(True)
            except client.exceptions.InternalServerException:
                run.append(False)
        outcomes.append(run)

    # WHEN compared
    # THEN they fail on the same calls, and some but not all fail
    assert outcomes[0] == outcomes[1]
    assert 0 < outcomes[0].count(False) < 20


def test_latency_setting_delays_each_call(start, make_client, seed):
    # GIVEN 100 ms of added latency
    client = make_client(start(seed, faults={"latencyMs": 100}).url)
    client.list_domains()

    # WHEN a call is timed
    started = time.perf_counter()
    client.list_domains()
    elapsed = time.perf_counter() - started

    # THEN it took at least the latency
    assert elapsed >= 0.1


def test_faults_posted_at_runtime_take_effect_and_read_back(emulator, client):
    # GIVEN an emulator without faults
    client.list_domains()

    # WHEN a 100% error rate is posted, then cleared
    status, settings = _control(emulator.url, "POST", "faults", {"errorRate": 1.0})
    with pytest.raises(client.exceptions.InternalServerException):
        client.list_domains()
    _control(emulator.url, "POST", "faults", {"errorRate": 0})

    # THEN the settings were echoed and calls succeed again
    assert status == 200
    assert settings["errorRate"] == 1.0
    assert _control(emulator.url, "GET", "faults")[1]["errorRate"] == 0
    assert client.list_domains()["domains"]


def test_faults_unknown_operation_quota_returns_400(emulator):
    # GIVEN a quota for an operation that does not exist
    # WHEN posted
    status, body = _control(emulator.url, "POST", "faults", {"quotas": {"Nope": 5}})

    # THEN it is refused
    assert status == 400
    assert "Nope" in body["message"]


def test_stats_count_calls_and_errors_then_reset(emulator, client, ui_kit):
    # GIVEN two successful calls and one not-found
    client.list_package_versions(**ui_kit)
    client.list_package_versions(**ui_kit)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_domain(domain="nope")

    # WHEN stats are read over HTTP, then reset
    _, stats = _control(emulator.url, "GET", "stats")
    _, after_reset = _control(emulator.url, "POST", "reset-stats")

    # THEN calls and errors were counted per operation, and the reset zeroes them
    assert stats["calls"] == {"ListPackageVersions": 2, "DescribeDomain": 1}
    assert stats["errors"] == {"DescribeDomain": {"ResourceNotFoundException": 1}}
    assert stats["totals"]["calls"] == 3
    assert after_reset["calls"] == {}
    assert after_reset["totals"]["errors"] == 0


def test_control_plane_unknown_endpoint_returns_404(emulator):
    # GIVEN a control path that does not exist
    # WHEN called
    status, body = _control(emulator.url, "GET", "nope")

    # THEN it is a 404 listing the endpoints
    assert status == 404
    assert "GET /_emulator/stats" in body["endpoints"]


def test_control_plane_seed_merges_new_package(emulator, client):
    # GIVEN a running emulator
    seed = {
        "domains": [
            {
                "name": "acme",
                "repositories": [
                    {
                        "name": "releases",
                        "packages": [{"format": "npm", "name": "new-pkg", "versions": [{"version": "1.0.0"}]}],
                    }
                ],
            }
        ]
    }

    # WHEN a seed is posted
    status, summary = _control(emulator.url, "POST", "seed", seed)

    # THEN the package is added next to the existing ones
    assert status == 200
    assert summary["versions"] == 1
    versions = client.list_package_versions(domain="acme", repository="releases", format="npm", package="new-pkg")
    assert [v["version"] for v in versions["versions"]] == ["1.0.0"]
    assert client.describe_package(
        domain="acme", repository="releases", format="npm", namespace="acme", package="ui-kit"
    )


@pytest.mark.parametrize(
    "document",
    [{"errorRate": 2}, {"errorRate": "often"}, {"readTps": 0}, {"latencyMs": -1}, {"seedRandom": 1.5}, {"bogus": 1}],
)
def test_faults_invalid_settings_return_400_and_keep_current(emulator, document):
    # GIVEN an out-of-range, mistyped or unknown fault setting
    # WHEN posted
    status, body = _control(emulator.url, "POST", "faults", document)

    # THEN it is refused and nothing changed
    assert status == 400
    assert body["message"]
    assert emulator.faults.settings == FaultSettings()
