"""Fan-out parts and messages: every disposal in exactly one part, parts within DynamoDB's item limit, the
plan's own PlanItems back from the table, and messages that are references and nothing else."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from disposer.fanout.messages import MAX_ITEMS_PER_PART, WorkMessage, decode_part, encode_part, split_parts
from disposer.model.packages import PackageFormat, PackageRef, PackageVersionStatus
from disposer.model.plans import Action, PackagePlan, Plan, PlanItem, Rule

DYNAMODB_MAX_ITEM_BYTES = 400 * 1024


def _package(count: int, *, width: int = 255, pin_status: bool = True) -> PackagePlan:
    ref = PackageRef("acme", "111122223333", "r" * 100, PackageFormat.MAVEN, "n" * 255, "p" * 255)
    items = tuple(
        PlanItem(
            ref=ref,
            version=f"{i:06d}".ljust(width, "v"),
            revision="R" * 50,
            status=PackageVersionStatus.PUBLISHED,
            action=Action.DISPOSE if i % 3 else Action.KEEP,
            rule=Rule.DISPOSE_OLDER_THAN if i % 3 else Rule.KEEP_LATEST,
            reason="dispose: older than 36500 days and matches select.versionPattern",
            expected_status=PackageVersionStatus.PUBLISHED if pin_status and i % 3 else None,
        )
        for i in range(count)
    )
    return PackagePlan(ref=ref, items=items)


def test_split_parts_worst_case_fits_dynamodb_and_covers_every_disposal_once():
    # GIVEN a package whose names, versions and revisions are all as long as CodeArtifact allows
    package = _package(1500)
    plan = Plan(policy="p", as_of=datetime.now(UTC), packages=(package,))
    # WHEN its disposals are split into parts and encoded for the run table
    parts = split_parts(plan)
    encoded = [encode_part(part) for part in parts]
    # THEN each part is within the item limit, full parts hold the maximum, and every disposal is in one part
    assert all(len(data) < DYNAMODB_MAX_ITEM_BYTES for data in encoded)
    assert max(len(part) for part in parts) == MAX_ITEMS_PER_PART
    assert [item for part in parts for item in part] == list(package.disposals)


def test_split_parts_never_mixes_packages():
    # GIVEN a plan of two packages
    first, second = _package(10, width=8), _package(10, width=9)
    second = PackagePlan(
        ref=PackageRef("acme", None, "other", PackageFormat.NPM, None, "x"),
        items=tuple(
            PlanItem(
                ref=PackageRef("acme", None, "other", PackageFormat.NPM, None, "x"),
                version=i.version,
                revision=i.revision,
                status=i.status,
                action=i.action,
                rule=i.rule,
                reason=i.reason,
            )
            for i in second.items
        ),
    )
    # WHEN split THEN each part holds one package's disposals
    parts = split_parts(Plan(policy="p", as_of=datetime.now(UTC), packages=(first, second)))
    assert [len({item.ref for item in part}) for part in parts] == [1, 1]


@pytest.mark.parametrize("pin_status", [True, False])
def test_part_round_trips_to_equal_plan_items(pin_status: bool):
    # GIVEN a package's disposals, pinned to their status or not
    disposals = _package(10, width=8, pin_status=pin_status).disposals
    # WHEN written to the table and read back THEN they are the same PlanItems, field for field
    assert decode_part(encode_part(disposals)) == disposals


def test_part_refuses_items_that_are_not_one_packages_disposals():
    items = _package(4, width=8).items
    with pytest.raises(ValueError, match="one package"):
        encode_part(items)


def test_work_message_is_a_reference_only():
    # GIVEN a message as the run function writes it
    message = WorkMessage(run_id="7bf73129-1428-4cd3-a780-95db273d1602", part=3)
    assert message.model_dump_json() == '{"runId":"7bf73129-1428-4cd3-a780-95db273d1602","part":3}'
    # WHEN anything else is added, or the part is not a plain number THEN it is not work
    for body in (
        '{"runId": "r-1", "part": 0, "items": []}',
        '{"runId": "r-1", "part": "0"}',
        '{"runId": "r-1", "part": -1}',
        '{"runId": "r#part#1", "part": 0}',
    ):
        with pytest.raises(ValidationError):
            WorkMessage.model_validate_json(body)
