"""RetentionSchedules: the manual-run rule and the per-policy schedule seam."""

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from infra.schedules import RetentionSchedules
from infra.settings import RUN_EVENT_DETAIL_TYPE, RUN_EVENT_SOURCE
from tests.infra.cdk_testkit import make_app, only_resource

POLICY: dict[str, object] = {
    "name": "prune-ui",
    "schedule": "cron(0 3 * * ? *)",
    "mode": "plan",
    "domain": "acme",
    "repository": "releases",
    "package": "ui-*",
}


def _schedules_template(policies: list[dict[str, object]]) -> Template:
    stack = cdk.Stack(make_app(), "SchedulesTest")
    function = lambda_.Function(
        stack,
        "Function",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context): return None"),
    )
    RetentionSchedules(stack, "Schedules", function=function, policies=policies)
    return Template.from_stack(stack)


def test_run_rule_matches_run_event_and_targets_function(template: Template):
    # GIVEN the stack's only event rule
    rule_id, rule = only_resource(template, "AWS::Events::Rule")
    function_id = only_resource(template, "AWS::Lambda::Function")[0]

    # WHEN / THEN it matches our source and detail-type on the default bus and invokes the function
    properties = rule["Properties"]
    assert properties["EventPattern"] == {"source": [RUN_EVENT_SOURCE], "detail-type": [RUN_EVENT_DETAIL_TYPE]}
    assert "EventBusName" not in properties
    assert properties["State"] == "ENABLED"
    (target,) = properties["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    assert "Input" not in target and "InputTransformer" not in target


def test_run_rule_may_invoke_function(template: Template):
    # GIVEN the Lambda permissions / WHEN the one for EventBridge is found / THEN it is scoped to the rule
    rule_id = only_resource(template, "AWS::Events::Rule")[0]
    permissions = [
        resource["Properties"]
        for resource in template.find_resources("AWS::Lambda::Permission").values()
        if resource["Properties"]["Principal"] == "events.amazonaws.com"
    ]
    assert [p["SourceArn"] for p in permissions] == [{"Fn::GetAtt": [rule_id, "Arn"]}]


def test_schedules_no_policies_adds_only_run_rule():
    # GIVEN no policies (today's default) / WHEN / THEN one rule, the manual-run one
    rules = _schedules_template([]).find_resources("AWS::Events::Rule")
    assert [rule["Properties"].get("EventPattern", {}).get("source") for rule in rules.values()] == [[RUN_EVENT_SOURCE]]


def test_schedules_policy_adds_schedule_rule_delivering_run_event():
    # GIVEN one policy with a schedule
    template = _schedules_template([POLICY])

    # WHEN its schedule rule is found
    scheduled = [
        rule["Properties"]
        for rule in template.find_resources("AWS::Events::Rule").values()
        if "ScheduleExpression" in rule["Properties"]
    ]

    # THEN it fires on the policy's schedule and delivers the standard run event with the policy as detail
    (rule,) = scheduled
    assert rule["ScheduleExpression"] == POLICY["schedule"]
    (target,) = rule["Targets"]
    transformer = target["InputTransformer"]
    assert set(transformer["InputPathsMap"].values()) >= {"$.id", "$.time", "$.account", "$.region"}
    template_text = transformer["InputTemplate"]
    assert f'"detail-type":"{RUN_EVENT_DETAIL_TYPE}"' in template_text
    assert f'"source":"{RUN_EVENT_SOURCE}"' in template_text
    assert '"name":"prune-ui"' in template_text
