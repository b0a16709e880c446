"""The stack's DynamoDB table, created in moto with the key design infra/ declares (tests, bench, demo)."""

from typing import Any


def create_ledger_table(dynamodb: Any, name: str) -> str:
    """The ledger: partition `pk` (a package, or `holds`), sort key `sk`."""
    dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name
