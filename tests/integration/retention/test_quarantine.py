"""Quarantine through the real handler, the emulator and a ledger in moto: archive first, keep while in
quarantine, dispose after the grace (pinned to Archived), and keep for good what someone restored."""

from datetime import timedelta
from typing import Any

import pytest

from disposer.errors import CapExceededError
from disposer.handler import lambda_handler
from local.events import process_clock
from tests.integration.harness import invoke_api, scheduled_event, statuses
from tests.integration.seeds import POLICY, RUN_TIME, UI_KIT

GRACE_DAYS = 14
QUARANTINE = {"package": "ui-kit", "quarantine": {"graceDays": GRACE_DAYS}}


def run_at(context: Any, days_before_run_time: int, **changes: Any) -> dict[str, Any]:
    """The schedule's run for the quarantine policy at RUN_TIME minus some days, the process running then too
    (a quarantine's grace is measured on the function's own clock, not on the event's)."""
    event = scheduled_event(**{**QUARANTINE, **changes})
    when = RUN_TIME - timedelta(days=days_before_run_time)
    event["time"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    with process_clock(when):
        result: dict[str, Any] = lambda_handler(event, context)
    return result


def by_rule(report: dict[str, Any], rule: str) -> set[str]:
    return {item["version"] for item in report["items"] if item["reason"] and _rule(report, item) == rule}


def _rule(report: dict[str, Any], item: dict[str, Any]) -> str:
    reason = item["reason"]
    if reason.startswith("archive: quarantine"):
        return "archive"
    if reason.startswith("kept: in quarantine"):
        return "in-quarantine"
    if reason.startswith("kept: restored from quarantine"):
        return "restored"
    if reason.startswith("dispose: in quarantine since"):
        return "dispose-after"
    return "other"


def set_status(emulator: Any, version: str, status: str) -> None:
    coordinates = {key: UI_KIT[key] for key in ("domain", "repository", "format", "namespace", "package")}
    emulator.store.call("UpdatePackageVersionsStatus", {**coordinates, "versions": [version], "targetStatus": status})


def test_quarantine_cycle_archive_keep_restore_then_dispose_after_the_grace(
    lambda_context, emulator, client, ledger_name
):
    # GIVEN a policy with a 14-day quarantine, first run 20 days before RUN_TIME
    first = run_at(lambda_context, 20)
    archived = by_rule(first, "archive")
    # THEN its candidates are archived, not disposed: the plan says archive and the caps count them
    assert archived and first["outcomes"] == {"archived": len(archived)}
    assert first["totals"]["archive"] == len(archived) and first["totals"]["dispose"] == 0
    assert {v for v, s in statuses(client, UI_KIT).items() if s == "Archived"} == archived
    # WHEN someone restores one of them, and the policy runs again 10 days later
    restored = sorted(archived)[0]
    set_status(emulator, restored, "Published")
    second = run_at(lambda_context, 10)
    # THEN the others stay in quarantine, the restored one is kept for good, newer candidates archived
    assert by_rule(second, "in-quarantine") == archived - {restored}
    assert by_rule(second, "restored") == {restored}
    assert "disposed" not in second["outcomes"]
    # WHEN someone archives the restored one again, and the policy runs once the grace has passed
    set_status(emulator, restored, "Archived")
    third = run_at(lambda_context, 0)
    # THEN the first run's quarantined versions are disposed (pinned to Archived); the restored one is
    # still kept (the ledger remembers the restore), the second run's still wait
    assert by_rule(third, "dispose-after") == archived - {restored}
    assert third["outcomes"]["disposed"] == len(archived) - 1
    assert by_rule(third, "restored") == {restored}
    assert by_rule(third, "in-quarantine") == by_rule(second, "archive")
    final = statuses(client, UI_KIT)
    assert {v for v in archived - {restored} if final[v] == "Disposed"} == archived - {restored}
    assert final[restored] == "Archived"
    assert third["totals"]["rules"]["dispose:after-quarantine"] == len(archived) - 1


def test_quarantined_version_changed_before_its_disposal_is_not_disposed(lambda_context, emulator, client, ledger_name):
    # GIVEN versions archived into quarantine, then one restored to Unlisted by someone
    archived = by_rule(run_at(lambda_context, 20), "archive")
    version = sorted(archived)[-1]
    set_status(emulator, version, "Unlisted")
    # WHEN the grace has passed / THEN that one is kept (restored), the others disposed
    report = run_at(lambda_context, 0)
    assert version in by_rule(report, "restored")
    assert statuses(client, UI_KIT)[version] == "Unlisted"


def test_quarantine_archives_count_towards_the_cap(lambda_context, emulator, ledger_name):
    # GIVEN a cap below what the first run would archive / WHEN it runs / THEN it aborts, nothing archived
    with pytest.raises(CapExceededError, match="archived"):
        run_at(lambda_context, 20, maxDisposalsPerRun=1)


def test_quarantine_without_a_ledger_is_a_clear_422(lambda_context, emulator):
    # GIVEN no ledger table configured / WHEN a quarantine policy is planned
    response = invoke_api(lambda_context, "POST", "/plan", {**POLICY, **QUARANTINE})
    # THEN 422 LedgerRequired, naming the policy
    assert (response.status, response.body["error"]["code"]) == (422, "LedgerRequired")
    assert "prune-ui" in response.body["error"]["message"]


def test_quarantine_records_found_whether_the_policy_names_the_domain_owner_or_not(
    lambda_context, emulator, client, ledger_name
):
    # GIVEN versions archived by a policy that does not name the domain's owner
    archived = by_rule(run_at(lambda_context, 20), "archive")
    # WHEN the same policy, now naming the owner, runs ten days later
    report = run_at(lambda_context, 10, domainOwner="111122223333")
    # THEN it finds them in quarantine (their grace goes on), never archives them again
    assert by_rule(report, "in-quarantine") == archived
    assert not (by_rule(report, "archive") & archived)
