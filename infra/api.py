"""DisposeApi: the IAM-authorized REST API in front of the disposer Lambda (proxy integration)."""

import json
from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.config import DisposerConfig
from infra.constants import API_STAGE_NAME, SERVICE_NAME

# (HTTP method, path) of every route; POST bodies are JSON objects.
ROUTES: tuple[tuple[str, str], ...] = (
    ("POST", "dispose"),
    ("POST", "plan"),
    ("POST", "apply"),
    ("POST", "holds"),
    ("GET", "holds"),
    ("DELETE", "holds/{holdId}"),
    # Its own resource, so a deployment grants removing anyone's hold (execute-api:Invoke on it) apart.
    ("DELETE", "holds/{holdId}/override"),
    ("GET", "runs"),
    ("GET", "runs/{runId}"),
    ("POST", "runs/{runId}/approve"),
    ("POST", "runs/{runId}/reject"),
    ("POST", "usage"),
    ("GET", "openapi.json"),
)
# The only query-string parameters any route reads: GET /holds and GET /runs filter and page by them (all optional).
QUERY_PARAMETERS: Mapping[str, tuple[str, ...]] = {
    "GET holds": ("repository", "package", "limit", "nextToken"),
    "GET runs": ("status", "limit", "nextToken"),
}

# Deliberately minimal: API Gateway only rejects bodies that are not a JSON object; the Lambda's
# pydantic models own every field rule, so the two validators can never disagree.
JSON_OBJECT_SCHEMA = apigw.JsonSchema(
    schema=apigw.JsonSchemaVersion.DRAFT4,
    title="JsonObjectBody",
    type=apigw.JsonSchemaType.OBJECT,
)


@dataclass(frozen=True)
class GatewayError:
    """How one API Gateway-generated error is reshaped into the service's error body."""

    code: str
    message: str
    status_code: str | None = None
    headers: Mapping[str, str] | None = None


# Keyed by API Gateway response type; codes are PascalCase like the function's own ("InvalidBody" is
# what it answers for an undecodable body too). Gateway responses are not VTL, only $context
# substitution: `messageString` is already a quoted, escaped JSON string; `validationErrorString` is
# inserted raw and quotes schema values (`["object"]`), so it would break the JSON. The body model
# checks one thing only, so a fixed message says all that validation can report.
BAD_BODY_MESSAGE = "request body must be a JSON object"
GATEWAY_ERRORS: Mapping[str, GatewayError] = {
    "BAD_REQUEST_BODY": GatewayError(code="InvalidBody", message=json.dumps(BAD_BODY_MESSAGE), status_code="400"),
    "ACCESS_DENIED": GatewayError(code="AccessDenied", message="$context.error.messageString", status_code="403"),
    "MISSING_AUTHENTICATION_TOKEN": GatewayError(
        code="MissingAuthenticationToken", message="$context.error.messageString", status_code="403"
    ),
    "THROTTLED": GatewayError(
        code="Throttled", message="$context.error.messageString", status_code="429", headers={"Retry-After": "'1'"}
    ),
    # The defaults keep API Gateway's status; the code names the specific response type
    # (e.g. UNSUPPORTED_MEDIA_TYPE, INTEGRATION_TIMEOUT) so nothing is lost.
    "DEFAULT_4XX": GatewayError(code="$context.error.responseType", message="$context.error.messageString"),
    "DEFAULT_5XX": GatewayError(code="$context.error.responseType", message="$context.error.messageString"),
}


def error_template(error: GatewayError) -> str:
    """The application/json body of a gateway response: {"error": {"code": ..., "message": ...}}."""
    return f'{{"error": {{"code": "{error.code}", "message": {error.message}}}}}'


# One JSON object per request. Values are JSON fragments: every field is quoted (API Gateway writes
# "-" for a missing number), except `messageString`, which API Gateway quotes and escapes itself.
ACCESS_LOG_FIELDS: Mapping[str, str] = {
    "requestId": '"$context.requestId"',
    "extendedRequestId": '"$context.extendedRequestId"',
    "requestTime": '"$context.requestTime"',
    "httpMethod": '"$context.httpMethod"',
    "resourcePath": '"$context.resourcePath"',
    "status": '"$context.status"',
    "protocol": '"$context.protocol"',
    "responseLength": '"$context.responseLength"',
    "responseLatency": '"$context.responseLatency"',
    "integrationStatus": '"$context.integration.status"',
    "integrationLatency": '"$context.integration.latency"',
    "sourceIp": '"$context.identity.sourceIp"',
    "caller": '"$context.identity.caller"',
    "userArn": '"$context.identity.userArn"',
    "xrayTraceId": '"$context.xrayTraceId"',
    "errorResponseType": '"$context.error.responseType"',
    "errorMessage": "$context.error.messageString",
}
ACCESS_LOG_FORMAT = "{" + ", ".join(f'"{key}": {value}' for key, value in ACCESS_LOG_FIELDS.items()) + "}"


