"""Fan-out: a scheduled run dispatches its disposals to SQS (moto, server mode) and the worker applies them.

The worker is driven with the real SQS event shape, built from the messages the queue really holds;
the run table is DynamoDB in moto; CodeArtifact is the emulator.
"""

import json

import pytest

from disposer.errors import CapExceededError
from tests.integration.harness import (
    calls,
    control,
    deliver,
    disposed,
    drain,
    receive,
    run_record,
    run_scheduled,
    scheduled_event,
)
from tests.integration.seeds import EXPECTED_DISPOSALS, EXPECTED_UI_ICONS, EXPECTED_UI_KIT, UI_ICONS, UI_KIT


def test_fanout_run_dispatches_then_workers_dispose_exactly_the_plan(lambda_context, emulator, client, fanout, printed):
    # GIVEN the prune-ui policy in apply mode, and a queue configured
    # WHEN its schedule fires
    dispatched = run_scheduled(lambda_context)
    # THEN nothing is disposed yet: one message per package with disposals is queued
    assert dispatched["dispatched"] == 2
    assert disposed(client, UI_KIT) == set()
    assert "DisposePackageVersions" not in calls(emulator)
    # WHEN the worker consumes the queue, as Lambda's SQS event source would
    assert drain(fanout, lambda_context) == 2
    # THEN exactly the plan is disposed, and one run report and one metrics line tell the whole run
    assert disposed(client, UI_KIT) == EXPECTED_UI_KIT
    assert disposed(client, UI_ICONS) == EXPECTED_UI_ICONS
    records = printed()
    (report,) = [r for r in records if r.get("message") == "run report"]
    expected = len(EXPECTED_UI_KIT) + len(EXPECTED_UI_ICONS)
    assert report["outcomes"] == {"disposed": expected}
    assert report["fanout"] == {"parts": 2}
    (line,) = [r for r in records if "Runs" in r]
    assert (line["policy"], line["VersionsDisposed"], line["VersionsPlanned"]) == ("prune-ui", [expected], [expected])
    record = run_record(fanout, "7bf73129-1428-4cd3-a780-95db273d1602")
    assert (record["completed"]["N"], record["parts"]["N"], record["disposed"]["N"]) == ("2", "2", str(expected))
    audit = [r for r in records if r.get("audit")]
    assert len(audit) == expected
    assert {(r["run_id"], r["correlation_id"]) for r in audit} == {("7bf73129-1428-4cd3-a780-95db273d1602",) * 2}


def test_fanout_redelivered_message_disposes_and_counts_nothing_twice(
    lambda_context, emulator, client, fanout, printed
):
    run_scheduled(lambda_context)
    messages = receive(fanout)
    # GIVEN a message processed once but, as SQS may, delivered again
    deliver(fanout, lambda_context, messages[:1], delete=False)
    control(emulator, "reset-stats", {})
    # WHEN it arrives a second time
    assert deliver(fanout, lambda_context, messages[:1]) == []
    # THEN no CodeArtifact call is made and the tally is unchanged
    assert "DisposePackageVersions" not in calls(emulator)
    drain(fanout, lambda_context)
    record = run_record(fanout, "7bf73129-1428-4cd3-a780-95db273d1602")
    assert record["disposed"]["N"] == str(len(EXPECTED_UI_KIT) + len(EXPECTED_UI_ICONS))
    assert len([r for r in printed() if r.get("message") == "run report"]) == 1


def test_fanout_poison_message_fails_alone(lambda_context, emulator, client, fanout):
    # GIVEN a batch holding a real message and one that is not work
    run_scheduled(lambda_context)
    messages = receive(fanout)
    poison = {**messages[0], "MessageId": "poison", "Body": json.dumps({"hello": "world"})}
    # WHEN the worker gets them together
    failed = deliver(fanout, lambda_context, [poison, *messages], delete=False)
    # THEN only the poison message is reported failed (SQS retries it, then parks it in the DLQ)
    assert failed == ["poison"]
    assert disposed(client, UI_KIT) | disposed(client, UI_ICONS)


def test_fanout_over_cap_enqueues_nothing(lambda_context, emulator, client, fanout):
    with pytest.raises(CapExceededError):
        run_scheduled(lambda_context, maxDisposalsPerRun=2)
    assert receive(fanout) == []
    assert disposed(client, UI_KIT) == set()


def test_fanout_duplicate_event_dispatches_once(lambda_context, emulator, fanout):
    from disposer.handler import lambda_handler

    event = scheduled_event()
    assert lambda_handler(event, lambda_context)["dispatched"] == 2
    assert lambda_handler(event, lambda_context) == {
        "runId": event["id"],
        "dispatched": 0,
        "duplicate": True,
    }
    assert drain(fanout, lambda_context) == 2


