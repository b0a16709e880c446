"""Ledger: the DynamoDB table of what the service remembers between runs (disposer/ledger/table.py).

Remembered publish times spare a steady daily run its DescribePackageVersion calls; the same table
holds holds and quarantine records, whose loss would change what is disposed: so point-in-time
recovery is on and the table is retained when the stack is deleted.

Who writes what: only the two functions' roles (the run function's and the steps function's), and the
usage recorder's where a trail is configured, may write or delete any item, the holds partition included
(an explicit deny in the table's resource policy, which no identity policy overrides). A
forged publish time or quarantine record could make a version look old, or its quarantine over; a
hold deleted straight in the table would re-enable a disposal with no record in the service's logs.
So holds are placed and removed through the API, attributed to its caller; reads stay with IAM. The
recorder may only put and update items, and only in the partitions it writes (IAM's
`dynamodb:LeadingKeys`): packages' downloads, the trail's coverage and its files; never a package's publish
times or quarantine records, never the holds.
"""

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct

from disposer.ledger.usage import COVERAGE_KEY, TRAIL_FILE_PREFIX, USAGE_PREFIX
from infra.constants import ENV_LEDGER_TABLE, LEDGER_PARTITION_KEY, LEDGER_SORT_KEY, LEDGER_TTL_ATTRIBUTE
from infra.function import DisposerFunction, DisposerLambda

# Exactly the calls disposer/ledger/ makes for each function (tests/iam.py holds them to it). A run, in
# either function, reads packages' remembered publish times (BatchGetItem, 100 packages a request), a
# package's quarantine records, the times an earlier version stored and the holds (Query), remembers
# publish times and quarantine records (BatchWriteItem) and marks a quarantined version restored
# (UpdateItem); only the run function places and removes holds, for the API (PutItem, DeleteItem).
STEPS_LEDGER_ACTIONS = ("dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:UpdateItem")
RUN_LEDGER_ACTIONS = (*STEPS_LEDGER_ACTIONS, "dynamodb:PutItem", "dynamodb:DeleteItem")
# The usage recorder records a version's latest download and the trail's coverage (conditional UpdateItem) and
# a digest's or a log file's first sight (PutItem), in the partitions below only: a package's downloads
# (`usage#pkg#...`, disposer/ledger/usage.py), the coverage partition and one per trail file: never a package's
# own partition (publish times, quarantine records), nor the holds. Both actions carry
# exactly one partition key, so ForAllValues never meets an empty set there.
RECORDER_LEDGER_ACTIONS = ("dynamodb:UpdateItem", "dynamodb:PutItem")
RECORDER_PARTITIONS = (f"{USAGE_PREFIX}*", COVERAGE_KEY, f"{TRAIL_FILE_PREFIX}*")
# Every action that writes or deletes an item: denied to all but the functions' roles, holds included.
# TransactWriteItems and BatchWriteItem are authorized as well as the Put/Update/DeleteItem they carry;
# ExecuteStatement and BatchExecuteStatement as the PartiQL actions.
LEDGER_WRITE_ACTIONS = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
)


class Ledger(Construct):
    """The ledger table, and the functions' grants on it (the usage recorder's too, when there is one)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        run_function: DisposerFunction,
        steps: DisposerLambda,
        recorder: DisposerLambda | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name=LEDGER_PARTITION_KEY, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=LEDGER_SORT_KEY, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=LEDGER_TTL_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.DEFAULT,
            removal_policy=RemovalPolicy.RETAIN,
        )
        functions = [function.role.role_arn for function in (run_function, steps, recorder) if function is not None]
        # Every item write, whatever the API (PartiQL and transactions are authorized as these actions), to
        # every principal but the functions' roles; no exception for any partition.
        self.table.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OnlyTheFunctionsWriteItems",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=list(LEDGER_WRITE_ACTIONS),
                resources=["*"],  # in a table's resource policy, "*" is this table
                conditions={"ArnNotEquals": {"aws:PrincipalArn": functions}},
            )
        )
        run_function.function.add_environment(ENV_LEDGER_TABLE, self.table.table_name)
        run_function.role.add_to_policy(
            iam.PolicyStatement(sid="UseTheLedger", actions=list(RUN_LEDGER_ACTIONS), resources=[self.table.table_arn])
        )
        steps.function.add_environment(ENV_LEDGER_TABLE, self.table.table_name)
        steps.role.add_to_policy(
            iam.PolicyStatement(
                sid="UseTheLedgerForRuns", actions=list(STEPS_LEDGER_ACTIONS), resources=[self.table.table_arn]
            )
        )
        if recorder is not None:
            self._grant_recorder(recorder)

    def _grant_recorder(self, recorder: DisposerLambda) -> None:
        recorder.function.add_environment(ENV_LEDGER_TABLE, self.table.table_name)
        recorder.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="RecordUsageInTheLedger",
                actions=list(RECORDER_LEDGER_ACTIONS),
                resources=[self.table.table_arn],
                conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": list(RECORDER_PARTITIONS)}},
            )
        )
