"""Notifications: the run workflow's events on the default bus, to an encrypted, TLS-only SNS topic."""

from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template

from infra.constants import NOTIFICATION_DETAIL_TYPES
from infra.stack import DisposerStack
from tests.infra.cdk_testkit import TUNED_NOTIFY_EMAIL, granted, logical_id, resources_of, role_statements


def _resource(stack: DisposerStack, template: Template, construct: Any) -> dict[str, Any]:
    resource: dict[str, Any] = template.to_json()["Resources"][logical_id(construct)]
    return resource


def test_rule_sends_every_run_notification_on_the_default_bus_to_the_topic(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the notifications rule
    stack = default_stack[1]
    notifications = stack.notifications
    rule = _resource(stack, template, notifications.rule)["Properties"]

    # WHEN / THEN it matches the workflow's five detail-types from codeartifact.disposer on the default bus
    assert rule["EventPattern"] == {
        "source": ["codeartifact.disposer"],
        "detail-type": ["Run Planned", "Approval Needed", "Versions Quarantined", "Run Finished", "Run Aborted"],
    }
    assert list(NOTIFICATION_DETAIL_TYPES) == rule["EventPattern"]["detail-type"]
    assert "EventBusName" not in rule
    # AND delivers each event unchanged to the topic, publishing as its own role
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Ref": logical_id(notifications.topic)}
    assert target["RoleArn"] == {"Fn::GetAtt": [logical_id(notifications.role), "Arn"]}
    assert "Input" not in target and "InputTransformer" not in target


def test_topic_encrypted_with_its_rotating_key_and_tls_only(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the topic, its key and its policy
    stack = default_stack[1]
    notifications = stack.notifications
    topic = _resource(stack, template, notifications.topic)["Properties"]
    key = _resource(stack, template, notifications.key)["Properties"]
    (policy,) = [
        policy
        for policy in resources_of(template, "AWS::SNS::TopicPolicy").values()
        if policy["Topics"] == [{"Ref": logical_id(notifications.topic)}]
    ]

    # WHEN / THEN encrypted with a customer key that rotates (EventBridge cannot use aws/sns), named after the stack
    assert topic["TopicName"] == "CodeArtifactDisposer-run-notifications"
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [logical_id(notifications.key), "Arn"]}
    assert key["EnableKeyRotation"] is True
    # AND publishing without TLS is denied to everyone; nothing else is in the topic policy
    (deny,) = policy["PolicyDocument"]["Statement"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", "*", "sns:Publish")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_publish_role_assumed_by_this_accounts_eventbridge_publishes_to_the_topic_only(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the role the rule publishes as
    stack = default_stack[1]
    notifications = stack.notifications
    role = _resource(stack, template, notifications.role)["Properties"]
    statements = role_statements(template, {"Role": {"Fn::GetAtt": [logical_id(notifications.role), "Arn"]}})
    key = f"<{logical_id(notifications.key)}.Arn>"

    # WHEN / THEN EventBridge of this account assumes it; it publishes to this topic and uses its key, nothing else
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    assert granted(statements, "") == {
        ("sns:Publish", f"<{logical_id(notifications.topic)}>"),
        ("kms:Decrypt", key),
        ("kms:GenerateDataKey*", key),
    }


def test_email_subscribed_only_when_notify_email_is_set(
    default_stack: tuple[cdk.App, DisposerStack],
    template: Template,
    tuned_stack: tuple[cdk.App, DisposerStack],
    tuned_template: Template,
):
    # GIVEN cdk.json (no notifyEmail) and the tuned deployment (notifyEmail set)
    def on_topic(stack: DisposerStack, template: Template) -> list[dict[str, Any]]:
        topic = {"Ref": logical_id(stack.notifications.topic)}
        return [s for s in resources_of(template, "AWS::SNS::Subscription").values() if s["TopicArn"] == topic]

    # WHEN / THEN only the tuned one mails the address, confirmation required (SNS sends it)
    assert on_topic(default_stack[1], template) == []
    (subscription,) = on_topic(tuned_stack[1], tuned_template)
    assert (subscription["Protocol"], subscription["Endpoint"]) == ("email", TUNED_NOTIFY_EMAIL)


def test_outputs_run_state_machine_and_notification_topic(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN / WHEN the stack outputs are read
    stack = default_stack[1]
    outputs = template.to_json()["Outputs"]

    # THEN the operator finds the run workflow and the topic to subscribe to
    assert outputs["RunStateMachineArn"]["Value"] == {"Ref": logical_id(stack.workflow.state_machine)}
    assert outputs["NotificationTopicArn"]["Value"] == {"Ref": logical_id(stack.notifications.topic)}
