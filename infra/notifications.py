"""Notifications: the run workflow's events on the default bus, delivered to an encrypted SNS topic.

The workflow puts one event per milestone of a run (source `codeartifact.disposer`; detail-types Run
Planned, Approval Needed, Versions Quarantined, Run Finished, Run Aborted). One rule sends all five,
unchanged, to the notifications topic: subscribe an address (`notifyEmail`), AWS Chatbot or anything
SNS delivers to; docs/deploy.md shows a rule of your own that sends only `Approval Needed` to a chat
channel.
"""

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.config import DisposerConfig
from infra.constants import NOTIFICATION_DETAIL_TYPES, NOTIFICATION_SOURCE, SERVICE_NAME


class Notifications(Construct):
    """The notification rule, its role, the topic and the topic's key."""

    def __init__(self, scope: Construct, construct_id: str, *, config: DisposerConfig) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        name = f"{stack.stack_name}-run-notifications"
        # A customer managed key: the AWS managed aws/sns key admits no EventBridge delivery.
        self.key = kms.Key(
            self,
            "TopicKey",
            description=f"{SERVICE_NAME}: encrypts the run notifications topic {name}",
            enable_key_rotation=True,
            # Notifications are transient: nothing encrypted with it outlives the topic.
            removal_policy=RemovalPolicy.DESTROY,
            pending_window=Duration.days(7),
        )
        self.topic = sns.Topic(
            self,
            "Topic",
            topic_name=name,
            display_name=f"{SERVICE_NAME} runs",
            master_key=self.key,
            enforce_ssl=True,
        )
        # EventBridge publishes as this role (which may publish here only), not as its service principal:
        # the topic and the key then need no statement for the whole service.
        self.role = iam.Role(
            self,
            "PublishRole",
            assumed_by=iam.ServicePrincipal(
                "events.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": stack.account}}
            ),
            description=f"{SERVICE_NAME}: EventBridge publishes run notifications to {name}",
        )
        self.rule = events.Rule(
            self,
            "Rule",
            description=f"{SERVICE_NAME}: every run notification to the topic {name}",
            event_pattern=events.EventPattern(
                source=[NOTIFICATION_SOURCE], detail_type=list(NOTIFICATION_DETAIL_TYPES)
            ),
            targets=[targets.SnsTopic(self.topic, role=self.role)],
        )
        if config.notify_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.notify_email))
