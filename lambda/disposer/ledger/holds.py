"""The ledger's holds: partition `holds`, one item `hold#<hold id>` per hold (see ledger/table.py).

An item that does not parse as a hold is answered as an UnreadableHold (never an error that stops a
run): what it names of its package when that can be read, and why it cannot. GET /holds pages through
the partition; its `nextToken` is DynamoDB's LastEvaluatedKey, encoded, and checked when it comes back
so that no token reads outside the holds partition.
"""

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from disposer.errors import InvalidNextTokenError
from disposer.model.holds import Hold, UnreadableHold
from disposer.model.packages import PackageFormat, PackageRef

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

HOLDS_KEY = "holds"
HOLD_PREFIX = "hold#"
# An expired hold is left out of every answer at once; DynamoDB deletes it a day later.
HOLD_AFTERLIFE_SECONDS = 86400
# DynamoDB's limit on a sort key (bytes): a hold id in a path longer than that names no item.
MAX_HOLD_ID = 1000

HoldEntry = Hold | UnreadableHold


def hold_key(hold_id: str) -> dict[str, Any]:
    return {"pk": {"S": HOLDS_KEY}, "sk": {"S": f"{HOLD_PREFIX}{hold_id}"}}


def hold_item(hold: Hold) -> dict[str, Any]:
    ref = hold.ref
    item: dict[str, Any] = {
        **hold_key(hold.hold_id),
        "domain": {"S": ref.domain},
        "repository": {"S": ref.repository},
        "format": {"S": str(ref.format)},
        "package": {"S": ref.package},
        "version": {"S": hold.version},
        "until": {"S": hold.until.isoformat()},
        "reason": {"S": hold.reason},
        "created_by": {"S": hold.created_by},
        "created_at": {"S": hold.created_at.isoformat()},
        "expires_at": {"N": str(int(hold.until.timestamp()) + HOLD_AFTERLIFE_SECONDS)},
    }
    if ref.domain_owner:
        item["domain_owner"] = {"S": ref.domain_owner}
    if ref.namespace:
        item["namespace"] = {"S": ref.namespace}
    return item


def in_force(entries: list[HoldEntry], now: datetime) -> list[HoldEntry]:
    """The entries not expired at `now` (an unreadable one never expires: only the override removes it)."""
    return [entry for entry in entries if isinstance(entry, UnreadableHold) or entry.active(now)]


def read_entry(item: Mapping[str, Any]) -> HoldEntry:
    """A hold as stored, or an UnreadableHold naming the item, what is wrong, and its package if readable."""
    hold_id = str(item.get("sk", {}).get("S", "?")).removeprefix(HOLD_PREFIX)
    try:
        hold = _hold(item)
        if hold.until.tzinfo is None or hold.created_at.tzinfo is None:
            raise ValueError("a time without a zone")
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        return UnreadableHold(hold_id=hold_id, problem=repr(error)[:300], ref=_ref_or_none(item))
    return hold


def _ref_or_none(item: Mapping[str, Any]) -> PackageRef | None:
    try:
        return _ref(item)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _text(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name)
    return None if value is None else str(value["S"])


def _ref(item: Mapping[str, Any]) -> PackageRef:
    return PackageRef(
        domain=str(item["domain"]["S"]),
        domain_owner=_text(item, "domain_owner"),
        repository=str(item["repository"]["S"]),
        format=PackageFormat(item["format"]["S"]),
        namespace=_text(item, "namespace"),
        package=str(item["package"]["S"]),
    )


def _hold(item: Mapping[str, Any]) -> Hold:
    return Hold(
        hold_id=item["sk"]["S"].removeprefix(HOLD_PREFIX),
        ref=_ref(item),
        version=str(item["version"]["S"]),
        until=datetime.fromisoformat(item["until"]["S"]),
        reason=str(item["reason"]["S"]),
        created_by=str(item["created_by"]["S"]),
        created_at=datetime.fromisoformat(item["created_at"]["S"]),
    )


def encode_token(last_key: Mapping[str, Any] | None) -> str | None:
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, sort_keys=True).encode()).decode()


def decode_token(token: str) -> dict[str, Any]:
    """The LastEvaluatedKey a nextToken encodes; InvalidNextTokenError unless it is a key of the holds partition."""
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
        if (
            isinstance(key, dict)
            and set(key) == {"pk", "sk"}
            and key["pk"] == {"S": HOLDS_KEY}
            and isinstance(key["sk"], dict)
            and set(key["sk"]) == {"S"}
            and isinstance(key["sk"]["S"], str)
            and key["sk"]["S"].startswith(HOLD_PREFIX)
        ):
            return key
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    raise InvalidNextTokenError("nextToken is not one a GET /holds answer gave: start again without it")