def test_fanout_plan_mode_dispatches_nothing(lambda_context, emulator, fanout):
    report = run_scheduled(lambda_context, mode="plan")
    assert report["mode"] == "plan"
    assert receive(fanout) == []


def test_fanout_run_with_nothing_to_dispose_reports_inline(lambda_context, emulator, fanout, printed):
    # GIVEN a run that already happened, so the next plan disposes nothing
    run_scheduled(lambda_context)
    drain(fanout, lambda_context)
    printed()
    # WHEN the schedule fires again
    report = run_scheduled(lambda_context, maxDisposalsPerRun=1)
    # THEN nothing is queued and the run reports itself, as no worker will
    assert receive(fanout) == []
    assert report["totals"]["dispose"] == 0
    records = printed()
    assert [r["message"] for r in records if r.get("message") == "run report"] == ["run report"]
    assert [r["Runs"] for r in records if "Runs" in r] == [[1.0]]


def _fail_once(monkeypatch, target: str, error: Exception) -> None:
    """Make `RunTable.<target>` raise once, as a crash or a DynamoDB fault would."""
    from disposer.fanout.table import RunTable

    original = getattr(RunTable, target)
    calls = {"n": 0}

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise error
        return original(self, *args, **kwargs)

    monkeypatch.setattr(RunTable, target, failing)


def test_fanout_crash_between_dispose_and_tally_counts_on_redelivery(
    lambda_context, emulator, client, fanout, printed, monkeypatch
):
    # GIVEN the first tally fails after the versions were disposed (the message goes back to the queue)
    _fail_once(monkeypatch, "finish_part", RuntimeError("worker died before tallying"))
    run_scheduled(lambda_context)
    # WHEN the queue is drained, the failed message coming back with ApproximateReceiveCount 2
    while messages := receive(fanout):
        deliver(fanout, lambda_context, messages)
    # THEN the versions its first attempt disposed are counted as disposed, not failed, and the run
    # reports every disposal exactly once
    (report,) = [r for r in printed() if r.get("message") == "run report"]
    assert report["outcomes"] == {"disposed": len(EXPECTED_UI_KIT) + len(EXPECTED_UI_ICONS)}
    assert disposed(client, UI_KIT) == EXPECTED_UI_KIT


def test_fanout_report_claim_lost_is_recovered_by_redelivery(lambda_context, emulator, fanout, printed, monkeypatch):
    _fail_once(monkeypatch, "claim_report", RuntimeError("throttled while claiming the report"))
    run_scheduled(lambda_context)
    while messages := receive(fanout):
        deliver(fanout, lambda_context, messages)
    assert len([r for r in printed() if r.get("message") == "run report"]) == 1


def test_fanout_transient_failure_retries_the_message_instead_of_tallying(
    lambda_context, emulator, client, fanout, printed, monkeypatch
):
    # GIVEN CodeArtifact throttles every attempt of the first dispose call
    monkeypatch.setenv("DISPOSER_MAX_ATTEMPTS", "1")
    run_scheduled(lambda_context)
    control(emulator, "inject", {"operation": "DisposePackageVersions", "error": "ThrottlingException", "count": 1})
    # WHEN the queue is drained
    failures = 0
    while messages := receive(fanout):
        failures += len(deliver(fanout, lambda_context, messages))
    # THEN the throttled message was sent back once, then applied; nothing is reported failed
    assert failures == 1
    (report,) = [r for r in printed() if r.get("message") == "run report"]
    assert report["outcomes"] == {"disposed": len(EXPECTED_UI_KIT) + len(EXPECTED_UI_ICONS)}
    assert report["throttles"] == 1


@pytest.mark.parametrize(
    ("forge", "reason"),
    [
        ({"runId": "forged-run"}, "no part 0 of run forged-run"),
        ({"part": 99}, "no part 99 of run"),
        ({"scope": "snapshots"}, "not managed"),
    ],
)
def test_fanout_message_outside_a_dispatch_is_never_applied(
    lambda_context, emulator, client, fanout, monkeypatch, printed, forge, reason
):
    # GIVEN a message naming an unknown run, a part the run never wrote, or a run whose repository
    # this deployment no longer manages
    run_scheduled(lambda_context)
    (message, *_) = receive(fanout)
    body = {**json.loads(message["Body"]), **{k: v for k, v in forge.items() if k != "scope"}}
    if "scope" in forge:
        monkeypatch.setenv("DISPOSER_REPOSITORIES", forge["scope"])
    forged = {**message, "MessageId": "forged", "Body": json.dumps(body)}
    control(emulator, "reset-stats", {})
    printed()
    # WHEN the worker gets it THEN it fails (to be parked in the DLQ) and CodeArtifact is not called
    assert deliver(fanout, lambda_context, [forged], delete=False) == ["forged"]
    assert "DisposePackageVersions" not in calls(emulator)
    # AND the refusal is logged with its reason
    (refusal,) = [r for r in printed() if r.get("message") == "work message failed"]
    assert reason in refusal["error_message"]


