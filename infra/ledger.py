"""Ledger: the DynamoDB table of what the service remembers between runs (disposer/ledger/table.py).

Remembered publish times spare a steady daily run its DescribePackageVersion calls; the same table
holds holds and quarantine records, whose loss would change what is disposed: so point-in-time
recovery is on and the table is retained when the stack is deleted.

Who writes what: a forged publish time or quarantine record could make a version look old, or its
quarantine over, so only the two functions' roles may write outside the holds partition (explicit
denies in the table's resource policy). Holds only ever keep versions: an operator's own IAM
identity may place and remove them directly (the CLI's `hold` commands), as the API does.
"""

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.constants import ENV_LEDGER_TABLE, LEDGER_PARTITION_KEY, LEDGER_SORT_KEY, LEDGER_TTL_ATTRIBUTE
from infra.fanout import FOREIGN_WRITE_ACTIONS
from infra.function import DisposerFunction, DisposerLambda

# Exactly the calls disposer/ledger/ makes for each function (tests/iam.py holds them to it). The run
# function reads a package's partition and the holds (Query), remembers publish times and quarantine
# records (BatchWriteItem), marks a quarantined version restored (UpdateItem), and places and removes
# holds for the API (PutItem, DeleteItem). The worker reads the holds before it writes (Query) and
# records the versions it archived (BatchWriteItem).
RUN_LEDGER_ACTIONS = (
    "dynamodb:Query",
    "dynamodb:BatchWriteItem",
    "dynamodb:UpdateItem",
    "dynamodb:PutItem",
    "dynamodb:DeleteItem",
)
WORKER_LEDGER_ACTIONS = ("dynamodb:Query", "dynamodb:BatchWriteItem")
# The partition of the holds (disposer/ledger/table.py HOLDS_KEY).
HOLDS_PARTITION = "holds"


class Ledger(Construct):
    """The ledger table, and the run function's grants on it."""

    # Longer than 50 lines: the ledger table and its resource policy, which must name the roles allowed to write.
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        run_function: DisposerFunction,
        worker: DisposerLambda | None = None,
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
        functions = [run_function.role.role_arn] + ([worker.role.role_arn] if worker is not None else [])
        # Only the functions write outside the holds partition: an explicit deny for every other role.
        self.table.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OnlyTheFunctionsWriteMemory",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=[*FOREIGN_WRITE_ACTIONS, "dynamodb:UpdateItem"],
                resources=["*"],  # in a table's resource policy, "*" is this table
                conditions={
                    "ArnNotEquals": {"aws:PrincipalArn": functions},
                    "ForAnyValue:StringNotEquals": {"dynamodb:LeadingKeys": [HOLDS_PARTITION]},
                },
            )
        )
        # Nobody but the functions updates an item, holds included (a hold is replaced, never edited), nor
        # writes through PartiQL (the functions never do; whether IAM sees its leading keys is not
        # documented, so the holds exception above is not extended to it).
        self.table.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OnlyTheFunctionsUpdate",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=[
                    "dynamodb:UpdateItem",
                    "dynamodb:PartiQLUpdate",
                    "dynamodb:PartiQLInsert",
                    "dynamodb:PartiQLDelete",
                ],
                resources=["*"],
                conditions={"ArnNotEquals": {"aws:PrincipalArn": functions}},
            )
        )
        run_function.function.add_environment(ENV_LEDGER_TABLE, self.table.table_name)
        run_function.role.add_to_policy(
            iam.PolicyStatement(sid="UseTheLedger", actions=list(RUN_LEDGER_ACTIONS), resources=[self.table.table_arn])
        )
        if worker is not None:
            worker.function.add_environment(ENV_LEDGER_TABLE, self.table.table_name)
            worker.role.add_to_policy(
                iam.PolicyStatement(
                    sid="ReadHoldsRecordQuarantine",
                    actions=list(WORKER_LEDGER_ACTIONS),
                    resources=[self.table.table_arn],
                )
            )
