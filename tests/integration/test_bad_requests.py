"""Bad input: every malformed /dispose request gets 400/422 naming what is wrong, and disposes nothing."""

import base64
import json
from typing import Any

import pytest

from tests.integration.harness import calls, invoke_api, statuses
from tests.integration.seeds import UI_KIT

GOOD: dict[str, Any] = {**UI_KIT, "versions": ["1.0.0"]}


def _without(field: str) -> dict[str, Any]:
    return {k: v for k, v in GOOD.items() if k != field}


BAD_REQUESTS: list[tuple[str, Any, int, str]] = [
    ("missing domain", _without("domain"), 422, "domain"),
    ("missing repository", _without("repository"), 422, "repository"),
    ("missing package", _without("package"), 422, "package"),
    ("missing versions", _without("versions"), 422, "versions"),
    ("missing format", _without("format"), 422, "format"),
    ("domain pattern", {**GOOD, "domain": "Acme_Corp"}, 422, "domain"),
    ("owner pattern", {**GOOD, "domainOwner": "12345"}, 422, "domainOwner"),
    ("repository pattern", {**GOOD, "repository": "_releases"}, 422, "repository"),
    ("package with slash", {**GOOD, "package": "@acme/ui-kit"}, 422, "package"),
    ("version with space", {**GOOD, "versions": ["1.0.0 beta"]}, 422, "versions[0]"),
    ("unknown format", {**GOOD, "format": "docker"}, 422, "format"),
    ("unknown status", {**GOOD, "expectedStatus": "Retired"}, 422, "expectedStatus"),
    ("empty versions", {**GOOD, "versions": []}, 422, "versions"),
    ("oversized versions", {**GOOD, "versions": [f"v{i}" for i in range(1001)]}, 422, "versions"),
    ("duplicate versions", {**GOOD, "versions": ["1.0.0", "1.0.0"]}, 422, "versions"),
    ("versions as string", {**GOOD, "versions": "1.0.0"}, 422, "versions"),
    ("dryRun as string", {**GOOD, "dryRun": "false"}, 422, "dryRun"),
    ("revision for unlisted version", {**GOOD, "versionRevisions": {"2.0.0": "r"}}, 422, "versionRevisions"),
    ("empty revision", {**GOOD, "versionRevisions": {"1.0.0": ""}}, 422, "versionRevisions.1.0.0"),
    ("unknown field", {**GOOD, "version": "1.0.0"}, 422, "version"),
    ("namespace on pypi", {**GOOD, "format": "pypi", "namespace": "acme"}, 422, "namespace"),
    ("no namespace on maven", {**_without("namespace"), "format": "maven"}, 422, "namespace"),
    ("body is a list", json.dumps([GOOD]), 422, "body"),
    ("body is not JSON", "{'domain': 'acme'", 400, "JSON"),
    ("empty body", None, 422, "body"),
    ("blank body", "  ", 400, "JSON"),
    ("body is a string", '"dispose everything"', 422, "body"),
    ("oversized body", json.dumps({**GOOD, "padding": "x" * 1_100_000}), 400, "limit"),
    ("duplicate key", json.dumps(GOOD)[:-1] + ', "dryRun": true, "dryRun": false}', 400, "dryRun"),
    ("deeply nested", '{"a":' * 5000 + "1" + "}" * 5000, 400, "JSON"),
    ("lone surrogate", json.dumps({**GOOD, "package": "\ud800"}), 400, "UTF-8"),
    ("snake_case alias", {**GOOD, "dry_run": True}, 422, "dry_run"),
]


@pytest.mark.parametrize(("case", "body", "status", "names"), BAD_REQUESTS, ids=[c[0] for c in BAD_REQUESTS])
def test_dispose_bad_request_rejected_naming_field_and_disposes_nothing(
    lambda_context, emulator, client, case, body, status, names
):
    # GIVEN a package with published versions
    before = statuses(client, UI_KIT)
    # WHEN a malformed request arrives
    response = invoke_api(lambda_context, "POST", "/dispose", body)
    # THEN it is refused with a contract error that names the problem
    assert response.status == status, response.body
    error = response.body["error"]
    assert error["code"] in {"ValidationError", "InvalidJson", "InvalidBody", "RequestTooLarge", "DuplicateField"}
    assert names in error["message"]
    if status == 422:
        assert names in {detail["field"] for detail in error["details"]}
    # AND nothing was disposed, nor even asked of CodeArtifact
    assert statuses(client, UI_KIT) == before
    assert "DisposePackageVersions" not in calls(emulator)


def test_dispose_base64_body_that_is_not_utf8_rejected(lambda_context, emulator):
    from disposer.handler import lambda_handler
    from tests.support import load_event

    event = load_event("api_dispose.json")
    event["body"] = base64.b64encode(b"\xff\xfe\x00garbage").decode()
    event["isBase64Encoded"] = True
    response = lambda_handler(event, lambda_context)
    assert int(response["statusCode"]) == 400
    assert json.loads(response["body"])["error"]["code"] == "InvalidBody"
    assert calls(emulator) == {}


@pytest.mark.parametrize(
    ("change", "code", "names"),
    [
        ({"queryStringParameters": {"dryRun": "true"}}, "UnexpectedParameter", "dryRun"),
        ({"headers": {"Content-Type": "text/plain"}}, "UnsupportedContentType", "text/plain"),
        ({"headers": {"content-type": "application/x-www-form-urlencoded"}}, "UnsupportedContentType", "form"),
    ],
)
def test_dispose_request_shape_outside_contract_rejected(lambda_context, emulator, client, change, code, names):
    # GIVEN a well-formed body sent with a query string or another content type
    from disposer.handler import lambda_handler
    from tests.support import load_event

    event = load_event("api_dispose.json")
    event["body"] = json.dumps(GOOD)
    event.update(change)
    # WHEN it arrives
    response = lambda_handler(event, lambda_context)
    # THEN it is refused in the contract shape, and nothing is disposed
    assert int(response["statusCode"]) == 400
    error = json.loads(response["body"])["error"]
    assert (error["code"], names in error["message"]) == (code, True)
    assert statuses(client, UI_KIT)["1.0.0"] == "Published"


def test_dispose_json_content_type_with_charset_accepted(lambda_context, emulator):
    from disposer.handler import lambda_handler
    from tests.support import load_event

    event = load_event("api_dispose.json")
    event["body"] = json.dumps({**GOOD, "dryRun": True})
    event["headers"] = {"content-type": "Application/JSON; charset=utf-8"}
    assert int(lambda_handler(event, lambda_context)["statusCode"]) == 200
