"""RetentionSchedules: the manual-run rule, one schedule rule per scheduled policy, the contract run event, each
starting the run workflow."""

import json
from datetime import UTC, datetime
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.assertions import Template

from disposer.constants import EVENTBRIDGE_SOURCE
from disposer.retention.loader import load_policies, parse_policy
from disposer.retention.policy import RetentionPolicy
from disposer.runs.event_input import RunEvent, policy_to_run
from infra.constants import REPO_ROOT, RUN_EVENT_DETAIL_TYPE, RUN_EVENT_SOURCE
from infra.schedules import (
    RULE_NAME_MAX_LENGTH,
    RUN_EVENT_INPUT_PATHS,
    RetentionSchedules,
    run_event_template,
    schedule_rule_name,
)
from infra.stack import DisposerStack
from tests.infra.cdk_testkit import (
    VARIANT_POLICIES_FILE,
    granted,
    logical_id,
    make_app,
    render_input_template,
    role_statements,
    schedule_rules,
)

# A policy whose regexes carry backslashes, quotes and angle brackets (named groups, lookbehind).
TRICKY_POLICY = parse_policy(
    {
        "name": "prune-ui",
        "schedule": "cron(0 3 * * ? *)",
        "domain": "acme",
        "repository": "releases",
        "package": "ui-*",
        "select": {"versionPattern": "\\d+\\.\\d+"},
        "keep": {"latest": 2, "versionPatterns": ['say "hi"\\\\', "(?P<major>\\d+)\\.0", "<[a-z]+>\\d+"]},
    }
)
UNSCHEDULED_POLICY = parse_policy({"name": "adhoc", "domain": "acme", "keep": {"latest": 5}})
# What EventBridge fills the placeholders from: a scheduled event, and the rule's ARN.
EVENT_ID = "6a7e8feb-b491-4cf7-a9f1-bf3703467718"
EVENT_TIME = "2025-06-01T03:00:00Z"
ACCOUNT = "111122223333"
REGION = "eu-west-1"


def _rule_arn(rule_name: str) -> str:
    return f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule_name}"


def _fire(input_transformer: dict[str, Any], rule_name: str) -> str:
    """The text EventBridge delivers to the target when the schedule fires."""
    scheduled_event: dict[str, Any] = {
        "version": "0",
        "id": EVENT_ID,
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": EVENT_TIME,
        "region": REGION,
        "resources": [_rule_arn(rule_name)],
        "detail": {},
    }
    values = {
        name: scheduled_event[path.removeprefix("$.")] for name, path in input_transformer["InputPathsMap"].items()
    }
    values["aws.events.rule-arn"] = _rule_arn(rule_name)
    return render_input_template(input_transformer["InputTemplate"], values)


def _assert_contract_event(delivered: str, policy: RetentionPolicy, rule_name: str) -> None:
    # The handler's own model of the run event, and the policy round-tripped unchanged: the handler
    # takes it as the deployed policy itself, and the rule as the caller (EventBridge's own source).
    event = RunEvent.model_validate(json.loads(delivered))
    assert policy_to_run(event.detail, {policy.name: policy}) == policy
    assert event.detail_type == RUN_EVENT_DETAIL_TYPE
    assert event.source == EVENTBRIDGE_SOURCE
    assert event.id == EVENT_ID
    assert event.time == datetime(2025, 6, 1, 3, 0, tzinfo=UTC)
    assert (event.version, event.account, event.region) == ("0", ACCOUNT, REGION)
    assert event.resources == [_rule_arn(rule_name)]
    assert set(json.loads(delivered)) == {
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    }


def _schedules_template(policies: tuple[RetentionPolicy, ...]) -> Template:
    stack = cdk.Stack(make_app(), "SchedulesTest")
    machine = sfn.StateMachine(
        stack, "Machine", definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(stack, "P"))
    )
    RetentionSchedules(stack, "Schedules", state_machine=machine, policies=policies)
    return Template.from_stack(stack)


def _machine(stack: DisposerStack) -> dict[str, Any]:
    """A rule target's Arn: the run state machine's Ref."""
    return {"Ref": logical_id(stack.workflow.state_machine)}


