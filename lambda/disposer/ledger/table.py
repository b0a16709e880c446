"""The ledger: one DynamoDB table for what the service must remember between runs.

Key design (partition key `pk`, sort key `sk`, TTL `expires_at`), one item family per use:

- `pk` `pkg#<domain>#<owner>#<repo>#<format>#<namespace>#<package>`, `sk` `time#<version>#<revision>`:
  the version's publish time, as DescribePackageVersion gave it;
- the same package's partition, `sk` `quarantine#<policy>#<version>`: a version a policy archived;
- `pk` `holds`, `sk` `hold#<hold id>`: one hold.

A package's remembered times and quarantine records share its partition, so one Query reads all a run
needs of a package; holds are few, and one Query reads them all. `#` appears in none of the names
(CodeArtifact forbids it in versions, packages and namespaces; a revision comes last).
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from disposer.codeartifact.types import PackageRef
from disposer.errors import LedgerError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

TIME_PREFIX = "time#"
# A publish time not seen again for this long is forgotten (re-described at most once if it comes back).
REMEMBER_DAYS = 400
BATCH_WRITE_ITEMS = 25
BATCH_WRITE_ATTEMPTS = 5

VersionRevision = tuple[str, str]


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        raise LedgerError(f"the ledger table failed: {error}") from error


def package_key(ref: PackageRef) -> str:
    return "#".join(
        ("pkg", ref.domain, ref.domain_owner or "", ref.repository, str(ref.format), ref.namespace or "", ref.package)
    )


class LedgerTable:
    """The ledger's DynamoDB table (see the module docstring for its items)."""

    def __init__(self, name: str, client: DynamoDBClient) -> None:
        self.name = name
        self._client = client

    def _package_items(self, ref: PackageRef, prefix: str) -> Iterator[Mapping[str, Any]]:
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self.name,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": package_key(ref)}, ":prefix": {"S": prefix}},
        )
        for page in pages:
            yield from page.get("Items", [])

    def publish_times(self, ref: PackageRef) -> dict[VersionRevision, datetime]:
        """Every publish time remembered for the package, by (version, revision): one Query."""
        times: dict[VersionRevision, datetime] = {}
        with _translated():
            for item in self._package_items(ref, TIME_PREFIX):
                version, _, revision = item["sk"]["S"].removeprefix(TIME_PREFIX).partition("#")
                times[(version, revision)] = datetime.fromtimestamp(float(item["published"]["N"]), UTC)
        return times

    def remember_publish_times(self, ref: PackageRef, times: Mapping[VersionRevision, datetime], *, now: float) -> None:
        """Remember publish times (never changing for a version at a revision), 25 a call."""
        expires = str(int(now) + REMEMBER_DAYS * 86400)
        requests: list[Any] = [
            {
                "PutRequest": {
                    "Item": {
                        "pk": {"S": package_key(ref)},
                        "sk": {"S": f"{TIME_PREFIX}{version}#{revision}"},
                        "published": {"N": repr(published.timestamp())},
                        "expires_at": {"N": expires},
                    }
                }
            }
            for (version, revision), published in times.items()
        ]
        for start in range(0, len(requests), BATCH_WRITE_ITEMS):
            pending = requests[start : start + BATCH_WRITE_ITEMS]
            for _ in range(BATCH_WRITE_ATTEMPTS):
                with _translated():
                    answer = self._client.batch_write_item(RequestItems={self.name: pending})
                pending = answer.get("UnprocessedItems", {}).get(self.name, [])
                if not pending:
                    break
