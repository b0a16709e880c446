"""POST /dispose through the real handler, with API Gateway's event shape, against the emulator over HTTP."""

import dataclasses
import json
import time

import pytest

from disposer.codeartifact.client import CodeArtifactClient
from tests.integration.harness import ApiResponse, calls, control, disposed, invoke_api, statuses
from tests.integration.seeds import BUILDS, UI_KIT


def dispose(context, body) -> ApiResponse:
    return invoke_api(context, "POST", "/dispose", body)


def revision(client, coordinates, version):
    return client.describe_package_version(**coordinates, packageVersion=version)["packageVersion"]["revision"]


def test_dispose_named_versions_disposes_them_and_keeps_the_rest(lambda_context, emulator, client):
    # GIVEN two published versions of a package with ten
    # WHEN the caller disposes them
    response = dispose(lambda_context, {**UI_KIT, "versions": ["1.0.0", "1.1.0"]})
    # THEN both are reported Disposed, with their revisions, and only they changed
    assert response.status == 200
    assert response.body["failedVersions"] == {}
    assert response.body["dryRun"] is False
    assert {v: s["status"] for v, s in response.body["successfulVersions"].items()} == {
        "1.0.0": "Disposed",
        "1.1.0": "Disposed",
    }
    assert response.body["successfulVersions"]["1.0.0"]["revision"] == revision(client, UI_KIT, "1.0.0")
    after = statuses(client, UI_KIT)
    assert {v for v, s in after.items() if s == "Disposed"} == {"1.0.0", "1.1.0"}
    assets = client.list_package_version_assets(**UI_KIT, packageVersion="1.0.0")["assets"]
    assert assets == []


def test_dispose_dry_run_reports_outcomes_and_writes_nothing(lambda_context, emulator, client):
    # GIVEN a stale revision for one version and a version that does not exist
    before = statuses(client, UI_KIT)
    body = {
        **UI_KIT,
        "versions": ["1.2.0", "1.3.0", "7.7.7", "0.9.0"],
        "versionRevisions": {"1.3.0": "stale"},
        "expectedStatus": "Published",
        "dryRun": True,
    }
    # WHEN the caller asks for a dry run
    control(emulator, "reset-stats", {})
    response = dispose(lambda_context, body)
    # THEN each version gets the outcome CodeArtifactClient would give, and nothing was written
    assert response.status == 200
    assert response.body["dryRun"] is True
    assert response.body["successfulVersions"] == {
        "1.2.0": {"revision": revision(client, UI_KIT, "1.2.0"), "status": "Published"}
    }
    failed = response.body["failedVersions"]
    assert {v: f["errorCode"] for v, f in failed.items()} == {
        "1.3.0": "MISMATCHED_REVISION",
        "7.7.7": "NOT_FOUND",
        "0.9.0": "MISMATCHED_STATUS",
    }
    assert failed["0.9.0"]["errorMessage"] == "current status: Archived, expected status: Published"
    assert statuses(client, UI_KIT) == before
    assert "DisposePackageVersions" not in calls(emulator)


def test_dispose_mixed_failures_retries_skipped_versions_without_the_failed(lambda_context, emulator, client):
    # GIVEN one good version batched with a missing one, a stale revision and a wrong status
    body = {
        **UI_KIT,
        "versions": ["1.4.0", "9.9.9", "1.5.0", "0.8.0", "1.6.0"],
        "versionRevisions": {"1.5.0": "stale-revision"},
        "expectedStatus": "Published",
    }
    control(emulator, "reset-stats", {})
    # WHEN the caller disposes them
    response = dispose(lambda_context, body)
    # THEN the good ones are disposed despite CodeArtifactClient's all-or-nothing answer, the others say why
    assert response.status == 200
    assert set(response.body["successfulVersions"]) == {"1.4.0", "1.6.0"}
    assert {v: f["errorCode"] for v, f in response.body["failedVersions"].items()} == {
        "9.9.9": "NOT_FOUND",
        "1.5.0": "MISMATCHED_REVISION",
        "0.8.0": "MISMATCHED_STATUS",
    }
    after = statuses(client, UI_KIT)
    assert (after["1.4.0"], after["1.6.0"], after["1.5.0"], after["0.8.0"]) == (
        "Disposed",
        "Disposed",
        "Published",
        "Unlisted",
    )
    # one all-or-nothing call answered SKIPPED for the good ones, one retry disposed them
    assert calls(emulator)["DisposePackageVersions"] == 2


def test_dispose_already_disposed_version_not_allowed_reported_per_version(lambda_context, monkeypatch):
    # GIVEN an emulator configured to refuse re-disposal (the real service's answer there is unverified)
    from local.emulator import start_emulator
    from tests.integration.seeds import API_SEED

    with start_emulator(seed=API_SEED, redispose_not_allowed=True) as running:
        monkeypatch.setenv("AWS_ENDPOINT_URL_CODEARTIFACT", running.url)
        dispose(lambda_context, {**UI_KIT, "versions": ["1.0.0"]})
        # WHEN the same version is disposed again alongside a fresh one
        response = dispose(lambda_context, {**UI_KIT, "versions": ["1.0.0", "1.1.0"]})
    # THEN the refusal is per version and the fresh one is still disposed
    assert response.status == 200
    assert response.body["failedVersions"]["1.0.0"]["errorCode"] == "NOT_ALLOWED"
    assert response.body["successfulVersions"]["1.1.0"]["status"] == "Disposed"