def _starts_the_workflow(target: dict[str, Any], stack: DisposerStack) -> None:
    assert target["Arn"] == _machine(stack)
    assert target["RoleArn"] == {"Fn::GetAtt": [logical_id(stack.schedules.role), "Arn"]}


def _run_rule(template: Template) -> tuple[str, dict[str, Any]]:
    (run_rule,) = [
        (logical_id, rule["Properties"])
        for logical_id, rule in template.find_resources("AWS::Events::Rule").items()
        if "EventPattern" in rule["Properties"]
    ]
    return run_rule


def test_run_rule_matches_run_event_and_starts_the_workflow(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the run rule (the notifications rule, with another source, is test_cdk_notifications.py's)
    properties = template.to_json()["Resources"][logical_id(default_stack[1].schedules.run_rule)]["Properties"]

    # WHEN / THEN it matches our source and detail-type on the default bus and starts the run workflow with
    # the event unchanged as the execution's input
    assert properties["EventPattern"] == {"source": [RUN_EVENT_SOURCE], "detail-type": [RUN_EVENT_DETAIL_TYPE]}
    assert "EventBusName" not in properties
    assert properties["State"] == "ENABLED"
    (target,) = properties["Targets"]
    _starts_the_workflow(target, default_stack[1])
    assert "Input" not in target and "InputTransformer" not in target


def test_rules_start_runs_as_one_role_that_may_only_start_the_workflow(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the role every run and schedule rule starts executions as
    stack = default_stack[1]
    role = template.to_json()["Resources"][logical_id(stack.schedules.role)]["Properties"]
    statements = role_statements(template, {"Role": {"Fn::GetAtt": [logical_id(stack.schedules.role), "Arn"]}})

    # WHEN / THEN EventBridge of this account assumes it, and it may start the run state machine, nothing else
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    assert granted(statements, "") == {("states:StartExecution", f"<{logical_id(stack.workflow.state_machine)}>")}
    # AND no rule invokes a function any more: EventBridge has no Lambda permission
    assert not [
        permission
        for permission in template.find_resources("AWS::Lambda::Permission").values()
        if permission["Properties"]["Principal"] == "events.amazonaws.com"
    ]


def test_schedules_one_rule_per_policy_in_policies_json(template: Template):
    # GIVEN the repository's policies.json (every policy in it has a schedule)
    policies = load_policies(REPO_ROOT / "policies.json")

    # WHEN the schedule rules are listed by name
    rules = schedule_rules(template)

    # THEN each policy has its rule, named after it and firing on its schedule
    assert {name: rule["ScheduleExpression"] for name, rule in rules.items()} == {
        f"CodeArtifactDisposer-{policy.name}": policy.schedule for policy in policies
    }
    assert all(rule["State"] == "ENABLED" for rule in rules.values())


def test_schedules_unscheduled_policy_gets_no_rule(variant_template: Template):
    # GIVEN the variant policies file: two scheduled policies and API-only "adhoc-cleanup"
    policies = load_policies(REPO_ROOT / VARIANT_POLICIES_FILE)
    assert [p.name for p in policies if p.schedule is None] == ["adhoc-cleanup"]

    # WHEN / THEN only the scheduled ones get a rule
    rules = schedule_rules(variant_template)
    assert len(rules) == 2
    assert not any("adhoc-cleanup" in name for name in rules)


@pytest.mark.parametrize(
    ("stack_fixture", "template_fixture", "policies_file"),
    [("default_stack", "template", "policies.json"), ("variant_stack", "variant_template", VARIANT_POLICIES_FILE)],
)
def test_schedules_target_delivers_contract_event_with_policy_as_detail(
    stack_fixture: str, template_fixture: str, policies_file: str, request: pytest.FixtureRequest
):
    # GIVEN every schedule rule of a stack, and the policies it was built from
    template: Template = request.getfixturevalue(template_fixture)
    stack: DisposerStack = request.getfixturevalue(stack_fixture)[1]
    policies = {
        schedule_rule_name("CodeArtifactDisposer", p.name): p
        for p in load_policies(REPO_ROOT / policies_file)
        if p.schedule is not None
    }
    rules = schedule_rules(template)
    assert set(rules) == set(policies)

    for rule_name, rule in rules.items():
        policy = policies[rule_name]
        (target,) = rule["Targets"]
        _starts_the_workflow(target, stack)
        transformer = target["InputTransformer"]
        assert transformer["InputPathsMap"] == dict(RUN_EVENT_INPUT_PATHS)

        # WHEN the schedule fires and EventBridge fills the template
        delivered = _fire(transformer, rule_name)

        # THEN the execution's input is exactly the contract event, its detail the policy
        _assert_contract_event(delivered, policy, rule_name)


def test_run_event_template_regex_backslashes_quotes_brackets_render_valid_json():
    # GIVEN a policy whose patterns hold backslashes, quotes, and < > that EventBridge would read as placeholders
    template_text = run_event_template(TRICKY_POLICY)

    # WHEN EventBridge fills it (an unknown <placeholder> would raise KeyError here)
    delivered = _fire({"InputTemplate": template_text, "InputPathsMap": dict(RUN_EVENT_INPUT_PATHS)}, "r")

    # THEN it is valid JSON and the handler's model reads back the very same policy
    _assert_contract_event(delivered, TRICKY_POLICY, "r")
    detail = json.loads(delivered)["detail"]
    assert detail["select"]["versionPattern"] == "\\d+\\.\\d+"
    assert detail["keep"]["versionPatterns"] == ['say "hi"\\\\', "(?P<major>\\d+)\\.0", "<[a-z]+>\\d+"]
    assert detail == TRICKY_POLICY.model_dump(mode="json", by_alias=True, exclude_none=True)


def test_schedules_template_synthesized_for_tricky_policy_round_trips():
    # GIVEN the rule CDK synthesizes for the tricky policy (CloudFormation JSON, escaped once more)
    (rule_name, rule), *_ = schedule_rules(_schedules_template((TRICKY_POLICY, UNSCHEDULED_POLICY))).items()

    # WHEN it fires / THEN the delivered event is the contract event with the policy unchanged
    assert rule_name == "SchedulesTest-prune-ui"
    (target,) = rule["Targets"]
    _assert_contract_event(_fire(target["InputTransformer"], rule_name), TRICKY_POLICY, rule_name)


def test_schedules_no_policies_or_only_unscheduled_adds_only_run_rule():
    # GIVEN no policy, or only an API-only one
    for policies in ((), (UNSCHEDULED_POLICY,)):
        # WHEN / THEN the manual-run rule is the only rule
        rules = _schedules_template(policies).find_resources("AWS::Events::Rule")
        assert [rule["Properties"].get("EventPattern", {}).get("source") for rule in rules.values()] == [
            [RUN_EVENT_SOURCE]
        ]


def test_schedule_rule_name_short_name_is_prefix_and_policy_name():
    # GIVEN / WHEN / THEN a name that fits is kept readable
    assert schedule_rule_name("CodeArtifactDisposer", "prune-ui") == "CodeArtifactDisposer-prune-ui"


def test_schedule_rule_name_long_name_truncated_with_stable_distinct_hash():
    # GIVEN two 64-character policy names that differ only at the end
    first, second = "a" * 63 + "1", "a" * 63 + "2"

    # WHEN their rule names are derived (twice)
    names = [schedule_rule_name("CodeArtifactDisposer", name) for name in (first, second, first)]

    # THEN each fits EventBridge's limit, is stable, keeps the prefix and differs from the other
    assert all(len(name) == RULE_NAME_MAX_LENGTH for name in names)
    assert names[0] == names[2] != names[1]
    assert all(name.startswith("CodeArtifactDisposer-aaaa") for name in names)


def test_schedules_variant_long_policy_name_rule_name_fits(variant_template: Template):
    # GIVEN the variant's 64-character policy name / WHEN / THEN its rule name is at most 64 characters
    names = list(schedule_rules(variant_template))
    assert "CodeArtifactDisposer-releases-semver" in names
    assert all(len(name) <= RULE_NAME_MAX_LENGTH for name in names)
    assert any(len(name) == RULE_NAME_MAX_LENGTH for name in names)
