"""Ledger: the DynamoDB table of what the service remembers between runs (disposer/ledger/table.py).

Remembered publish times spare a steady daily run its DescribePackageVersion calls; the same table
holds holds and quarantine records, whose loss would change what is disposed: so point-in-time
recovery is on and the table is retained when the stack is deleted.
"""

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.constants import ENV_LEDGER_TABLE, LEDGER_PARTITION_KEY, LEDGER_SORT_KEY, LEDGER_TTL_ATTRIBUTE
from infra.fanout import FOREIGN_WRITE_ACTIONS
from infra.function import DisposerFunction

# Exactly the calls disposer/ledger/ makes for each function (tests/iam.py holds them to it): the run
# function reads a package's remembered publish times (Query) and remembers new ones (BatchWriteItem).
RUN_LEDGER_ACTIONS = ("dynamodb:Query", "dynamodb:BatchWriteItem")


class Ledger(Construct):
    """The ledger table, and the run function's grants on it."""

    def __init__(self, scope: Construct, construct_id: str, *, run_function: DisposerFunction) -> None:
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
        # Only the run function writes what the service remembers: an explicit deny for every other role.
        self.table.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OnlyTheRunFunctionWrites",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=[*FOREIGN_WRITE_ACTIONS, "dynamodb:UpdateItem"],
                resources=["*"],  # in a table's resource policy, "*" is this table
                conditions={"ArnNotEquals": {"aws:PrincipalArn": run_function.role.role_arn}},
            )
        )
        run_function.function.add_environment(ENV_LEDGER_TABLE, self.table.table_name)
        run_function.role.add_to_policy(
            iam.PolicyStatement(
                sid="RememberPublishTimes", actions=list(RUN_LEDGER_ACTIONS), resources=[self.table.table_arn]
            )
        )
