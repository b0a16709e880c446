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
    ("body is a list", json.dumps([GOOD]), 400, "body"),
    ("body is null", "null", 400, "body"),
    ("body is a number", "42", 400, "body"),
    ("body is not JSON", "{'domain': 'acme'", 400, "JSON"),
    ("empty body", None, 422, "body"),
    ("blank body", "  ", 400, "JSON"),
    ("body is a string", '"dispose everything"', 400, "body"),
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


def _event(**changes: Any) -> dict[str, Any]:
    from tests.support import load_event

    event = load_event("api_dispose.json")
    event["body"] = json.dumps(GOOD)
    event.update(changes)
    return event


MALFORMED_EVENTS: list[tuple[str, dict[str, Any]]] = [
    ("isBase64Encoded not a boolean", _event(isBase64Encoded="yes")),
    ("requestContext not an object", _event(requestContext="prod")),
    ("identity not an object", _event(requestContext={"identity": ["a"]})),
    ("no httpMethod", {k: v for k, v in _event().items() if k != "httpMethod"}),
    ("no path", {k: v for k, v in _event().items() if k != "path"}),
    ("httpMethod not a string", _event(httpMethod=7)),
    ("headers not an object", _event(headers=["Content-Type"])),
    ("header value not a string", _event(headers={"Content-Type": 1})),
    ("multiValueHeaders not lists", _event(multiValueHeaders={"Content-Type": "application/json"})),
    ("body not a string", _event(body={"domain": "acme"})),
    ("an empty event", {"httpMethod": "POST"}),
]


@pytest.mark.parametrize(("case", "event"), MALFORMED_EVENTS, ids=[c[0] for c in MALFORMED_EVENTS])
def test_malformed_event_answered_400_not_raised(lambda_context, emulator, client, case, event):
    from disposer.handler import lambda_handler

    # WHEN an event that API Gateway would never send reaches the handler (a direct invocation)
    response = lambda_handler(event, lambda_context)
    # THEN it is answered 400 in the contract shape, and nothing is disposed
    assert int(response["statusCode"]) == 400, response
    assert json.loads(response["body"])["error"]["code"] == "InvalidEvent"
    assert statuses(client, UI_KIT)["1.0.0"] == "Published"


@pytest.mark.parametrize("method", ["post", "Post", "pOST"])
def test_prechecks_apply_whatever_the_methods_case(lambda_context, emulator, client, method):
    from disposer.handler import lambda_handler

    # GIVEN a body whose duplicated dryRun would be read as false by a lenient parser
    body = json.dumps(GOOD)[:-1] + ', "dryRun": true, "dryRun": false}'
    # WHEN it is sent with the method in another case (routing ignores the case)
    response = lambda_handler(_event(httpMethod=method, body=body), lambda_context)
    # THEN the pre-checks still refuse it, and nothing is disposed
    assert int(response["statusCode"]) == 400
    assert json.loads(response["body"])["error"]["code"] == "DuplicateField"
    assert statuses(client, UI_KIT)["1.0.0"] == "Published"
    assert "DisposePackageVersions" not in calls(emulator)


def test_lowercase_method_still_routed(lambda_context, emulator, client):
    from disposer.handler import lambda_handler

    response = lambda_handler(_event(httpMethod="post", body=json.dumps({**GOOD, "dryRun": True})), lambda_context)
    assert int(response["statusCode"]) == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/\udc80"), ("POST", "/dispose\ud800"), ("DELETE", "/holds/\udc80"), ("GET\udc80", "/plan")],
    ids=["root", "after-route", "hold-id", "method"],
)
def test_unknown_route_with_lone_surrogate_answers_404_with_it_escaped(lambda_context, emulator, method, path):
    # GIVEN a request whose path (or method) holds a lone surrogate, which no UTF-8 body can carry as is
    from disposer.handler import lambda_handler
    from local.events import api_gateway_event

    event = api_gateway_event(method, path)
    # WHEN it reaches the real handler
    response = lambda_handler(event, lambda_context)
    # THEN it is a 404 in the contract shape naming the route asked for, escaped; never a 500 or an exception
    assert int(response["statusCode"]) == 404
    error = json.loads(response["body"])["error"]
    assert error["code"] == "NotFound"
    assert error["message"] == f"no route for {method} {path}".encode("utf-8", "backslashreplace").decode()
    assert calls(emulator) == {}
