"""FanOut: the work queue and its DLQ, the run table, and the worker function that drains the queue.

A scheduled run plans inline, checks its cap, writes the run and its pinned disposals (in parts) to the
table and sends a reference to each part to the queue (disposer/fanout/dispatch.py); the worker
applies them a batch at a time, the SQS event source's maximum concurrency capping how many workers
run at once, and the worker that finishes the last part writes the run's report
(disposer/worker.py, disposer/fanout/parts.py).
"""

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import DisposerConfig
from infra.constants import (
    ENV_RUN_TABLE,
    ENV_WORK_QUEUE_URL,
    RUN_TABLE_PARTITION_KEY,
    RUN_TABLE_TTL_ATTRIBUTE,
    WORK_DLQ_RETENTION,
    WORK_MAX_RECEIVE_COUNT,
    WORK_QUEUE_VISIBILITY_TIMEOUT,
    WORKER_BATCH_SIZE,
    WORKER_HANDLER,
    WORKER_TIMEOUT,
)
from infra.function import DisposerFunction, DisposerLambda
from infra.permissions import WORKER_PACKAGE_ACTIONS, codeartifact_statements, package_actions
from infra.queues import secure_queue

# Exactly the calls disposer/fanout/ makes (the IAM-equals-calls check in tests/integration holds them to
# it). The run function records a run once (conditional PutItem), writes its parts (BatchWriteItem),
# and, when SQS refuses work, cuts the run short and may report it (UpdateItem). The worker reads the
# part it is sent and whether it was tallied (GetItem), tallies it and claims the report (UpdateItem).
DISPATCH_TABLE_ACTIONS = ("dynamodb:PutItem", "dynamodb:BatchWriteItem", "dynamodb:UpdateItem")
WORKER_TABLE_ACTIONS = ("dynamodb:GetItem", "dynamodb:UpdateItem")
# SendMessageBatch is authorized as SendMessage.
DISPATCH_QUEUE_ACTIONS = ("sqs:SendMessage",)
# What takes a work message off the queue, or hides it (the *Batch forms are authorized as these): only
# the worker's role, as which Lambda's event source mapping polls, may. A principal that could receive
# and delete would drop a part, and its run would never complete nor report.
CONSUME_QUEUE_ACTIONS = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:PurgeQueue",
)
# What would write an item of the run table without UpdateItem: denied to every role but the run
# function's (PartiQL statements are authorized as these PartiQL actions).
FOREIGN_WRITE_ACTIONS = (
    "dynamodb:PutItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
)


