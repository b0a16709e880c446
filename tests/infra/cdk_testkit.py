"""Helpers for the CDK tests: apps built from the cdk.json context, template queries."""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template

from disposer.constants import STEPS_HANDLER
from infra.constants import LAMBDA_HANDLER
from infra.nag import flatten_cfn_reference
from infra.stack import DisposerStack, build_app

REPO_ROOT = Path(__file__).resolve().parents[2]
CDK_JSON = REPO_ROOT / "cdk.json"
# CDK's own switch: stacks not listed are synthesized without running asset bundling, so only the
# bundling tests pay for pip.
NO_BUNDLING: Mapping[str, Any] = {"aws:cdk:bundling-stacks": []}


def cdk_json_context() -> dict[str, Any]:
    """The context block of cdk.json: the example configuration plus the feature flags."""
    context: dict[str, Any] = json.loads(CDK_JSON.read_text())["context"]
    return context


def make_app(overrides: Mapping[str, Any] | None = None, *, bundling: bool = False, **app_kwargs: Any) -> cdk.App:
    """An App with the cdk.json context and `overrides`; a None override removes the key."""
    context = cdk_json_context()
    for key, value in (overrides or {}).items():
        if value is None:
            context.pop(key, None)
        else:
            context[key] = value
    if not bundling:
        context.update(NO_BUNDLING)
    return cdk.App(context=context, **app_kwargs)


def synth_stack(overrides: Mapping[str, Any] | None = None) -> tuple[cdk.App, DisposerStack]:
    """Build the stack exactly as app.py does, from cdk.json plus `overrides`."""
    app = make_app(overrides)
    return app, build_app(app)


def flat(value: Any) -> str:
    """A CloudFormation value as one string, references written <Name> (as cdk-nag names them)."""
    return flatten_cfn_reference(value)


def as_list(value: Any) -> list[Any]:
    """IAM allows a single value or a list for Action and Resource."""
    return value if isinstance(value, list) else [value]


def policy_statements(template: Template) -> list[dict[str, Any]]:
    """Every statement of every AWS::IAM::Policy in the template."""
    statements: list[dict[str, Any]] = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def function_with_handler(template: Template, handler: str) -> tuple[str, dict[str, Any]]:
    """The logical id and Properties of the one function running `handler`."""
    matches = [
        (logical_id, dict(resource["Properties"]))
        for logical_id, resource in template.find_resources("AWS::Lambda::Function").items()
        if resource["Properties"]["Handler"] == handler
    ]
    assert len(matches) == 1, f"expected one function with handler {handler}, found {matches}"
    return matches[0]


def run_function(template: Template) -> tuple[str, dict[str, Any]]:
    """The run function (the API's entry point)."""
    return function_with_handler(template, LAMBDA_HANDLER)


def steps_function(template: Template) -> tuple[str, dict[str, Any]]:
    """The steps function (every Task of the run workflow)."""
    return function_with_handler(template, STEPS_HANDLER)


def role_statements(template: Template, function: dict[str, Any]) -> list[dict[str, Any]]:
    """Every statement of the IAM policies attached to the role of `function` (its Properties)."""
    role = {"Ref": function["Role"]["Fn::GetAtt"][0]}
    statements: list[dict[str, Any]] = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        if role in policy["Properties"]["Roles"]:
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def granted(statements: list[dict[str, Any]], prefix: str) -> set[tuple[str, str]]:
    """(action, resource) pairs of the Allow statements whose actions start with `prefix` ("sqs:")."""
    return {
        (action, flat(resource))
        for statement in statements
        if statement["Effect"] == "Allow"
        for action in as_list(statement["Action"])
        if action.startswith(prefix)
        for resource in as_list(statement["Resource"])
    }


def only_resource(template: Template, resource_type: str) -> tuple[str, dict[str, Any]]:
    """The logical id and definition of the single resource of `resource_type`."""
    resources = template.find_resources(resource_type)
    assert len(resources) == 1, f"expected one {resource_type}, found {sorted(resources)}"
    logical_id, definition = next(iter(resources.items()))
    return logical_id, dict(definition)


def resources_of(template: Template, resource_type: str) -> dict[str, dict[str, Any]]:
    """The Properties of every resource of `resource_type`, by logical id."""
    return {
        logical_id: dict(resource.get("Properties", {}))
        for logical_id, resource in template.find_resources(resource_type).items()
    }


def schedule_rules(template: Template) -> dict[str, dict[str, Any]]:
    """The properties of every schedule rule (the ones with a ScheduleExpression), by rule name."""
    return {
        rule["Properties"]["Name"]: rule["Properties"]
        for rule in template.find_resources("AWS::Events::Rule").values()
        if "ScheduleExpression" in rule["Properties"]
    }


