"""A quarantine record as the ledger stores it: one readable item per version a policy archived, in the package's
partition (`quarantine#<policy>#<version>`), outliving any grace."""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from disposer.model.packages import PackageVersionStatus
from disposer.model.quarantine import QuarantineRecord

QUARANTINE_PREFIX = "quarantine#"
# A quarantine record outlives any grace (365 days at most) by far; a restored one is remembered as long.
QUARANTINE_DAYS = 800


def record_key(partition: str, policy: str, version: str) -> dict[str, Any]:
    return {"pk": {"S": partition}, "sk": {"S": f"{QUARANTINE_PREFIX}{policy}#{version}"}}


def expiry(moment: datetime) -> int:
    """When a record started or restored at `moment` expires (TTL seconds)."""
    return int(moment.timestamp()) + QUARANTINE_DAYS * 86400


def record_item(partition: str, policy: str, record: QuarantineRecord) -> dict[str, Any]:
    return {
        **record_key(partition, policy, record.version),
        "revision": {"S": record.revision},
        "status_before": {"S": str(record.status_before)},
        "since": {"N": repr(record.since.timestamp())},
        "run_id": {"S": record.run_id},
        "expires_at": {"N": str(expiry(record.since))},
    }


def read_record(version: str, item: Mapping[str, Any]) -> QuarantineRecord:
    restored = item.get("restored_at")
    return QuarantineRecord(
        version=version,
        revision=item["revision"]["S"],
        status_before=PackageVersionStatus(item["status_before"]["S"]),
        since=datetime.fromtimestamp(float(item["since"]["N"]), UTC),
        run_id=item["run_id"]["S"],
        restored_at=None if restored is None else datetime.fromtimestamp(float(restored["N"]), UTC),
    )
