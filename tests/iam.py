"""IAM equals the calls: every AWS call a function makes in the tests, checked against that function's role in
the synthesized template.

The template side: `Role.of` reads a function's role (by its handler: the run function, the steps
function, the usage recorder) and `Role.of_state_machine` the run state machine's, each with the resource
policies that may deny what it allows (the ledger table, the reports bucket). The recording side: `RECORDER` wraps the
Lambda entry points and botocore's client creation: a client made while an entry
point runs is the function's, and its calls (botocore's `before-parameter-build`, which sees the API
parameters) are attributed to the function whose invocation makes them. Clients a test makes itself
(to seed or check) are never recorded, even when the test uses them inside a handler.
`missing_permissions` turns each call into the IAM action and resource AWS would authorize (the
Service Authorization Reference's resource type per operation) and looks for an Allow statement in
the function's role that grants both.
"""

import os
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from typing import Any

import botocore.session
from aws_cdk.assertions import Template

from disposer.constants import RECORDER_HANDLER, RUN_HANDLER, STEPS_HANDLER
from disposer.settings import Settings

REGION = "us-east-1"
ACCOUNT = "111122223333"
FUNCTIONS = {"run": RUN_HANDLER, "steps": STEPS_HANDLER, "recorder": RECORDER_HANDLER}
# The principal the run state machine's tasks and Maps act as: a name for calls attributed to it.
STATE_MACHINE = "state-machine"

# CodeArtifact operations and the resource type each authorizes against.
CODEARTIFACT_RESOURCE = {
    "ListRepositoriesInDomain": "domain",
    "ListPackages": "repository",
    "ListPackageVersions": "package",
    "DescribePackageVersion": "package",
    "ListPackageVersionAssets": "package",
    "ListPackageVersionDependencies": "package",
    "DisposePackageVersions": "package",
    "UpdatePackageVersionsStatus": "package",
}
# Operations authorized as another action (SendMessageBatch is SendMessage to IAM; S3's reads and uploads).
ACTION_OF = {
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "s3:HeadObject": "s3:GetObject",
    "s3:ListObjectsV2": "s3:ListBucket",
    "s3:ListObjects": "s3:ListBucket",
    "s3:CreateMultipartUpload": "s3:PutObject",
    "s3:UploadPart": "s3:PutObject",
    "s3:CompleteMultipartUpload": "s3:PutObject",
}
# With SSE-KMS, S3 uses the bucket's key as the caller: a read decrypts, a write generates a data key.
S3_KEY_ACTION = {"s3:GetObject": "kms:Decrypt", "s3:PutObject": "kms:GenerateDataKey"}
# Step Functions operations on an execution rather than on the state machine; the task answers name none.
EXECUTION_OPERATIONS = {"DescribeExecution", "StopExecution", "GetExecutionHistory"}
UNSCOPED_OPERATIONS = {"SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat"}
# CloudTrail operations with no resource-level permission (the Service Authorization Reference names none).
UNSCOPED_CLOUDTRAIL = {"LookupEvents"}


@dataclass(frozen=True)
class AwsCall:
    """One call as IAM sees it: who made it, the action, the resource, and the deployment settings it ran
    with that shape the role (a template synthesized with the same ones is the one to check against)."""

    function: str
    action: str
    resource: str
    measure_bytes: bool
    repositories: tuple[str, ...]
    # The usage trail's bucket and key prefix the call ran with (a template with that usageTrail has the recorder).
    usage_trail: tuple[str, str] | None = None

    def __str__(self) -> str:
        return f"{self.function} function: {self.action} on {self.resource}"


def _codeartifact_arn(operation: str, params: Mapping[str, Any]) -> str:
    owner = params.get("domainOwner") or ACCOUNT
    kind = CODEARTIFACT_RESOURCE[operation]
    parts = [params["domain"]]
    if kind in ("repository", "package"):
        parts.append(params["repository"])
    if kind == "package":
        # A package without a namespace has an empty namespace segment: package/d/r/pypi//name.
        parts += [params["format"], params.get("namespace", ""), params["package"]]
    return f"arn:aws:codeartifact:{REGION}:{owner}:{kind}/{'/'.join(parts)}"


def _configured(name_or_url: str) -> str:
    """`env:<VARIABLE>` for the DISPOSER_ variable holding a table name or queue URL (the template's
    environment then says which resource that is)."""
    for variable, value in os.environ.items():
        if variable.startswith("DISPOSER_") and value == name_or_url:
            return f"env:{variable}"
    return f"unconfigured:{name_or_url}"


