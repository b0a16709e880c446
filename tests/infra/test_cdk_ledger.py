"""The ledger table: its key design, kept through a stack's deletion with point-in-time recovery, and
written by the two functions alone, holds included."""

from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template

from infra.constants import ENV_LEDGER_TABLE
from infra.stack import DisposerStack
from local.tables import create_ledger_table
from tests.iam import denied_by_resource_policy
from tests.infra.cdk_testkit import granted, role_statements, run_function, steps_function


def _ledger(stack: DisposerStack, template: Template) -> tuple[str, dict[str, Any]]:
    logical_id = stack.get_logical_id(stack.ledger.table.node.default_child)  # type: ignore[arg-type]
    resource: dict[str, Any] = template.to_json()["Resources"][logical_id]
    return logical_id, resource


def test_ledger_keyed_pk_sk_retained_with_point_in_time_recovery(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN / WHEN the ledger table is read
    _, table = _ledger(default_stack[1], template)
    properties = table["Properties"]
    # THEN a partition and a sort key (a package's times and quarantine records share a partition), TTL,
    # on demand, point-in-time recovery on, and retained when the stack goes (it holds holds)
    assert properties["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_ledger_grants_each_function_exactly_its_calls(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN both functions' roles and environments
    stack = default_stack[1]
    logical_id, _ = _ledger(stack, template)
    run, steps = run_function(template)[1], steps_function(template)[1]
    arn = f"<{logical_id}.Arn>"

    def on_ledger(function: dict[str, Any]) -> set[str]:
        return {a for a, r in granted(role_statements(template, function), "dynamodb:") if r == arn}

    # WHEN / THEN both are told the table; each reads remembered times in batches, partitions and holds,
    # remembers times and quarantine records, marks restores; the run function also places and removes holds
    for function in (run, steps):
        assert function["Environment"]["Variables"][ENV_LEDGER_TABLE] == {"Ref": logical_id}
    assert on_ledger(run) == {
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:UpdateItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
    }
    # AND the steps function, which runs the workflow's runs, does what a run does there, no more: reads
    # partitions and holds, remembers times and quarantine records, marks restores; never a hold's put or delete
    assert on_ledger(steps) == {
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:UpdateItem",
    }


WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "PartiQLInsert", "PartiQLUpdate", "PartiQLDelete")


def test_ledger_policy_denies_every_write_to_all_but_the_functions_holds_included(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the ledger table's resource policy
    stack = default_stack[1]
    logical_id, table = _ledger(stack, template)
    (deny,) = table["Properties"]["ResourcePolicy"]["PolicyDocument"]["Statement"]
    roles = [{"Fn::GetAtt": [stack.get_logical_id(role.node.default_child), "Arn"]} for role in _roles(stack)]
    # WHEN / THEN one explicit Deny of every item write, to every principal but the two functions' roles,
    # with no condition on the partition: a hold is written or deleted by the functions only
    assert (deny["Effect"], deny["Principal"]) == ("Deny", {"AWS": "*"})
    assert set(deny["Action"]) == {f"dynamodb:{action}" for action in WRITES}
    assert deny["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": roles}}
    # AND, as IAM evaluates it: an operator's role may not place or remove a hold straight in the table
    # (nor write anything else), while both functions' writes stay allowed and reads are left to IAM
    policy = template.to_json()
    operator = "arn:aws:iam::111122223333:role/PlatformOps"
    for action in WRITES:
        assert denied_by_resource_policy(policy, logical_id, f"dynamodb:{action}", operator), action
        for role in roles:
            assert not denied_by_resource_policy(
                policy, logical_id, f"dynamodb:{action}", f"resource:{role['Fn::GetAtt'][0]}"
            )
    for read in ("Query", "GetItem", "Scan"):
        assert not denied_by_resource_policy(policy, logical_id, f"dynamodb:{read}", operator)


def _roles(stack: DisposerStack) -> list[Any]:
    return [stack.disposer.role, stack.steps.role]


class _Recorder:
    """Stands in for a DynamoDB client: keeps what create_table was asked."""

    def __init__(self) -> None:
        self.created: dict[str, Any] = {}

    def create_table(self, **request: Any) -> None:
        self.created = request


def test_local_ledger_table_has_the_deployed_key_design(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the table the tests, the bench and the demo create in moto
    recorder = _Recorder()
    create_ledger_table(recorder, "ledger")
    # WHEN compared with the deployed one / THEN the keys and their types are the same
    properties = _ledger(default_stack[1], template)[1]["Properties"]
    assert recorder.created["KeySchema"] == properties["KeySchema"]
    assert recorder.created["AttributeDefinitions"] == properties["AttributeDefinitions"]
