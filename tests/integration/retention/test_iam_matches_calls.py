"""IAM equals the calls, shown to bite: every permission the functions use is needed, and the check says so.

Every integration test already holds each function's calls to its synthesized role (the autouse
`iam_allows_every_call` fixture). Here one test drives both functions through every path that calls
AWS - an API disposal, a plan over a repository glob, a fanned-out run whose sending fails half-way,
and a redelivered work message - then removes each permission it used from the role, one at a
time, and requires the check to report exactly the calls that needed it.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from disposer.errors import WorkQueueError
from disposer.handler import lambda_handler
from tests.iam import RECORDER, AwsCall, missing_permissions, synthesized, without
from tests.integration.harness import FanOut, deliver, drain, invoke_api, receive, run_scheduled, scheduled_event
from tests.integration.seeds import POLICY

# What the two functions must be seen doing for the test to mean anything.
EXPECTED_ACTIONS = {
    ("run", "codeartifact:ListRepositoriesInDomain"),
    ("run", "codeartifact:ListPackages"),
    ("run", "codeartifact:ListPackageVersions"),
    ("run", "codeartifact:DescribePackageVersion"),
    ("run", "codeartifact:ListPackageVersionAssets"),
    ("run", "codeartifact:DisposePackageVersions"),
    ("run", "dynamodb:PutItem"),
    ("run", "dynamodb:BatchWriteItem"),
    ("run", "dynamodb:UpdateItem"),
    ("run", "sqs:SendMessage"),
    ("worker", "dynamodb:GetItem"),
    ("worker", "dynamodb:UpdateItem"),
    ("worker", "codeartifact:ListPackageVersions"),
    ("worker", "codeartifact:ListPackageVersionAssets"),
    ("worker", "codeartifact:DisposePackageVersions"),
    # Safety: the kill switch read by both, holds placed, listed and removed, quarantine archived by the
    # worker and recorded, a restore remembered by the run function.
    ("run", "ssm:GetParameter"),
    ("run", "dynamodb:Query"),
    ("run", "dynamodb:DeleteItem"),
    ("run", "codeartifact:UpdatePackageVersionsStatus"),
    ("worker", "ssm:GetParameter"),
    ("worker", "dynamodb:Query"),
    ("worker", "dynamodb:BatchWriteItem"),
    ("worker", "codeartifact:UpdatePackageVersionsStatus"),
}
QUARANTINE: dict[str, Any] = {"package": "ui-kit", "quarantine": {"graceDays": 14}}
HOLD = {
    "domain": "acme",
    "repository": "releases",
    "format": "npm",
    "namespace": "acme",
    "package": "ui-kit",
    "version": "1.2.0",
    "until": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
    "reason": "kept for the audit",
}


def _every_path(context: Any, emulator: Any, fanout: FanOut, monkeypatch: pytest.MonkeyPatch) -> list[AwsCall]:
    from disposer import services
    from disposer.fanout.queue import WorkQueue
    from disposer.fanout.table import RunTable

    # The recorder knows a client's function by when it was made: clients an earlier test in this process
    # made outside an entry point (the CLI's, say) must not be the ones the functions use here.
    for cached in (services._codeartifact_client, services._dynamodb, services._sqs, services._switch):
        cached.cache_clear()

    # Sizes measured too (measureBytes, off by default), for their calls to be held to the roles as well.
    monkeypatch.setenv("DISPOSER_MEASURE_BYTES", "true")
    RECORDER.take()
    # An API disposal, and a plan whose repository is a glob (lists the domain, then its packages).
    invoke_api(
        context,
        "POST",
        "/dispose",
        {
            "domain": "acme",
            "repository": "snapshots",
            "format": "maven",
            "namespace": "com.acme",
            "package": "svc",
            "versions": ["1.0.0"],
        },
    )
    invoke_api(
        context,
        "POST",
        "/plan",
        {"name": "all", "domain": "acme", "repository": "rel*", "select": {"olderThanDays": 90}},
    )
    # A fanned-out run whose second message SQS refuses: the run is cut short and reports.
    original = WorkQueue.send

    def send_first_only(self: WorkQueue, messages: Any) -> None:
        original(self, messages[:1])
        raise WorkQueueError("SQS refused work message 1", 1)

    monkeypatch.setattr(WorkQueue, "send", send_first_only)
    with pytest.raises(WorkQueueError):
        run_scheduled(context)
    # The part that went out, whose first attempt dies after disposing, before its tally: the redelivery
    # lists the package to count what the first attempt disposed.
    tally = RunTable.finish_part
    attempts: list[int] = []

    def die_first_time(self: RunTable, **kwargs: Any) -> Any:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("the worker died before tallying")
        return tally(self, **kwargs)

    monkeypatch.setattr(RunTable, "finish_part", die_first_time)
    (message,) = receive(fanout)
    assert deliver(fanout, context, [message], delete=False) == [message["MessageId"]]
    drain(fanout, context)
    monkeypatch.setattr(WorkQueue, "send", original)
    monkeypatch.setattr(RunTable, "finish_part", tally)
    # Holds: placed (PutItem), listed (Query), removed (DeleteItem); one left in force for what follows.
    placed = invoke_api(context, "POST", "/holds", {**HOLD, "version": "1.1.0"}).body["hold"]
    invoke_api(context, "GET", "/holds", None)
    invoke_api(context, "DELETE", f"/holds/{placed['holdId']}", None)
    invoke_api(context, "POST", "/holds", HOLD)
    # Quarantine, fanned out: the worker archives (UpdatePackageVersionsStatus) after reading the holds
    # (Query) and records what it archived (BatchWriteItem); someone restores one, and the next run
    # remembers the restore (UpdateItem) and archives inline for the API (run function).
    quarantine_run = scheduled_event(**QUARANTINE)
    quarantine_run["id"] = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
    lambda_handler(quarantine_run, context)
    drain(fanout, context)
    emulator.store.call(
        "UpdatePackageVersionsStatus",
        {
            **{k: HOLD[k] for k in ("domain", "repository", "format", "namespace", "package")},
            "versions": ["1.3.0"],
            "targetStatus": "Published",
        },
    )
    invoke_api(context, "POST", "/apply", {**POLICY, **QUARANTINE, "name": "prune-ui"})
    return RECORDER.take()


def test_iam_check_fails_when_any_permission_used_is_removed(
    lambda_context, emulator, fanout, ledger_name, switch, monkeypatch
):
    # GIVEN the calls of every path, which the deployed roles allow
    calls = _every_path(lambda_context, emulator, fanout, monkeypatch)
    assert missing_permissions(calls, synthesized) == []
    used = {(call.function, call.action) for call in calls}
    assert used >= EXPECTED_ACTIONS
    for function, action in sorted(used):
        # WHEN that function's role loses that one action
        def template_for(measure: bool, repositories: tuple[str, ...], f: str = function, a: str = action) -> Any:
            return without(synthesized(measure, repositories), f, a)

        # THEN the check reports every call that needed it, and no other
        expected = sorted({str(c) for c in calls if (c.function, c.action) == (function, action)})
        assert missing_permissions(calls, template_for) == expected, (function, action)
