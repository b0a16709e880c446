"""DisposeApi: routes, IAM auth, request validation, error-contract gateway responses, stage settings."""

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.api import BAD_BODY_MESSAGE, GATEWAY_ERRORS
from infra.constants import API_STAGE_NAME
from tests.infra.cdk_testkit import flat, only_resource

OPENAPI = Path(__file__).parents[2] / "docs" / "openapi.json"
EXPECTED_ROUTES = {
    ("POST", "dispose"),
    ("POST", "plan"),
    ("POST", "apply"),
    ("POST", "holds"),
    ("GET", "holds"),
    ("DELETE", "holds/{holdId}"),
    ("DELETE", "holds/{holdId}/override"),
    ("GET", "runs"),
    ("GET", "runs/{runId}"),
    ("POST", "runs/{runId}/approve"),
    ("POST", "runs/{runId}/reject"),
    ("POST", "usage"),
    ("GET", "openapi.json"),
}
# Sample values API Gateway substitutes, with quotes wherever a real value can have them:
# messageString arrives quoted and escaped by API Gateway, validationErrorString raw (it quotes the
# schema's allowed types), every other variable is an id, a name, a number or an ARN.
CONTEXT_SAMPLES = {
    "$context.error.messageString": json.dumps('Invalid "x" token'),
    "$context.error.validationErrorString": (
        '[instance type (string) does not match any allowed primitive type (allowed: ["object"])]'
    ),
    "$context.error.responseType": "RESOURCE_NOT_FOUND",
}


def _render(template_text: str) -> Any:
    """Substitute $context variables the way API Gateway does and parse the result as JSON."""
    text = re.sub(r"\$context\.[A-Za-z.]+", lambda match: CONTEXT_SAMPLES.get(match[0], "sample"), template_text)
    return json.loads(text)


def _methods(template: Template) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in template.find_resources("AWS::ApiGateway::Method").items()
    }


def _path(resources: Mapping[str, Mapping[str, Any]], resource_id: str) -> str:
    """A resource's full path below the API's root (a parent given by Ref is a resource of ours)."""
    properties = resources[resource_id]["Properties"]
    parent = properties["ParentId"]
    prefix = _path(resources, parent["Ref"]) + "/" if isinstance(parent, dict) and "Ref" in parent else ""
    return prefix + str(properties["PathPart"])


def _routes(template: Template) -> set[tuple[str, str]]:
    resources = template.find_resources("AWS::ApiGateway::Resource")
    return {
        (method["HttpMethod"], _path(resources, method["ResourceId"]["Ref"])) for method in _methods(template).values()
    }


def test_api_methods_cover_exactly_the_contract_routes(template: Template):
    # GIVEN the synthesized API / WHEN its methods are listed / THEN they are the contract's routes
    assert _routes(template) == EXPECTED_ROUTES


def test_api_gateway_serves_every_route_the_function_answers():
    # GIVEN the routes of the function's OpenAPI document (what the Lambda answers) / THEN the gateway has a
    # method for each and no other: a route missing here would answer 403 before reaching the function
    document = json.loads(OPENAPI.read_text())
    answered = {
        (method.upper(), re.sub(r"\{[^}]+\}", "{}", path.lstrip("/")))
        for path, methods in document["paths"].items()
        for method in methods
    }
    assert answered == {(method, re.sub(r"\{[^}]+\}", "{}", path)) for method, path in EXPECTED_ROUTES}


def test_api_every_method_uses_aws_iam_and_lambda_proxy(template: Template):
    # GIVEN / WHEN each method is read
    for logical_id, method in _methods(template).items():
        # THEN SigV4 is required and the integration is the Lambda proxy
        assert method["AuthorizationType"] == "AWS_IAM", logical_id
        assert method["Integration"]["Type"] == "AWS_PROXY", logical_id
        assert method["Integration"]["IntegrationHttpMethod"] == "POST", logical_id


