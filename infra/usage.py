"""UsageRecorder: a CloudTrail trail's new files, through an SQS queue, to the function that records downloads.

CodeArtifact logs every package download as a CloudTrail management event (`ReadFromRepository`); an
existing trail (the `usageTrail` context key) delivers them, gzipped, to its S3 bucket, with an hourly
digest file (log file validation) that lists every log file of its hour. Each new object of the trail
reaches the queue, either as an EventBridge `Object Created` event (the rule here; the deployer turns on
EventBridge notifications for the bucket) or as an S3 event notification the deployer adds to the
bucket (the queue policy admits the bucket). The recorder (`disposer.recorder.lambda_handler`) reads
each file and keeps, in the ledger, the latest download of each version and which hours it has seen
whole; a file it cannot read is retried, then kept in the dead-letter queue for an operator.

The recorder's role reads the trail's objects and nothing else of the bucket (and decrypts them through
S3 with the trail's key, if it has one), and CloudTrail's event history (LookupEvents), from which an
operator's direct invocation backfills the hours before the recorder was deployed; the ledger construct
grants it its writes (infra/ledger.py). It is given nothing of CodeArtifact.
"""

from typing import Any

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import DisposerConfig
from infra.constants import (
    ENV_USAGE_BUCKET,
    ENV_USAGE_IGNORE_PRINCIPALS,
    ENV_USAGE_PREFIX,
    ENV_USAGE_TRAIL,
    RECORDER_BATCH_SIZE,
    RECORDER_HANDLER,
    RECORDER_MAX_CONCURRENCY,
    RECORDER_MEMORY_MB,
    RECORDER_TIMEOUT,
    SERVICE_NAME,
    USAGE_MAX_RECEIVE_COUNT,
    USAGE_QUEUE_RETENTION,
    USAGE_QUEUE_VISIBILITY,
)
from infra.function import DisposerLambda
from infra.usage_config import UsageTrail

S3_PRINCIPAL = "s3.amazonaws.com"
# What the recorder does with the trail's objects: read them (a HeadObject is authorized as GetObject too).
TRAIL_OBJECT_ACTIONS = ("s3:GetObject",)
# With SSE-KMS, S3 decrypts a trail file for its reader as that reader.
TRAIL_KEY_ACTIONS = ("kms:Decrypt",)
# A backfill reads event history; LookupEvents has no resource-level permission (Service Authorization Reference).
EVENT_HISTORY_ACTIONS = ("cloudtrail:LookupEvents",)


def _queue(scope: Construct, construct_id: str, **options: Any) -> sqs.Queue:
    """A queue encrypted at rest (SQS managed keys: S3 and EventBridge send to it with no key policy to admit them),
    refusing requests without TLS, keeping messages 14 days."""
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=USAGE_QUEUE_RETENTION,
        **options,
    )


class UsageRecorder(Construct):
    """The queue and its dead-letter queue, the rule that feeds it, and the recorder function it feeds."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DisposerConfig,
        trail: UsageTrail,
        log_key: kms.IKey,
        code: lambda_.Code | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.trail = trail
        self.dead_letter_queue = _queue(self, "DeadLetterQueue")
        self.queue = _queue(
            self,
            "Queue",
            visibility_timeout=USAGE_QUEUE_VISIBILITY,
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=USAGE_MAX_RECEIVE_COUNT
            ),
        )
        self._admit_bucket_notifications()
        self.rule = events.Rule(
            self,
            "Rule",
            description=f"{SERVICE_NAME}: new objects of the trail in {trail.bucket} to the usage recorder's queue",
            event_pattern=self.event_pattern,
            # Events EventBridge cannot deliver (after its own retries) are kept with the recorder's failures.
            targets=[targets.SqsQueue(self.queue, dead_letter_queue=self.dead_letter_queue)],
        )
        self.recorder = DisposerLambda(
            self,
            "Recorder",
            config=config,
            code=code,
            handler=RECORDER_HANDLER,
            timeout=RECORDER_TIMEOUT,
            memory_size=RECORDER_MEMORY_MB,
            description="records CodeArtifact downloads from a CloudTrail trail (the usage recorder)",
            log_key=log_key,
            audit_trail=False,
            environment=self.environment,
        )
        self._feed_recorder()
        self._grant_trail_reads()

    @property
    def bucket_arn(self) -> str:
        return Stack.of(self).format_arn(service="s3", region="", account="", resource=self.trail.bucket)

    @property
    def trail_objects_arn(self) -> str:
        """Every object the trail writes (log files and digests), and nothing else of the bucket."""
        return Stack.of(self).format_arn(
            service="s3",
            region="",
            account="",
            resource=self.trail.bucket,
            resource_name=f"{self.trail.logs_prefix}*",
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )

    @property
    def event_pattern(self) -> events.EventPattern:
        """S3's `Object Created` events for the trail's objects (S3 sends them once the bucket turns them on)."""
        return events.EventPattern(
            source=["aws.s3"],
            detail_type=["Object Created"],
            detail={"bucket": {"name": [self.trail.bucket]}, "object": {"key": [{"prefix": self.trail.logs_prefix}]}},
        )

    @property
    def environment(self) -> dict[str, str]:
        """The recorder's own settings; a prefix or principal list left empty is left out (the default)."""
        environment = {ENV_USAGE_BUCKET: self.trail.bucket}
        if self.trail.prefix:
            environment[ENV_USAGE_PREFIX] = self.trail.prefix
        if self.trail.ignore_principals:
            environment[ENV_USAGE_IGNORE_PRINCIPALS] = ",".join(self.trail.ignore_principals)
        if self.trail.trail_name:
            environment[ENV_USAGE_TRAIL] = self.trail.trail_name
        return environment

    def _feed_recorder(self) -> None:
        self.recorder.function.add_event_source(
            sources.SqsEventSource(
                self.queue,
                batch_size=RECORDER_BATCH_SIZE,
                max_concurrency=RECORDER_MAX_CONCURRENCY,
                # One file that fails is retried alone: the others of its batch are done.
                report_batch_item_failures=True,
            )
        )

    def _admit_bucket_notifications(self) -> None:
        """For a deployer who sends the bucket's notifications straight to the queue instead of through EventBridge:
        S3 may send, for the trail's bucket in this account only."""
        self.queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="TrailBucketNotifications",
                principals=[iam.ServicePrincipal(S3_PRINCIPAL)],
                actions=["sqs:SendMessage"],
                resources=[self.queue.queue_arn],
                conditions={
                    "ArnEquals": {"aws:SourceArn": self.bucket_arn},
                    "StringEquals": {"aws:SourceAccount": Stack.of(self).account},
                },
            )
        )

    def _grant_trail_reads(self) -> None:
        role = self.recorder.role
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ReadTrailFiles", actions=list(TRAIL_OBJECT_ACTIONS), resources=[self.trail_objects_arn]
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(sid="ReadEventHistory", actions=list(EVENT_HISTORY_ACTIONS), resources=["*"])
        )
        if self.trail.kms_key_arn is None:
            return
        # Through S3 only: the trail's key is of no use to the role for anything else.
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="DecryptTrailFiles",
                actions=list(TRAIL_KEY_ACTIONS),
                resources=[self.trail.kms_key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{Stack.of(self).region}.amazonaws.com"}},
            )
        )
