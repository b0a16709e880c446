"""Every cdk-nag AwsSolutions acknowledgment of the stack, each on its own construct with its reason."""

import json
from typing import TYPE_CHECKING, Any

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from infra.config import DisposerConfig
from infra.function import DisposerLambda
from infra.permissions import codeartifact_arn
from infra.reports import RUNS_PREFIX

if TYPE_CHECKING:
    from infra.stack import DisposerStack

XRAY_REASON = (
    "Lambda active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no "
    "resource-level permissions (Service Authorization Reference), so Resource must be '*'; both only write "
    "telemetry."
)
RECORDER_WILDCARD_REASON = (
    f"{XRAY_REASON} cloudtrail:LookupEvents, with which an operator's backfill reads the account's event history, "
    "supports no resource-level permissions either (Service Authorization Reference); it only reads the "
    "account's management events of the region, which the recorder reads from the trail's files already."
)
RUN_FUNCTION_WILDCARD_REASON = (
    f"{XRAY_REASON} States SendTaskSuccess and SendTaskFailure, with which the API approves or refuses a run "
    "waiting at AskApproval, support no resource-level permissions either (Service Authorization Reference): "
    "the task token names the task, and only this deployment's waiting runs hand a token to the API."
)
STATE_MACHINE_WILDCARD_REASON = (
    "X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) and "
    "Step Functions' delivery of execution logs to CloudWatch Logs (logs:CreateLogDelivery, GetLogDelivery, "
    "UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, "
    "DescribeLogGroups) support no resource-level permissions, so Step Functions documents Resource '*' for "
    "both; they only write telemetry and set up the delivery to this stack's log group."
)
RUN_FILES_REASON = (
    f"A run's files are named by its run id, known only at run time: {RUNS_PREFIX}<runId>/... in the reports "
    "bucket of this stack. The prefix is the narrowest static ARN; the bucket holds nothing else, and its policy "
    "denies object access to every principal but the deployment's roles (and reads to the operator roles)."
)
EXECUTIONS_REASON = (
    "Execution ARNs end with the execution's name, the run id, known only at run time. The ARN names the "
    "executions of this stack's run state machine and nothing else: the API reads (DescribeExecution) and "
    "stops (StopExecution) runs of it, and the state machine starts, reads, stops and redrives its own Map runs' "
    "child executions (what CDK grants a distributed Map)."
)
STEPS_VERSIONS_REASON = (
    "CDK's LambdaInvoke grants lambda:InvokeFunction on the steps function and its versions and aliases "
    "(<arn>:*); the state machine invokes the steps function only, by its unqualified ARN."
)
TOPIC_KEY_REASON = (
    "What CDK's SNS grant asks for to publish to a KMS-encrypted topic: kms:GenerateDataKey* (GenerateDataKey "
    "and GenerateDataKeyWithoutPlaintext) and kms:Decrypt, on the notifications topic's own key only, for the "
    "role EventBridge publishes the run notifications as."
)
REPORTS_ACCESS_LOGS_REASON = (
    "The reports bucket holds run files the deployment rewrites from scratch on every run (plans, parts, "
    "reports; expired after reportsRetentionDays), no secrets. Who may read or write objects is fixed by its "
    "policy (the deployment's roles, the configured operator roles) and every use of its KMS key is in "
    "CloudTrail; the record of what was disposed is the functions' audit trail. Turn on CloudTrail S3 data "
    "events for the bucket where each read of a report must be audited: server access logs would need a "
    "second, unencrypted (SSE-S3 only) bucket and are best-effort."
)
PACKAGE_ARN_REASON = (
    "CodeArtifact package ARNs are package/{{domain}}/{{repository}}/{{format}}/{{namespace}}/{{name}}. The trailing * "
    "spans the packages of configured repository '{repository}' in domain '{domain}' only: which packages a "
    "policy run, API call or run part disposes is decided at run time, so no narrower static ARN exists. "
    "The writes are DisposePackageVersions and UpdatePackageVersionsStatus (archive, for quarantine)."
)
REPOSITORY_GLOB_REASON = (
    "The cdk.json 'repositories' entry '{repository}' is a glob the operator chose; it maps unchanged to an IAM "
    "wildcard and stays inside domain '{domain}'. Only the read action ListPackages uses it."
)
RUNTIME_REASON = (
    "Python 3.13 on purpose: the asset's wheels (pydantic-core) are resolved for cp313 and the shipped asset is "
    "import-tested on 3.13 (tests/infra). Moving to a newer runtime is a deliberate change of infra/constants.py."
)
TRAIL_FILES_REASON = (
    "CloudTrail names its files by account, region, date and delivery time, known only when they arrive: "
    "<prefix>AWSLogs/<account>/CloudTrail[-Digest]/<region>/<yyyy>/<mm>/<dd>/<file>. The ARN names the trail's "
    "objects under the configured prefix of the usageTrail bucket and nothing else of it; the only action is "
    "s3:GetObject (the usage recorder reads the files it is notified of)."
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


def _acknowledge_function(stack: Stack, config: DisposerConfig, function: DisposerLambda) -> None:
    # The same ARNs infra/permissions.py grants, rebuilt to name each finding exactly.
    for repository in config.repositories:
        names = {"package": f"{config.domain}/{repository}/*", "repository": f"{config.domain}/{repository}"}
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

    _acknowledge_function(stack, config, disposer)
    _acknowledge_function(stack, config, stack.steps)
    _acknowledge(disposer.role, "AwsSolutions-IAM5[Resource::*]", RUN_FUNCTION_WILDCARD_REASON)
    _acknowledge(stack.steps.role, "AwsSolutions-IAM5[Resource::*]", XRAY_REASON)
    _acknowledge_workflow(stack)
    if stack.usage is not None:
        recorder = stack.usage.recorder
        _acknowledge(recorder.role, "AwsSolutions-IAM5[Resource::*]", RECORDER_WILDCARD_REASON)
        trail_files = flatten_cfn_reference(stack.resolve(stack.usage.trail_objects_arn))
        _acknowledge(recorder.role, f"AwsSolutions-IAM5[Resource::{trail_files}]", TRAIL_FILES_REASON)
        _acknowledge(recorder.function, "AwsSolutions-L1", RUNTIME_REASON)

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


def _acknowledge_workflow(stack: "DisposerStack") -> None:
    """The run workflow's roles: the state machine's, the run files of the functions, the notifications'."""
    workflow, reports = stack.workflow, stack.reports
    run_files = f"AwsSolutions-IAM5[Resource::{flatten_cfn_reference(stack.resolve(reports.runs_arn))}]"
    for role in (stack.disposer.role, stack.steps.role, workflow.role):
        _acknowledge(role, run_files, RUN_FILES_REASON)
    executions = flatten_cfn_reference(stack.resolve(workflow.execution_arns))
    _acknowledge(stack.disposer.role, f"AwsSolutions-IAM5[Resource::{executions}]", EXECUTIONS_REASON)
    _acknowledge(workflow.role, "AwsSolutions-IAM5[Resource::*]", STATE_MACHINE_WILDCARD_REASON)
    steps_versions = flatten_cfn_reference(stack.resolve(f"{stack.steps.function.function_arn}:*"))
    _acknowledge(workflow.role, f"AwsSolutions-IAM5[Resource::{steps_versions}]", STEPS_VERSIONS_REASON)
    # CDK's distributed-Map policy names this machine's executions by splitting its ARN.
    map_policy = workflow.state_machine.node.try_find_child("DistributedMapPolicy")
    cfn_policy = map_policy.node.default_child if map_policy else None
    if map_policy and isinstance(cfn_policy, iam.CfnPolicy):
        for statement in stack.resolve(cfn_policy.policy_document)["Statement"]:
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for resource in map(flatten_cfn_reference, resources):
                if ":execution:" in resource and resource.endswith(":*"):
                    _acknowledge(map_policy, f"AwsSolutions-IAM5[Resource::{resource}]", EXECUTIONS_REASON)
    _acknowledge(stack.notifications.role, "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]", TOPIC_KEY_REASON)
    _acknowledge(reports.bucket, "AwsSolutions-S1", REPORTS_ACCESS_LOGS_REASON)