def test_api_hold_override_is_a_method_of_its_own_resource_with_iam_auth(template: Template):
    # GIVEN the two ways to remove a hold
    resources = template.find_resources("AWS::ApiGateway::Resource")
    by_route = {(m["HttpMethod"], _path(resources, m["ResourceId"]["Ref"])): m for m in _methods(template).values()}
    own, override = by_route[("DELETE", "holds/{holdId}")], by_route[("DELETE", "holds/{holdId}/override")]
    # THEN the override is a resource of its own below the hold (its own execute-api ARN to grant or deny),
    # SigV4-authorized like every other method
    assert own["ResourceId"] != override["ResourceId"]
    assert resources[override["ResourceId"]["Ref"]]["Properties"]["ParentId"] == own["ResourceId"]
    assert override["AuthorizationType"] == "AWS_IAM"


def test_api_request_validator_validates_body_on_every_method(template: Template):
    # GIVEN the API's only request validator
    validator_id, validator = only_resource(template, "AWS::ApiGateway::RequestValidator")

    # WHEN / THEN it validates bodies (and parameters) and every method uses it
    assert validator["Properties"]["ValidateRequestBody"] is True
    assert validator["Properties"]["ValidateRequestParameters"] is True
    for method in _methods(template).values():
        assert method["RequestValidatorId"] == {"Ref": validator_id}


def test_api_methods_declare_exactly_the_query_parameters_the_function_reads(template: Template):
    # GIVEN the query-string parameters each route of the function's OpenAPI document reads (all optional)
    document = json.loads(OPENAPI.read_text())
    reads = {
        (method.upper(), re.sub(r"\{[^}]+\}", "{}", path.lstrip("/"))): {
            p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
        }
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }
    # WHEN each gateway method is read / THEN it declares those, optional, and no header
    resources = template.find_resources("AWS::ApiGateway::Resource")
    for logical_id, method in _methods(template).items():
        route = (method["HttpMethod"], re.sub(r"\{[^}]+\}", "{}", _path(resources, method["ResourceId"]["Ref"])))
        expected = {f"method.request.querystring.{name}": False for name in reads[route]}
        assert method["RequestParameters"] == expected, logical_id


def test_api_post_bodies_require_a_json_object_and_nothing_more(template: Template):
    # GIVEN the API's only model
    model_id, model = only_resource(template, "AWS::ApiGateway::Model")

    # WHEN / THEN its schema requires an object and leaves every field rule to the Lambda
    schema = model["Properties"]["Schema"]
    assert schema["type"] == "object"
    assert set(schema) <= {"$schema", "title", "type"}
    for method in _methods(template).values():
        if method["HttpMethod"] == "POST":
            assert method["RequestModels"] == {"application/json": {"Ref": model_id}}
        else:
            assert "RequestModels" not in method


@pytest.mark.parametrize(
    ("response_type", "status_code", "code"),
    [
        ("BAD_REQUEST_BODY", "400", "InvalidBody"),
        ("ACCESS_DENIED", "403", "AccessDenied"),
        ("MISSING_AUTHENTICATION_TOKEN", "403", "MissingAuthenticationToken"),
        ("THROTTLED", "429", "Throttled"),
        # API Gateway's specific response type, here as substituted by _render
        ("DEFAULT_4XX", None, "RESOURCE_NOT_FOUND"),
        ("DEFAULT_5XX", None, "RESOURCE_NOT_FOUND"),
    ],
)
def test_api_gateway_response_renders_error_contract(
    template: Template, response_type: str, status_code: str | None, code: str
):
    # GIVEN the gateway response of one type
    responses = [
        resource["Properties"]
        for resource in template.find_resources("AWS::ApiGateway::GatewayResponse").values()
        if resource["Properties"]["ResponseType"] == response_type
    ]
    assert len(responses) == 1
    response = responses[0]

    # WHEN API Gateway substitutes its variables into the JSON template
    body = _render(response["ResponseTemplates"]["application/json"])

    # THEN the body is our error contract, with the status kept or set as designed
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert response.get("StatusCode") == status_code


def test_api_gateway_responses_every_template_valid_json_with_quoted_values(template: Template):
    # GIVEN every gateway response template
    responses = template.find_resources("AWS::ApiGateway::GatewayResponse").values()
    templates = [response["Properties"]["ResponseTemplates"]["application/json"] for response in responses]

    # WHEN each is filled with sample values that contain quotes / THEN each parses as JSON
    assert len(templates) == len(GATEWAY_ERRORS)
    for template_text in templates:
        assert set(_render(template_text)["error"]) == {"code", "message"}, template_text


