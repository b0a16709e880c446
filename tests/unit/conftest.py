"""Fixtures shared by the unit tests: the stack's DynamoDB table in moto's in-process mock."""

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from disposer.ledger.table import LedgerTable
from local.tables import create_ledger_table


@pytest.fixture
def ledger_table() -> Iterator[LedgerTable]:
    """An empty ledger table."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        yield LedgerTable(create_ledger_table(client, "ledger"), client)