class DisposeApi(Construct):
    """REST API: POST /dispose, /plan, /apply, /holds, GET /holds, DELETE /holds/{holdId} (and its /override)
    and GET /openapi.json, all SigV4 (AWS_IAM) authorized."""

    # Longer than 50 lines: the REST API, its IAM-authorized routes, validation, throttling and access logs,
    # in the order API Gateway wires them.
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: lambda_.IFunction,
        config: DisposerConfig,
        log_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)

        self.access_log_group = logs.LogGroup(
            self, "AccessLogs", retention=config.log_retention, encryption_key=log_key
        )
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=f"{config.stack_name}-api",
            description=f"{SERVICE_NAME}: dispose CodeArtifact package versions, plan and apply retention policies",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # API Gateway logs through one account-wide role per region; see docs/deploy.md.
            cloud_watch_role=config.api_gateway_cloud_watch_role,
            default_method_options=apigw.MethodOptions(authorization_type=apigw.AuthorizationType.IAM),
            deploy_options=apigw.StageOptions(
                stage_name=API_STAGE_NAME,
                throttling_rate_limit=config.api_rate_limit,
                throttling_burst_limit=config.api_burst_limit,
                tracing_enabled=True,
                metrics_enabled=True,
                # Errors only: execution logs at INFO would copy request bodies' metadata for every call.
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                access_log_destination=apigw.LogGroupLogDestination(self.access_log_group),
                access_log_format=apigw.AccessLogFormat.custom(ACCESS_LOG_FORMAT),
            ),
        )

        # API Gateway would create its execution log group itself, with no expiry; owning it first
        # (same name, stage depends on it) gives it the configured retention.
        self.execution_log_group = logs.LogGroup(
            self,
            "ExecutionLogs",
            log_group_name=f"API-Gateway-Execution-Logs_{self.rest_api.rest_api_id}/{API_STAGE_NAME}",
            retention=config.log_retention,
            encryption_key=log_key,
        )
        self.rest_api.deployment_stage.node.add_dependency(self.execution_log_group)

        self.request_validator = self.rest_api.add_request_validator(
            "RequestValidator",
            request_validator_name="body-and-parameters",
            validate_request_body=True,
            validate_request_parameters=True,
        )
        self.body_model = self.rest_api.add_model(
            "JsonObjectBody",
            content_type="application/json",
            model_name="JsonObjectBody",
            schema=JSON_OBJECT_SCHEMA,
        )

        # Test-invoke from the console is not needed; it would add a second permission per method.
        integration = apigw.LambdaIntegration(function, proxy=True, allow_test_invoke=False)
        self.methods: dict[str, apigw.Method] = {}
        for http_method, path in ROUTES:
            resource = self.rest_api.root.resource_for_path(path)
            request_models = {"application/json": self.body_model} if http_method == "POST" else None
            query = QUERY_PARAMETERS.get(f"{http_method} {path}", ())
            self.methods[f"{http_method} /{path}"] = resource.add_method(
                http_method,
                integration,
                authorization_type=apigw.AuthorizationType.IAM,
                request_validator=self.request_validator,
                request_models=request_models,
                # Only GET /holds and GET /runs read the query string (every parameter optional); no method takes a
                # header. API Gateway cannot reject undeclared ones; the function refuses them itself.
                request_parameters={f"method.request.querystring.{name}": False for name in query},
            )

        self.gateway_responses: dict[str, apigw.GatewayResponse] = {}
        for name, error in GATEWAY_ERRORS.items():
            self.gateway_responses[name] = self.rest_api.add_gateway_response(
                name.replace("_", "-"),
                type=apigw.ResponseType.of(name),
                status_code=error.status_code,
                response_headers=dict(error.headers) if error.headers else None,
                templates={"application/json": error_template(error)},
            )
