"""RetentionSchedules: EventBridge rules that start retention-policy runs (manual PutEvents and schedules)."""

import re
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.settings import RUN_EVENT_DETAIL_TYPE, RUN_EVENT_SOURCE, SERVICE_NAME


def run_event_input(policy: Mapping[str, Any]) -> events.RuleTargetInput:
    """A standard EventBridge event whose detail is `policy`; `id` and `time` are the triggering event's."""
    return events.RuleTargetInput.from_object(
        {
            "version": "0",
            "id": events.EventField.event_id,
            "detail-type": RUN_EVENT_DETAIL_TYPE,
            "source": RUN_EVENT_SOURCE,
            "account": events.EventField.account,
            "time": events.EventField.time,
            "region": events.EventField.region,
            "resources": [],
            "detail": dict(policy),
        }
    )


def _construct_id(policy_name: str) -> str:
    return "Schedule-" + re.sub(r"[^A-Za-z0-9-]", "-", policy_name)


class RetentionSchedules(Construct):
    """The manual-run rule, plus one schedule rule per retention policy (`name`, `schedule`, ...)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: lambda_.IFunction,
        policies: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        super().__init__(scope, construct_id)

        # Anyone allowed events:PutEvents on the default bus can start a run with this source and
        # detail-type (a documented entry point); the detail is validated by the handler.
        self.run_rule = events.Rule(
            self,
            "RunRule",
            description=f"{SERVICE_NAME}: run the retention policy in the event detail",
            event_pattern=events.EventPattern(source=[RUN_EVENT_SOURCE], detail_type=[RUN_EVENT_DETAIL_TYPE]),
            targets=[targets.LambdaFunction(function)],
        )

        # Policies arrive already validated (policies.json is checked at synth by its owner); a
        # scheduled rule delivers the same event shape as a manual run, so the handler has one path.
        self.schedule_rules: dict[str, events.Rule] = {}
        for policy in policies:
            name = str(policy["name"])
            self.schedule_rules[name] = events.Rule(
                self,
                _construct_id(name),
                description=f"{SERVICE_NAME}: scheduled run of retention policy {name}",
                schedule=events.Schedule.expression(str(policy["schedule"])),
                targets=[targets.LambdaFunction(function, event=run_event_input(policy))],
            )
