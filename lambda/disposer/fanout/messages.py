"""What travels between the run function and the worker: a work message names a run and a part, nothing else.

The part itself - up to MAX_ITEMS_PER_PART pinned disposals and archives of one package - is written to the run
table by the run function (see table.py); `encode_part` and `decode_part` carry the plan's own
PlanItem objects there and back unchanged.
"""

import json
import zlib
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from disposer.model.packages import PackageFormat, PackageRef, PackageVersionStatus
from disposer.model.plans import Action, Plan, PlanItem, Rule

# Versions per part: 400 worst-case items (255-character versions, revisions and reasons) stay well under
# DynamoDB's 400 KB item limit even before compression.
MAX_ITEMS_PER_PART = 400
# Run ids are EventBridge event ids and API Gateway request ids (UUIDs); nothing else is a run.
RUN_ID_PATTERN = r"^[A-Za-z0-9-]{1,64}$"


class WorkMessage(BaseModel):
    """One SQS message: `{"runId": ..., "part": n}`; anything else is not work."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True)

    run_id: Annotated[str, Field(alias="runId", pattern=RUN_ID_PATTERN)]
    part: Annotated[StrictInt, Field(ge=0)]


def split_parts(plan: Plan) -> list[tuple[PlanItem, ...]]:
    """Each package's changes (disposals and archives), in parts of at most MAX_ITEMS_PER_PART, in plan order."""
    parts: list[tuple[PlanItem, ...]] = []
    for package in plan.packages:
        changes = package.changes
        parts.extend(
            changes[start : start + MAX_ITEMS_PER_PART] for start in range(0, len(changes), MAX_ITEMS_PER_PART)
        )
    return parts


def encode_part(items: Sequence[PlanItem]) -> bytes:
    """A part as compressed JSON: the package's coordinates once, then each change's pins, action and reason."""
    ref = items[0].ref
    if any(item.ref != ref or item.action is Action.KEEP for item in items):
        raise ValueError("a part holds disposals and archives of one package only")
    document: dict[str, Any] = {
        "ref": [ref.domain, ref.domain_owner, ref.repository, str(ref.format), ref.namespace, ref.package],
        "items": [
            [item.version, item.revision, item.status, str(item.rule), item.reason, item.expected_status, item.action]
            for item in items
        ],
    }
    return zlib.compress(json.dumps(document, separators=(",", ":")).encode())


def decode_part(data: bytes) -> tuple[PlanItem, ...]:
    """The PlanItems `encode_part` was given, equal field for field."""
    document = json.loads(zlib.decompress(data))
    domain, owner, repository, package_format, namespace, package = document["ref"]
    ref = PackageRef(domain, owner, repository, PackageFormat(package_format), namespace, package)
    return tuple(
        PlanItem(
            ref=ref,
            version=version,
            revision=revision,
            status=None if status is None else PackageVersionStatus(status),
            action=Action(action),
            rule=Rule(rule),
            reason=reason,
            expected_status=None if expected is None else PackageVersionStatus(expected),
        )
        for version, revision, status, rule, reason, expected, action in document["items"]
    )
