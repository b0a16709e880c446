"""Work messages: every planned disposal in exactly one message, each message within SQS's size limit."""

from datetime import UTC, datetime

from disposer.codeartifact.types import PackageFormat, PackageRef, PackageVersionStatus
from disposer.fanout.messages import MAX_ITEMS_PER_MESSAGE, ApplyWork, work_messages
from disposer.retention.engine import Action, PackagePlan, PlanItem, Rule

SQS_MAX_BYTES = 256 * 1024


def _plan(count: int, *, width: int = 255) -> PackagePlan:
    ref = PackageRef("acme", "111122223333", "r" * 100, PackageFormat.MAVEN, "n" * 255, "p" * 255)
    items = tuple(
        PlanItem(
            repository=ref.repository,
            format=ref.format,
            namespace=ref.namespace,
            package=ref.package,
            version=f"{i:06d}".ljust(width, "v"),
            revision="R" * 50,
            status=PackageVersionStatus.PUBLISHED,
            action=Action.DISPOSE if i % 3 else Action.KEEP,
            reason="dispose: older than 36500 days and matches select.versionPattern",
            rule=Rule.DISPOSE_OLDER_THAN,
        )
        for i in range(count)
    )
    return PackagePlan(ref=ref, items=items)


def test_work_messages_worst_case_sizes_fit_sqs_and_cover_every_disposal():
    # GIVEN a package whose names, versions and revisions are all as long as CodeArtifact allows
    plan = _plan(1500)
    # WHEN its disposals become messages
    messages = work_messages(
        run_id="r", policy="p", trigger="schedule", caller="c" * 200, as_of=datetime.now(UTC), packages=[plan]
    )
    # THEN each fits in one SQS message, the parts are numbered, and every disposal is in exactly one
    assert all(len(m.model_dump_json().encode()) < SQS_MAX_BYTES for m in messages)
    assert [m.part for m in messages] == list(range(len(messages)))
    assert max(len(m.items) for m in messages) == MAX_ITEMS_PER_MESSAGE
    sent = [item.version for m in messages for item in m.items]
    assert sorted(sent) == sorted(i.version for i in plan.disposals)


def test_work_message_round_trips_to_the_same_package_plan():
    plan = _plan(10, width=8)
    (message,) = work_messages(
        run_id="r", policy="p", trigger="api", caller=None, as_of=datetime.now(UTC), packages=[plan]
    )
    again = ApplyWork.model_validate_json(message.model_dump_json())
    assert again.package_plan().disposals == plan.disposals


def test_work_batches_stay_within_sqs_entry_and_size_limits():
    from disposer.fanout.queue import BATCH_BYTES, BATCH_ENTRIES, batches

    # GIVEN many worst-case messages (each well over a tenth of a batch's size)
    messages = work_messages(
        run_id="r", policy="p", trigger="schedule", caller=None, as_of=datetime.now(UTC), packages=[_plan(6000)]
    )
    # WHEN batched for SendMessageBatch
    sent = list(batches(messages))
    # THEN every batch is within both limits, and every message goes once, in order
    assert all(len(batch) <= BATCH_ENTRIES for batch in sent)
    assert all(sum(len(body.encode()) for _, body in batch) <= BATCH_BYTES for batch in sent)
    assert [message.part for batch in sent for message, _ in batch] == list(range(len(messages)))
    assert max(len(batch) for batch in sent) < BATCH_ENTRIES  # the size, not the count, limited them