# Owner defaulted to the deploying account, a repository glob, no reserved concurrency, the API
# Gateway account role left to another stack, and a policies file with a regex full of backslashes,
# quotes and angle brackets, a 64-character policy name and an API-only (unscheduled) policy; alarms
# mailed to an address, the audit trail kept 7 years and the API logs 2 weeks.
VARIANT_POLICIES_FILE = "tests/infra/data/policies-variant.json"
VARIANT_ALARM_EMAIL = "platform-oncall+disposer@example.com"
VARIANT_CONTEXT: Mapping[str, Any] = {
    "domainOwner": None,
    "repositories": ["releases", "snapshots-*"],
    "reservedConcurrency": False,
    "apiGatewayCloudWatchRole": False,
    "policiesFile": VARIANT_POLICIES_FILE,
    "alarmEmail": VARIANT_ALARM_EMAIL,
    "auditLogRetentionDays": 2557,
    "logRetentionDays": 14,
}


# The tuned deployment's operators (conftest.TUNED_CONTEXT): one role with a path, one without.
OPERATOR_ROLE_ARNS = (
    "arn:aws:iam::111122223333:role/platform/ReportsReader",
    "arn:aws:iam::444455556666:role/AuditJob",
)
TUNED_NOTIFY_EMAIL = "releases+runs@example.com"
# The tuned deployment's usage trail: an SSE-KMS trail under a prefix, a scanner's reads ignored.
TUNED_TRAIL_KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TUNED_USAGE_TRAIL: Mapping[str, Any] = {
    "bucket": "acme-cloudtrail",
    "prefix": "org",
    "ignorePrincipals": [
        "arn:aws:sts::111122223333:assumed-role/DependencyScanner/*",
        "arn:aws:iam::111122223333:role/mirror-*",
    ],
    "kmsKeyArn": TUNED_TRAIL_KEY_ARN,
}


def logical_id(construct: Any) -> str:
    """The logical id of a construct's CloudFormation resource (its default child)."""
    stack = cdk.Stack.of(construct)
    resource = construct if isinstance(construct, cdk.CfnElement) else construct.node.default_child
    return stack.get_logical_id(resource)


def state_machine_definition(template: Template) -> dict[str, Any]:
    """The run state machine's definition, parsed, with the steps function's ARN written <Steps.Arn>."""
    definition: dict[str, Any] = json.loads(state_machine_definition_text(template))
    return definition


def state_machine_definition_text(template: Template) -> str:
    """The DefinitionString as one string, each reference written <Name> (the JSON text itself kept)."""
    (_, machine) = only_resource(template, "AWS::StepFunctions::StateMachine")
    delimiter, parts = machine["Properties"]["DefinitionString"]["Fn::Join"]
    return str(delimiter).join(part if isinstance(part, str) else flat(part) for part in parts)


def render_input_template(template_text: str, values: Mapping[str, str]) -> str:
    """Fill an EventBridge InputTemplate as EventBridge does, with `values` by placeholder name.

    A placeholder inside a JSON string gets the value inserted unescaped; one standing as a JSON value
    gets it as a JSON string. Any other `<...>` is an unknown placeholder and raises KeyError.
    """
    out: list[str] = []
    in_string = False
    index = 0
    while index < len(template_text):
        char = template_text[index]
        if in_string and char == "\\":
            out.append(template_text[index : index + 2])
            index += 2
            continue
        if char == "<":
            end = template_text.index(">", index)
            value = values[template_text[index + 1 : end]]
            out.append(value if in_string else json.dumps(value))
            index = end + 1
            continue
        if char == '"':
            in_string = not in_string
        out.append(char)
        index += 1
    return "".join(out)


def dashboard_of(template: Template) -> tuple[str, list[dict[str, Any]]]:
    """The dashboard's name and widgets, the body parsed with each reference written <Name>."""
    properties = only_resource(template, "AWS::CloudWatch::Dashboard")[1]["Properties"]
    body = properties["DashboardBody"]
    parts = body["Fn::Join"][1] if isinstance(body, dict) else [body]
    text = "".join(part if isinstance(part, str) else flat(part) for part in parts)
    widgets: list[dict[str, Any]] = json.loads(text)["widgets"]
    return properties["DashboardName"], widgets


def graphed(widgets: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Every series of every graph, with its widget title: metric rows as lists, expressions as dicts."""
    return [
        (widget["properties"]["title"], series)
        for widget in widgets
        if widget["type"] == "metric"
        for row in widget["properties"]["metrics"]
        for series in [{"row": row[:-1], **row[-1]}]
    ]
