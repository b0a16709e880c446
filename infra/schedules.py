"""RetentionSchedules: EventBridge rules that start retention-policy runs (manual PutEvents and schedules).

Every rule starts the run workflow (infra/workflow.py) with the run event as the execution's input,
through one role that may start that state machine and nothing else.
"""

import json
from collections.abc import Mapping, Sequence

from aws_cdk import Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.interfaces import aws_events as events_refs
from constructs import Construct

from disposer.constants import EVENTBRIDGE_SOURCE
from disposer.retention.policy import RetentionPolicy
from infra.constants import RUN_EVENT_DETAIL_TYPE, RUN_EVENT_SOURCE, SERVICE_NAME
from infra.names import bounded_name

# EventBridge limits: rule names are at most 64 of [.-_A-Za-z0-9], input templates at most 8192 characters.
RULE_NAME_MAX_LENGTH = 64
INPUT_TEMPLATE_MAX_LENGTH = 8192

# Placeholders filled from the scheduled event that fires the rule; the rule's own ARN comes from
# EventBridge's predefined <aws.events.rule-arn> (a Fn::GetAtt of the rule inside it would be circular).
RUN_EVENT_INPUT_PATHS: Mapping[str, str] = {
    "id": "$.id",
    "time": "$.time",
    "account": "$.account",
    "region": "$.region",
}


def schedule_rule_name(prefix: str, policy_name: str) -> str:
    """`{prefix}-{policy name}`; past 64 characters, truncated and ended with a hash of the full name.

    Deterministic (the same policy keeps its rule across deploys) and distinct for distinct names.
    """
    return bounded_name(prefix, policy_name, max_length=RULE_NAME_MAX_LENGTH)


def policy_detail(policy: RetentionPolicy) -> str:
    """The policy as the event's `detail` JSON, escaped for use inside an input template."""
    detail = json.dumps(policy.model_dump(mode="json", by_alias=True, exclude_none=True), separators=(",", ":"))
    # EventBridge fills <name> placeholders inside JSON strings too, and a regex may contain one
    # ((?P<major>...), (?<=v)); written as JSON escapes, < and > reach the handler unchanged and
    # EventBridge sees no placeholder but ours.
    return detail.replace("<", "\\u003c").replace(">", "\\u003e")


def run_event_template(policy: RetentionPolicy) -> str:
    """The InputTemplate of a schedule rule: the run event the handler takes, `detail` = the policy.

    Placeholders sit inside JSON strings, where EventBridge inserts the value unescaped: an event id
    (UUID), an ISO-8601 time, an account id, a region and a rule ARN never contain `"` or `\\`.
    """
    envelope = json.dumps(
        {
            "version": "0",
            "id": "<id>",
            "detail-type": RUN_EVENT_DETAIL_TYPE,
            # What EventBridge's own scheduled events say, and no PutEvents sender can: the handler trusts
            # `resources` (this rule) as the caller only from this source.
            "source": EVENTBRIDGE_SOURCE,
            "account": "<account>",
            "time": "<time>",
            "region": "<region>",
            "resources": ["<aws.events.rule-arn>"],
        },
        separators=(",", ":"),
    )
    return f'{envelope[:-1]},"detail":{policy_detail(policy)}}}'


class RunEventInput(events.RuleTargetInput):
    """A RuleTargetInput with a template written here, since RuleTargetInput.from_object cannot emit JSON escapes."""

    def __init__(self, policy: RetentionPolicy) -> None:
        super().__init__()
        self.template = run_event_template(policy)

    def bind(self, rule: events_refs.IRuleRef) -> events.RuleTargetInputProperties:
        """The same template for any rule: the rule's ARN is filled in by EventBridge."""
        return events.RuleTargetInputProperties(
            input_template=self.template, input_paths_map=dict(RUN_EVENT_INPUT_PATHS)
        )


class RetentionSchedules(Construct):
    """The manual-run rule, plus one schedule rule per retention policy that has a `schedule`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        state_machine: sfn.IStateMachine,
        policies: Sequence[RetentionPolicy] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)

        # One role for every rule: EventBridge may start this state machine, for this account's rules only.
        self.role = iam.Role(
            self,
            "StartRunsRole",
            assumed_by=iam.ServicePrincipal(
                "events.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": stack.account}}
            ),
            description=f"{SERVICE_NAME}: EventBridge starts the run workflow for run events and schedules",
        )
        state_machine.grant_start_execution(self.role)

        # Anyone allowed events:PutEvents on the default bus can start a run with this source and
        # detail-type (a documented entry point); the workflow's Start step validates the detail.
        self.run_rule = events.Rule(
            self,
            "RunRule",
            description=f"{SERVICE_NAME}: run the retention policy in the event detail",
            event_pattern=events.EventPattern(source=[RUN_EVENT_SOURCE], detail_type=[RUN_EVENT_DETAIL_TYPE]),
            targets=[targets.SfnStateMachine(state_machine, role=self.role)],
        )

        # Policies arrive validated (infra/policies.py, at synth). A schedule rule delivers the same
        # event as a manual run, so the workflow has one path; a policy without a schedule is API-only.
        self.schedule_rules: dict[str, events.Rule] = {}
        for policy in policies:
            if policy.schedule is None:
                continue
            self.schedule_rules[policy.name] = events.Rule(
                self,
                f"Schedule-{policy.name}",
                rule_name=schedule_rule_name(stack.stack_name, policy.name),
                description=f"{SERVICE_NAME}: scheduled {policy.mode} run of retention policy {policy.name}",
                schedule=events.Schedule.expression(policy.schedule),
                targets=[targets.SfnStateMachine(state_machine, input=RunEventInput(policy), role=self.role)],
            )