def test_dispose_more_than_100_versions_chunked_by_100_and_merged(lambda_context, emulator, client):
    # GIVEN 250 versions of one package
    versions = [f"build-{i:04d}" for i in range(250)]
    control(emulator, "reset-stats", {})
    # WHEN all are disposed in one request
    response = dispose(lambda_context, {**BUILDS, "versions": versions})
    # THEN three AWS calls of at most 100 dispose them all, and one response reports all 250
    assert response.status == 200
    assert len(response.body["successfulVersions"]) == 250
    assert calls(emulator)["DisposePackageVersions"] == 3
    assert set(statuses(client, BUILDS).values()) == {"Disposed"}


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        ("AccessDeniedException", 403, "AccessDeniedException"),
        ("ResourceNotFoundException", 404, "ResourceNotFoundException"),
        ("ConflictException", 409, "ConflictException"),
        ("ThrottlingException", 429, "ThrottlingException"),
        ("InternalServerException", 502, "InternalServerException"),
        ("ValidationException", 400, "ValidationException"),
    ],
)
def test_dispose_aws_exception_mapped_to_http_status(lambda_context, emulator, client, error, status, code):
    # GIVEN CodeArtifactClient answers every attempt of the first dispose call with an exception
    control(
        emulator,
        "inject",
        {"operation": "DisposePackageVersions", "error": error, "count": 2, "retryAfterSeconds": 7},
    )
    # WHEN the caller disposes
    response = dispose(lambda_context, {**UI_KIT, "versions": ["1.0.0"]})
    # THEN the contract's status and error body come back, and nothing changed
    assert response.status == status
    assert response.body["error"]["code"] == code
    assert response.body["error"]["message"]
    if error == "ThrottlingException":
        assert response.headers["Retry-After"] == "7"
    assert statuses(client, UI_KIT)["1.0.0"] == "Published"


def test_dispose_missing_package_is_404_naming_it(lambda_context, emulator):
    response = dispose(lambda_context, {**UI_KIT, "package": "no-such-package", "versions": ["1.0.0"]})
    assert response.status == 404
    assert "no-such-package" in response.body["error"]["message"]


def test_dispose_failure_after_first_chunk_reports_rest_failed_not_lost(lambda_context, emulator, client, monkeypatch):
    # GIVEN CodeArtifactClient starts throttling every attempt once the first call has succeeded

    original = CodeArtifactClient.dispose

    def then_throttle(self, ref, versions, **kwargs):
        outcome = original(self, ref, versions, **kwargs)
        control(emulator, "inject", {"operation": "DisposePackageVersions", "error": "ThrottlingException", "count": 9})
        return outcome

    monkeypatch.setattr(CodeArtifactClient, "dispose", then_throttle)
    versions = [f"build-{i:04d}" for i in range(150)]
    # WHEN 150 versions are disposed
    response_first = dispose(lambda_context, {**BUILDS, "versions": versions})
    # THEN the first 100 are reported disposed and the other 50 failed with the AWS code: a 200, not an error
    assert response_first.status == 200
    assert len(response_first.body["successfulVersions"]) == 100
    failed = response_first.body["failedVersions"]
    assert len(failed) == 50
    assert {f["errorCode"] for f in failed.values()} == {"ThrottlingException"}
    after = statuses(client, BUILDS)
    assert sum(s == "Disposed" for s in after.values()) == 100