def test_fanout_send_failure_reports_what_went_out_and_fails(
    lambda_context, emulator, client, fanout, printed, monkeypatch
):
    from disposer.errors import WorkQueueError
    from disposer.fanout.queue import WorkQueue

    # GIVEN SQS refuses the batch after the first message
    original = WorkQueue.send

    def send_first_only(self, messages):
        original(self, messages[:1])
        raise WorkQueueError("SQS refused work message 1: throttled", 1)

    monkeypatch.setattr(WorkQueue, "send", send_first_only)
    # WHEN the run dispatches THEN it fails loudly (to the failed-runs queue) ...
    with pytest.raises(WorkQueueError):
        run_scheduled(lambda_context)
    # ... and the part that went out is applied and reported, so no run is left open
    drain(fanout, lambda_context)
    (report,) = [r for r in printed() if r.get("message") == "run report"]
    assert report["fanout"] == {"parts": 1}


def test_fanout_forged_message_naming_kept_versions_disposes_nothing(lambda_context, emulator, client, fanout, printed):
    # GIVEN a real run's message, rewritten to carry versions that keep.latest kept, with their real
    # revisions (what a work message could once hold)
    run_scheduled(lambda_context)
    (message, *_) = receive(fanout)
    kept = ["1.11.0", "1.10.0", "1.9.0"]
    items = [
        {
            "version": v,
            "revision": client.describe_package_version(**UI_KIT, packageVersion=v)["packageVersion"]["revision"],
        }
        for v in kept
    ]
    forged = {**message, "MessageId": "forged", "Body": json.dumps({**json.loads(message["Body"]), "items": items})}
    control(emulator, "reset-stats", {})
    # WHEN the worker gets it THEN it is not work: refused, and CodeArtifact is not called
    assert deliver(fanout, lambda_context, [forged], delete=False) == ["forged"]
    assert "DisposePackageVersions" not in calls(emulator)
    assert disposed(client, UI_KIT) & set(kept) == set()


def test_fanout_reused_part_number_applies_only_what_the_run_wrote(lambda_context, emulator, client, fanout, printed):
    # GIVEN a dispatched run, and a forged copy of a real reference delivered before the real one
    run_scheduled(lambda_context)
    (first, *rest) = receive(fanout)
    forged = {**first, "MessageId": "forged-copy"}
    # WHEN both arrive (the copy first) and the queue drains
    assert deliver(fanout, lambda_context, [forged], delete=False) == []
    drain(fanout, lambda_context)
    # THEN exactly the plan is disposed, nothing twice, and the run is reported once, complete
    assert disposed(client, UI_KIT) == EXPECTED_UI_KIT
    assert disposed(client, UI_ICONS) == EXPECTED_UI_ICONS
    (report,) = [r for r in printed() if r.get("message") == "run report"]
    assert report["outcomes"] == {"disposed": EXPECTED_DISPOSALS}


def test_fanout_extra_part_neither_applies_nor_completes_the_run(lambda_context, emulator, client, fanout, printed):
    # GIVEN a dispatched run of two parts, and a forged message for a third
    run_scheduled(lambda_context)
    messages = receive(fanout)
    body = json.loads(messages[0]["Body"])
    extra = {**messages[0], "MessageId": "extra", "Body": json.dumps({**body, "part": 2})}
    # WHEN the extra part and the first real part arrive
    assert deliver(fanout, lambda_context, [extra], delete=False) == ["extra"]
    assert deliver(fanout, lambda_context, messages[:1]) == []
    # THEN the run is not reported: its last real part is still to come
    assert [r for r in printed() if r.get("message") == "run report"] == []
    # AND when it comes, the run completes with every planned disposal
    drain(fanout, lambda_context)
    (report,) = [r for r in printed() if r.get("message") == "run report"]
    assert report["outcomes"] == {"disposed": EXPECTED_DISPOSALS}


def test_fanout_part_past_its_time_to_live_is_reported_expired(
    lambda_context, emulator, client, fanout, printed, monkeypatch
):
    # GIVEN a dispatched run, and a deployment whose plans live no time at all
    run_scheduled(lambda_context)
    monkeypatch.setenv("DISPOSER_PLAN_TTL_HOURS", "0")
    # WHEN the workers get the parts
    drain(fanout, lambda_context)
    # THEN nothing is disposed, and the run reports every planned version EXPIRED
    assert disposed(client, UI_KIT) == set()
    (report,) = [r for r in printed() if r.get("message") == "run report"]
    assert report["outcomes"] == {"EXPIRED": EXPECTED_DISPOSALS}