class FanOut(Construct):
    """Work queue (with DLQ), run table and worker; wires the run function (`dispatcher`) to them."""

    # Longer than 50 lines: the work queue, its dead-letter queue, the worker, the run table and their
    # policies, declared together.
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DisposerConfig,
        dispatcher: DisposerFunction,
        log_key: kms.IKey,
        code: lambda_.Code | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.max_concurrency = config.worker_concurrency

        self.dead_letter_queue = secure_queue(self, "DeadLetterQueue", retention_period=WORK_DLQ_RETENTION)
        self.queue = secure_queue(
            self,
            "WorkQueue",
            visibility_timeout=WORK_QUEUE_VISIBILITY_TIMEOUT,
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=WORK_MAX_RECEIVE_COUNT
            ),
        )

        # Coordination state only: one item per run (what to expect, running totals) and one marker per
        # applied message, each expiring after 90 days. The record of what was disposed is the audit
        # trail in the log groups, which are retained; nothing here is needed once a run has reported,
        # so the table goes with the stack (a retained table would be orphaned under a generated name).
        self.table = dynamodb.Table(
            self,
            "RunTable",
            partition_key=dynamodb.Attribute(name=RUN_TABLE_PARTITION_KEY, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=RUN_TABLE_TTL_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            # AWS owned key: run ids, policy names and counts, no secrets; no KMS calls or key to manage.
            encryption=dynamodb.TableEncryption.DEFAULT,
            removal_policy=RemovalPolicy.DESTROY,
        )

        self.worker = DisposerLambda(
            self,
            "Worker",
            config=config,
            log_key=log_key,
            code=code,
            handler=WORKER_HANDLER,
            timeout=WORKER_TIMEOUT,
            description="applies fanned-out disposals from the work queue",
            environment={ENV_RUN_TABLE: self.table.table_name},
        )
        for statement in codeartifact_statements(
            Stack.of(self),
            domain=config.domain,
            domain_owner=self.worker.domain_owner,
            repositories=config.repositories,
            actions=package_actions(WORKER_PACKAGE_ACTIONS, measure_bytes=config.measure_bytes),
            discovery=False,
        ):
            self.worker.role.add_to_policy(statement)
        self.worker.role.add_to_policy(
            iam.PolicyStatement(sid="TallyRuns", actions=list(WORKER_TABLE_ACTIONS), resources=[self.table.table_arn])
        )
        # Lambda's poller receives and deletes for the worker: the event source grants its role the SQS
        # consumer actions on this queue.
        self.event_source = event_sources.SqsEventSource(
            self.queue,
            batch_size=WORKER_BATCH_SIZE,
            report_batch_item_failures=True,
            max_concurrency=config.worker_concurrency,
        )
        self.worker.function.add_event_source(self.event_source)

        self._only_the_deployment_writes(dispatcher=dispatcher.role, worker=self.worker.role)

        dispatcher.function.add_environment(ENV_WORK_QUEUE_URL, self.queue.queue_url)
        dispatcher.function.add_environment(ENV_RUN_TABLE, self.table.table_name)
        dispatcher.role.add_to_policy(
            iam.PolicyStatement(
                sid="DispatchWork", actions=list(DISPATCH_QUEUE_ACTIONS), resources=[self.queue.queue_arn]
            )
        )
        dispatcher.role.add_to_policy(
            iam.PolicyStatement(
                sid="RecordRuns", actions=list(DISPATCH_TABLE_ACTIONS), resources=[self.table.table_arn]
            )
        )

    def _only_the_deployment_writes(self, *, dispatcher: iam.IRole, worker: iam.IRole) -> None:
        """Resource policies: a work message or a part from anyone but the run function is never accepted.

        A part in the table is what a worker applies, and a message names one; so only the run function's
        role may send to the queue or put items, only the two functions' roles may update them, and only
        the worker's role may receive, delete or hide a message.
        Explicit denies, so no identity policy elsewhere in the account (an admin's `sqs:*`) overrides
        them; changing them takes changing this stack.
        """
        self.queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OnlyTheRunFunctionSendsWork",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["sqs:SendMessage"],
                resources=[self.queue.queue_arn],
                conditions={"ArnNotEquals": {"aws:PrincipalArn": dispatcher.role_arn}},
            )
        )
        self._only_the_worker_takes_work(worker)
        # A table's resource policy names its own table as "*" (the ARN cannot refer to itself in CFN).
        self.table.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OnlyTheRunFunctionWritesParts",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=list(FOREIGN_WRITE_ACTIONS),
                resources=["*"],
                conditions={"ArnNotEquals": {"aws:PrincipalArn": dispatcher.role_arn}},
            )
        )
        self.table.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OnlyTheFunctionsTally",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["dynamodb:UpdateItem"],
                resources=["*"],
                conditions={"ArnNotEquals": {"aws:PrincipalArn": [dispatcher.role_arn, worker.role_arn]}},
            )
        )

    def _only_the_worker_takes_work(self, worker: iam.IRole) -> None:
        """Only the worker's role receives, deletes or hides a work message; nobody purges either queue."""
        self.queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OnlyTheWorkerTakesWork",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=list(CONSUME_QUEUE_ACTIONS),
                resources=[self.queue.queue_arn],
                conditions={"ArnNotEquals": {"aws:PrincipalArn": worker.role_arn}},
            )
        )
        # The DLQ's parts are read and deleted by an operator (the WorkDeadLetters runbook), one at a time;
        # nobody empties it at once. A part dropped from it is still seen: its run stays unreported
        # (alarm RunsUnreported).
        self.dead_letter_queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="NobodyPurgesDeadLetters",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["sqs:PurgeQueue"],
                resources=[self.dead_letter_queue.queue_arn],
            )
        )