def describe_call(function: str, service: str, operation: str, params: Mapping[str, Any]) -> list[AwsCall]:
    """The (action, resource) pairs AWS authorizes for one call."""
    settings = Settings.from_environment()
    action = ACTION_OF.get(f"{service}:{operation}", f"{service}:{operation}")
    if service == "codeartifact":
        resources = [_codeartifact_arn(operation, params)]
    elif service == "dynamodb":
        tables = params.get("RequestItems") or {params["TableName"]: None}
        resources = [_configured(table) for table in tables]
    elif service == "sqs":
        resources = [_configured(params["QueueUrl"])]
    elif service == "ssm":
        # arn:...:parameter/a/b for "/a/b": the name (its leading slash included) ends the ARN; which
        # parameter the name is comes from the template's environment, as for tables and queues.
        resources = [f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{{{_configured(params['Name'])}}}"]
    elif service == "s3":
        return _s3_calls(function, action, params, settings)
    elif service == "states":
        resources = [_states_resource(operation, params)]
    elif service == "cloudtrail" and operation in UNSCOPED_CLOUDTRAIL:
        resources = ["*"]
    else:
        resources = [f"unknown:{service}"]
    return [_call(function, action, resource, settings) for resource in resources]


def _call(function: str, action: str, resource: str, settings: Settings) -> AwsCall:
    trail = (settings.usage_bucket, settings.usage_prefix) if settings.usage_bucket else None
    return AwsCall(function, action, resource, settings.measure_bytes, settings.repositories, trail)


def _s3_calls(function: str, action: str, params: Mapping[str, Any], settings: Settings) -> list[AwsCall]:
    """An S3 call on the bucket (`{env:VARIABLE}`, a ListBucket) or an object (`{env:VARIABLE}/<key>`), and
    the KMS call S3 makes with the bucket's key as the caller (`key-of:{env:VARIABLE}`). The usage trail's
    bucket is the deployer's, not the stack's: the tests' (moto's) is not SSE-KMS, so S3 uses no key there."""
    variable = _configured(params["Bucket"])
    bucket = "{" + variable + "}"
    resource = f"{bucket}/{params['Key']}" if "Key" in params else bucket
    calls = [_call(function, action, resource, settings)]
    if action in S3_KEY_ACTION and variable != "env:DISPOSER_USAGE_BUCKET":
        calls.append(_call(function, S3_KEY_ACTION[action], f"key-of:{bucket}", settings))
    return calls


def _states_resource(operation: str, params: Mapping[str, Any]) -> str:
    """The state machine (as the variable that holds its ARN), an execution's ARN, or "*" for a task answer."""
    if operation in UNSCOPED_OPERATIONS:
        return "*"
    if operation in EXECUTION_OPERATIONS:
        return str(params["executionArn"])
    return _configured(params["stateMachineArn"])


class CallRecorder:
    """Records the calls made while a Lambda entry point runs, attributed to its function."""

    def __init__(self) -> None:
        self.function: str | None = None
        self.calls: list[AwsCall] = []
        self._lock = threading.Lock()
        # Invocations under way, per function: a Map's iterations invoke the steps function on several threads.
        self._running: Counter[str] = Counter()

    def install(self) -> None:
        import disposer.handler
        import disposer.recorder
        import disposer.steps

        create_client = botocore.session.Session.create_client
        recorder = self

        def create_recorded_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            client = create_client(session, *args, **kwargs)
            if recorder.function is not None:
                client.meta.events.register("before-parameter-build", recorder._before_call)
            return client

        botocore.session.Session.create_client = create_recorded_client  # type: ignore[method-assign,assignment]
        disposer.handler.lambda_handler = self._acting_as("run", disposer.handler.lambda_handler)
        disposer.steps.lambda_handler = self._acting_as("steps", disposer.steps.lambda_handler)
        disposer.recorder.lambda_handler = self._acting_as("recorder", disposer.recorder.lambda_handler)

    def _acting_as(self, function: str, handler: Callable[..., Any]) -> Callable[..., Any]:
        def invoke(event: Any, context: Any) -> Any:
            # One function at a time in a test process (the run function's API calls are never made while a
            # workflow's steps run); the threads of an invocation, and concurrent ones, share its name.
            with self._lock:
                self._running[function] += 1
                self.function = function
            try:
                return handler(event, context)
            finally:
                with self._lock:
                    self._running[function] -= 1
                    self.function = next((name for name, count in self._running.items() if count > 0), None)

        return invoke

    def _before_call(self, model: Any, params: Mapping[str, Any], **_: Any) -> None:
        function = self.function
        if function is None:
            return
        # The signing name is the IAM service prefix (codeartifact, dynamodb, sqs, ssm).
        service = model.service_model.signing_name
        with self._lock:
            self.calls.extend(describe_call(function, service, model.name, params))

    def take(self) -> list[AwsCall]:
        with self._lock:
            calls, self.calls = self.calls, []
        return calls


RECORDER = CallRecorder()


def _resolve(value: Any, resources: Mapping[str, Any] | None = None) -> str:
    """A CloudFormation value as this checker compares it: pseudo parameters filled in, a named state machine
    by its ARN (the execution ARNs granted are built from it), references to any other resource written
    `resource:<logical id>`."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        name = value["Ref"]
        pseudo = {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT}
        machine = (resources or {}).get(name, {})
        if machine.get("Type") == "AWS::StepFunctions::StateMachine" and "StateMachineName" in machine["Properties"]:
            return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{machine['Properties']['StateMachineName']}"
        return pseudo.get(name, f"resource:{name}")
    if "Fn::GetAtt" in value:
        return f"resource:{value['Fn::GetAtt'][0]}"
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_resolve(part, resources) for part in parts)
    if "Fn::Select" in value:
        index, listed = value["Fn::Select"]
        separator, source = listed["Fn::Split"]
        return _resolve(source, resources).split(str(separator))[int(index)]
    raise ValueError(f"unsupported CloudFormation value: {value}")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def resource_policy_statements(template: Mapping[str, Any], logical_id: str) -> list[dict[str, Any]]:
    """The statements of the resource policy of one table, queue (its QueuePolicy) or bucket (its BucketPolicy)."""
    resources = template["Resources"]
    resource = resources.get(logical_id, {})
    statements: list[dict[str, Any]] = []
    if resource.get("Type") == "AWS::DynamoDB::Table":
        statements += resource["Properties"].get("ResourcePolicy", {}).get("PolicyDocument", {}).get("Statement", [])
    for policy in resources.values():
        if policy["Type"] == "AWS::SQS::QueuePolicy" and {"Ref": logical_id} in policy["Properties"]["Queues"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
        if policy["Type"] == "AWS::S3::BucketPolicy" and policy["Properties"]["Bucket"] == {"Ref": logical_id}:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def denied_by_resource_policy(
    template: Mapping[str, Any], logical_id: str, action: str, principal: str, resource: str | None = None
) -> bool:
    """Whether an explicit Deny of the resource's own policy refuses `action` to `principal` (a resolved
    role ARN, `resource:<logical id>`, or a literal ARN), on `resource` when given (resolved, as
    `resource:<bucket>/<key>` for an object), else on any resource the statement names. Only the
    conditions the stack uses are read; any other makes this raise, so a new kind of condition cannot
    pass unchecked."""
    resources = template["Resources"]
    for statement in resource_policy_statements(template, logical_id):
        if statement["Effect"] != "Deny":
            continue
        if not any(fnmatchcase(action.lower(), a.lower()) for a in _as_list(statement["Action"])):
            continue
        named = [_resolve(r, resources) for r in _as_list(statement.get("Resource", "*"))]
        if resource is not None and not any(fnmatchcase(resource, r) for r in named):
            continue
        if all(
            _condition_holds(op, key, values, principal)
            for op, test in statement.get("Condition", {}).items()
            for key, values in test.items()
        ):
            return True
    return False


def _condition_holds(operator: str, key: str, values: Any, principal: str) -> bool:
    resolved = [_resolve(value) for value in _as_list(values)]
    if (operator, key) == ("ArnNotEquals", "aws:PrincipalArn"):
        return principal not in resolved
    if (operator, key) == ("Bool", "aws:SecureTransport") and resolved == ["false"]:
        return False  # the SDKs and Lambda's poller always use TLS
    raise ValueError(f"unsupported condition {operator} {key} {values}")


@dataclass(frozen=True)
class Role:
    """A principal's environment (a function's; none for the state machine), the Allow statements of its
    role, resolved, and the template (for the resource policies that may deny what the role allows)."""

    environment: Mapping[str, str]
    grants: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    arn: str = ""
    template: Mapping[str, Any] | None = None

    @classmethod
    def of(cls, template: Mapping[str, Any], handler: str) -> "Role":
        """The role of the function running `handler`, with that function's environment."""
        resources = template["Resources"]
        (function,) = [
            r["Properties"]
            for r in resources.values()
            if r["Type"] == "AWS::Lambda::Function" and r["Properties"]["Handler"] == handler
        ]
        variables = function.get("Environment", {}).get("Variables", {})
        environment = {k: _resolve(v, resources) for k, v in variables.items()}
        return cls._of_role(template, function["Role"]["Fn::GetAtt"][0], environment)

    @classmethod
    def of_state_machine(cls, template: Mapping[str, Any]) -> "Role":
        """The run state machine's role: what its tasks, Maps and log delivery act as."""
        (machine,) = [
            r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"
        ]
        return cls._of_role(template, machine["RoleArn"]["Fn::GetAtt"][0], {})

    @classmethod
    def _of_role(cls, template: Mapping[str, Any], role_id: str, environment: Mapping[str, str]) -> "Role":
        resources = template["Resources"]
        grants = [
            (tuple(_as_list(s["Action"])), tuple(_resolve(r, resources) for r in _as_list(s["Resource"])))
            for r in resources.values()
            if r["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in r["Properties"]["Roles"]
            for s in r["Properties"]["PolicyDocument"]["Statement"]
            if s["Effect"] == "Allow"
        ]
        return cls(environment=environment, grants=tuple(grants), arn=f"resource:{role_id}", template=template)

    def allows(self, call: AwsCall) -> bool:
        resource = call.resource
        if resource.startswith("env:"):
            resource = self.environment.get(resource.removeprefix("env:"), resource)
        # A name inside an ARN: arn:...:parameter{env:VARIABLE}, {env:VARIABLE}/key of a bucket.
        resource = re.sub(r"\{env:(\w+)\}", lambda m: self.environment.get(m[1], m[0]), resource)
        if call.action.startswith("s3:") and not resource.startswith(("resource:", "arn:", "{", "unconfigured:")):
            # A bucket named in the environment by its name (the usage trail's) is granted by its ARN.
            resource = f"arn:aws:s3:::{resource}"
        if resource.startswith("key-of:"):
            resource = self._bucket_key(resource.removeprefix("key-of:"))
        allowed = any(
            any(fnmatchcase(call.action.lower(), a.lower()) for a in actions)
            and any(fnmatchcase(resource, r) for r in granted)
            for actions, granted in self.grants
        )
        # An explicit Deny in the table's, queue's or bucket's own policy wins over any Allow.
        if allowed and self.template is not None and resource.startswith("resource:"):
            own = resource.removeprefix("resource:").split("/")[0]
            return not denied_by_resource_policy(self.template, own, call.action, self.arn, resource)
        return allowed

    def _bucket_key(self, bucket: str) -> str:
        """The KMS key a bucket (`resource:<logical id>`) encrypts with, as a resolved ARN."""
        assert self.template is not None
        properties = self.template["Resources"][bucket.removeprefix("resource:")]["Properties"]
        (rule,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        return _resolve(rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"])


def missing_permissions(
    calls: Iterable[AwsCall],
    template_for: Callable[[bool, tuple[str, ...], tuple[str, str] | None], Mapping[str, Any]],
) -> list[str]:
    """Every distinct call its function's role does not allow, described."""
    missing: list[str] = []
    for call in sorted(set(calls), key=str):
        template = template_for(call.measure_bytes, call.repositories, call.usage_trail)
        role = (
            Role.of_state_machine(template)
            if call.function == STATE_MACHINE
            else Role.of(template, FUNCTIONS[call.function])
        )
        if not role.allows(call):
            missing.append(str(call))
    return missing


@cache
def synthesized(
    measure_bytes: bool, repositories: tuple[str, ...] = (), usage_trail: tuple[str, str] | None = None
) -> Mapping[str, Any]:
    """The cdk.json deployment's template (no asset bundling) with measureBytes, the repositories when the calls
    ran limited to some (the tests' default, no limit, stands for cdk.json's), and the usage trail (bucket, key
    prefix) they ran with, if any (the recorder is deployed only with one)."""
    from tests.infra.cdk_testkit import synth_stack

    overrides: dict[str, Any] = {"measureBytes": measure_bytes}
    if repositories:
        # cdk.json's policies name its own repositories; IAM does not depend on the policies.
        overrides |= {"repositories": list(repositories), "policiesFile": "tests/infra/data/policies-none.json"}
    if usage_trail is not None:
        bucket, prefix = usage_trail
        overrides["usageTrail"] = {"bucket": bucket, "prefix": prefix} if prefix else {"bucket": bucket}
    stack = synth_stack(overrides)[1]
    template: Mapping[str, Any] = Template.from_stack(stack).to_json()
    return template


def without(template: Mapping[str, Any], function: str, action: str) -> dict[str, Any]:
    """A copy of `template` whose `function` role no longer grants `action` (to show the check bites)."""
    import copy

    changed = copy.deepcopy(dict(template))
    resources = changed["Resources"]
    (role,) = [
        r["Properties"]["Role"]["Fn::GetAtt"][0]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Function" and r["Properties"]["Handler"] == FUNCTIONS[function]
    ]
    for resource in resources.values():
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role} in resource["Properties"]["Roles"]:
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                kept: Sequence[str] = [a for a in _as_list(statement["Action"]) if a.lower() != action.lower()]
                statement["Action"] = list(kept) or ["none:Removed"]
    return changed


def deploys(template: Mapping[str, Any], function: str) -> bool:
    """Whether the template has the function (a Lambda function with its handler)."""
    return any(
        r["Type"] == "AWS::Lambda::Function" and r["Properties"].get("Handler") == FUNCTIONS[function]
        for r in template["Resources"].values()
    )
