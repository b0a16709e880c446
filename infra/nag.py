"""Every cdk-nag AwsSolutions acknowledgment of the stack, each on its own construct with its reason."""

import json
from typing import TYPE_CHECKING, Any

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from infra.config import DisposerConfig
from infra.function import DisposerLambda
from infra.permissions import codeartifact_arn

if TYPE_CHECKING:
    from infra.stack import DisposerStack

XRAY_REASON = (
    "Lambda active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no "
    "resource-level permissions (Service Authorization Reference), so Resource must be '*'; both only write "
    "telemetry."
)
PACKAGE_ARN_REASON = (
    "CodeArtifact package ARNs are package/{{domain}}/{{repository}}/{{format}}/{{namespace}}/{{name}}. The trailing * "
    "spans the packages of configured repository '{repository}' in domain '{domain}' only: which packages a "
    "policy run, API call or work message disposes is decided at run time, so no narrower static ARN exists. "
    "The only write action is DisposePackageVersions."
)
REPOSITORY_GLOB_REASON = (
    "The cdk.json 'repositories' entry '{repository}' is a glob the operator chose; it maps unchanged to an IAM "
    "wildcard and stays inside domain '{domain}'. Only the read action ListPackages uses it."
)
RUNTIME_REASON = (
    "Python 3.13 on purpose: the asset's wheels (pydantic-core) are resolved for cp313 and the shipped asset is "
    "import-tested on 3.13 (tests/infra). Moving to a newer runtime is a deliberate change of infra/constants.py."
)
FAILED_RUNS_QUEUE_REASON = (
    "This queue is itself the dead-letter store: the function's on-failure destination for async runs that "
    "failed after Lambda's retries, kept 14 days. No consumer processes it (an operator reads a record and "
    "re-sends its event), so no receive can fail and a redrive queue behind it would never get a message."
)
CLOUDWATCH_ROLE_REASON = (
    "API Gateway's account-level logging role (one per account and region) uses the AWS-managed "
    "AmazonAPIGatewayPushToCloudWatchLogs policy, the documented setup; it grants only log-group/stream writes "
    "for API Gateway itself. Set apiGatewayCloudWatchRole=false when another stack owns that role."
)
WAF_REASON = (
    "Every method requires SigV4 (AWS_IAM): unsigned requests are rejected by API Gateway before any "
    "integration runs, and the stage is throttled. Callers are a few AWS principals (CI, operators); no WAF "
    "managed rule applies to them, so a web ACL would add cost without protection."
)
COGNITO_REASON = (
    "Callers are AWS principals (CI roles, operators) authorized with IAM SigV4 and IAM policies on "
    "execute-api:Invoke; there are no end users, hence no Cognito user pool."
)


def flatten_cfn_reference(value: Any) -> str:
    """The string cdk-nag uses for a resolved value in finding ids (Ref -> <Name>, Fn::Join joined)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    if isinstance(value, dict):
        if "Fn::Join" in value:
            delimiter, items = value["Fn::Join"]
            return str(delimiter).join(flatten_cfn_reference(item) for item in items)
        if "Fn::Sub" in value:
            return flatten_cfn_reference(value["Fn::Sub"])
        if "Fn::GetAtt" in value:
            resource, attribute = value["Fn::GetAtt"]
            return f"<{flatten_cfn_reference(resource)}.{flatten_cfn_reference(attribute)}>"
        if "Fn::ImportValue" in value:
            return flatten_cfn_reference(value["Fn::ImportValue"])
        if "Ref" in value:
            return f"<{flatten_cfn_reference(value['Ref'])}>"
    return json.dumps(value, separators=(",", ":"))


def _acknowledge(construct: IConstruct, rule_id: str, reason: str) -> None:
    Validations.of(construct).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def _nag_resource(stack: Stack, *, owner: str, resource: str, name: str) -> str:
    return flatten_cfn_reference(stack.resolve(codeartifact_arn(stack, owner=owner, resource=resource, name=name)))


def _acknowledge_function(stack: Stack, config: DisposerConfig, function: DisposerLambda, *, discovery: bool) -> None:
    _acknowledge(function.role, "AwsSolutions-IAM5[Resource::*]", XRAY_REASON)
    # The same ARNs infra/permissions.py grants, rebuilt to name each finding exactly (the worker has
    # no repository statement: it never lists).
    for repository in config.repositories:
        names = {"package": f"{config.domain}/{repository}/*"}
        if discovery:
            names["repository"] = f"{config.domain}/{repository}"
        for resource, name in names.items():
            arn = _nag_resource(stack, owner=function.domain_owner, resource=resource, name=name)
            if "*" in arn:
                template = PACKAGE_ARN_REASON if resource == "package" else REPOSITORY_GLOB_REASON
                reason = template.format(repository=repository, domain=config.domain)
                _acknowledge(function.role, f"AwsSolutions-IAM5[Resource::{arn}]", reason)
    _acknowledge(function.function, "AwsSolutions-L1", RUNTIME_REASON)


def suppress_acknowledged_findings(stack: "DisposerStack") -> None:
    """Acknowledge the AwsSolutions findings this design accepts, on the narrowest construct."""
    config = stack.config
    disposer = stack.disposer

    _acknowledge_function(stack, config, disposer, discovery=True)
    _acknowledge(disposer.failed_runs_queue, "AwsSolutions-SQS3", FAILED_RUNS_QUEUE_REASON)
    if stack.fan_out is not None:
        _acknowledge_function(stack, config, stack.fan_out.worker, discovery=False)

    api = stack.api
    cloudwatch_role = api.rest_api.node.try_find_child("CloudWatchRole")
    cfn_role = cloudwatch_role.node.default_child if cloudwatch_role else None
    if cloudwatch_role and isinstance(cfn_role, iam.CfnRole):
        for arn in stack.resolve(cfn_role.managed_policy_arns) or []:
            policy = flatten_cfn_reference(arn)
            _acknowledge(cloudwatch_role, f"AwsSolutions-IAM4[Policy::{policy}]", CLOUDWATCH_ROLE_REASON)
    _acknowledge(api.rest_api.deployment_stage, "AwsSolutions-APIG3", WAF_REASON)
    for method in api.methods.values():
        _acknowledge(method, "AwsSolutions-COG4", COGNITO_REASON)