def test_api_gateway_responses_bad_body_fixed_message_and_throttle_retry_after(template: Template):
    # GIVEN / WHEN the gateway responses are read
    # THEN a bad body gets a fixed message (the raw validation string would break the JSON), and
    # throttling says when to retry
    (response,) = [
        resource["Properties"]
        for resource in template.find_resources("AWS::ApiGateway::GatewayResponse").values()
        if resource["Properties"]["ResponseType"] == "BAD_REQUEST_BODY"
    ]
    body = _render(response["ResponseTemplates"]["application/json"])
    assert body == {"error": {"code": "InvalidBody", "message": BAD_BODY_MESSAGE}}
    assert "validationErrorString" not in response["ResponseTemplates"]["application/json"]
    (throttled,) = [
        resource["Properties"]
        for resource in template.find_resources("AWS::ApiGateway::GatewayResponse").values()
        if resource["Properties"]["ResponseType"] == "THROTTLED"
    ]
    assert throttled["ResponseParameters"] == {"gatewayresponse.header.Retry-After": "'1'"}
    assert len(template.find_resources("AWS::ApiGateway::GatewayResponse")) == len(GATEWAY_ERRORS) == 6


def test_api_stage_throttled_traced_and_logged(template: Template):
    # GIVEN the deployment stage
    stage = only_resource(template, "AWS::ApiGateway::Stage")[1]["Properties"]

    # WHEN / THEN rate and burst come from config, X-Ray is on, errors are logged
    assert stage["StageName"] == API_STAGE_NAME
    assert stage["TracingEnabled"] is True
    (settings,) = stage["MethodSettings"]
    assert settings["HttpMethod"] == "*"
    assert settings["ResourcePath"] == "/*"
    assert settings["ThrottlingRateLimit"] == 10
    assert settings["ThrottlingBurstLimit"] == 20
    assert settings["LoggingLevel"] == "ERROR"
    assert settings["DataTraceEnabled"] is False


def test_api_access_logs_are_json_in_a_retained_log_group(template: Template):
    # GIVEN the stage's access log setting
    stage = only_resource(template, "AWS::ApiGateway::Stage")[1]["Properties"]
    access_log = stage["AccessLogSetting"]
    # The destination is the log group's ARN without the trailing ":*" (built from its Ref).
    (log_group_id,) = re.findall(r"<([A-Za-z0-9]+)>$", flat(access_log["DestinationArn"]))

    # WHEN a log line is rendered
    record = _render(access_log["Format"])

    # THEN it is one JSON object naming the request, the caller and the error, in a log group with retention
    assert {"requestId", "httpMethod", "resourcePath", "status", "userArn", "errorMessage"} <= set(record)
    assert record["errorMessage"] == 'Invalid "x" token'
    log_group = template.to_json()["Resources"][log_group_id]
    assert log_group["Properties"]["RetentionInDays"] == 30


def test_api_execution_log_group_owned_with_retention(template: Template):
    # GIVEN the log group API Gateway writes execution logs to
    log_groups = [
        resource["Properties"]
        for resource in template.find_resources("AWS::Logs::LogGroup").values()
        if isinstance(resource["Properties"].get("LogGroupName"), dict)
    ]

    # WHEN / THEN the stack creates it first, under API Gateway's name (with the API's id), with retention
    (execution,) = log_groups
    name = execution["LogGroupName"]["Fn::Join"][1]
    assert name[0] == "API-Gateway-Execution-Logs_"
    assert name[-1] == f"/{API_STAGE_NAME}"
    assert execution["RetentionInDays"] == 30


def test_api_cloudwatch_role_created_unless_disabled(template: Template, variant_template: Template):
    # GIVEN the default config and one with apiGatewayCloudWatchRole false
    # WHEN / THEN only the first sets the account-level API Gateway logging role
    assert len(template.find_resources("AWS::ApiGateway::Account")) == 1
    assert variant_template.find_resources("AWS::ApiGateway::Account") == {}