def test_dispose_audit_record_per_version_with_caller_and_correlation_id(lambda_context, emulator, printed):
    # GIVEN an IAM-signed request from a known caller
    # WHEN two versions are disposed
    dispose(lambda_context, {**UI_KIT, "versions": ["1.0.0", "7.7.7"]})
    # THEN one audit record per version names the caller, the request id, the version and its outcome
    records = printed()
    audit = {r["version"]: r for r in records if r.get("audit")}
    assert set(audit) == {"1.0.0", "7.7.7"}
    disposed = audit["1.0.0"]
    assert disposed["caller"] == "arn:aws:sts::111122223333:assumed-role/PlatformOps/jane.doe"
    assert disposed["correlation_id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert disposed["run_id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert (disposed["outcome"], disposed["trigger"], disposed["package"]) == ("disposed", "api", "ui-kit")
    assert (audit["7.7.7"]["outcome"], audit["7.7.7"]["error_code"]) == ("failed", "NOT_FOUND")
    # and the EMF line carries the counts the alarms watch
    emf = next(r for r in records if "_aws" in r and "VersionsDisposed" in r)
    assert (emf["VersionsDisposed"], emf["VersionsFailed"]) == ([1.0], [1.0])
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "CodeArtifactDisposal"


def test_dispose_out_of_scope_repository_refused_before_any_call(lambda_context, emulator, monkeypatch):
    # GIVEN a deployment scoped to the snapshots repositories
    monkeypatch.setenv("DISPOSER_DOMAIN", "acme")
    monkeypatch.setenv("DISPOSER_REPOSITORIES", "snapshots-*")
    control(emulator, "reset-stats", {})
    # WHEN a caller targets releases
    response = dispose(lambda_context, {**UI_KIT, "versions": ["1.0.0"]})
    # THEN it is refused with 403 and CodeArtifactClient was never called
    assert response.status == 403
    assert response.body["error"]["code"] == "OutOfScope"
    assert calls(emulator) == {}


def test_openapi_document_served_and_matches_checked_in_copy(lambda_context):
    from pathlib import Path

    response = invoke_api(lambda_context, "GET", "/openapi.json", None)
    assert response.status == 200
    assert "/dispose" in response.body["paths"]
    checked_in = json.loads((Path(__file__).parents[2] / "docs" / "openapi.json").read_text())
    assert response.body == checked_in, "docs/openapi.json is stale: run `make openapi`"


def test_unknown_route_is_404_in_contract_shape(lambda_context):
    response = invoke_api(lambda_context, "POST", "/nothing-here", "{}")
    assert response.status == 404
    assert response.body["error"]["code"] == "NotFound"


def test_dispose_with_too_little_time_left_sends_nothing_and_answers_at_once(
    lambda_context, emulator, client, monkeypatch
):
    # GIVEN a request that arrives with 3 s of the function left: its budget is 2 s, from its arrival, less
    # than a write attempt may take (connect and read timeouts)
    control(emulator, "faults", {"latencyMs": 40})
    context = dataclasses.replace(lambda_context, remaining_time_in_millis=3000)
    versions = [f"build-{i:04d}" for i in range(250)]
    started = time.monotonic()
    # WHEN it is sent
    response = invoke_api(context, "POST", "/dispose", {**BUILDS, "versions": versions})
    # THEN it answers within its budget, every version NOT_ATTEMPTED, and nothing was written
    assert response.status == 200 and time.monotonic() - started < 2.0
    failures = response.body["failedVersions"]
    assert set(failures) == set(versions) and {f["errorCode"] for f in failures.values()} == {"NOT_ATTEMPTED"}
    assert "may take" in next(iter(failures.values()))["errorMessage"]
    assert disposed(client, BUILDS) == set()


@pytest.mark.slow
@pytest.mark.parametrize("seconds_per_call", [11, 14])
def test_dispose_against_a_slow_codeartifact_answers_before_27_s_and_writes_nothing_after(
    lambda_context, emulator, client, seconds_per_call: int
):
    # GIVEN CodeArtifact taking 11 or 14 s a call, and 300 versions (three calls of 100)
    control(emulator, "faults", {"latencyMs": seconds_per_call * 1000})
    versions = [f"build-{i:04d}" for i in range(300)]
    started = time.monotonic()
    # WHEN disposed, with the API's whole budget
    response = invoke_api(lambda_context, "POST", "/dispose", {**BUILDS, "versions": versions})
    answered = time.monotonic() - started
    # THEN the answer comes before 27 s (API Gateway gives up at 29): a write starts only if its longest
    # possible duration fits what is left
    assert response.status == 200 and answered < 27.0
    disposed_now = set(response.body["successfulVersions"])
    failures = response.body["failedVersions"]
    assert len(disposed_now) == 100 and {f["errorCode"] for f in failures.values()} == {"NOT_ATTEMPTED"}
    # AND nothing is written after the answer: once any call still in flight would have landed, CodeArtifact
    # holds what the answer said
    control(emulator, "faults", {"latencyMs": 0})
    time.sleep(seconds_per_call + 1)
    assert disposed(client, BUILDS) == disposed_now


@pytest.mark.slow
@pytest.mark.parametrize("seconds_per_call", [11, 14])
def test_apply_against_a_slow_codeartifact_answers_before_27_s_and_writes_nothing_after(
    lambda_context, emulator, client, seconds_per_call: int
):
    # GIVEN CodeArtifact taking 11 or 14 s a call, and a policy over the builds package
    control(emulator, "faults", {"latencyMs": seconds_per_call * 1000})
    coordinates = {key: BUILDS[key] for key in ("domain", "repository", "format", "namespace", "package")}
    policy = {"name": "prune-builds", **coordinates, "select": {"versionPattern": ".*"}}
    started = time.monotonic()
    # WHEN applied through the API
    response = invoke_api(lambda_context, "POST", "/apply", policy)
    answered = time.monotonic() - started
    # THEN it answers before 27 s (its reads wait at most 5 s, and none starts unless it fits), the unread
    # package named in its report, and once any call in flight would have landed, nothing was disposed
    assert answered < 27.0
    report = response.body.get("report", response.body)
    assert report["errors"] and "disposed" not in report["outcomes"]
    control(emulator, "faults", {"latencyMs": 0})
    time.sleep(seconds_per_call + 1)
    assert disposed(client, BUILDS) == set()
