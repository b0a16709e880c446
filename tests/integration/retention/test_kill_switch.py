"""The kill switch through the real handler, the emulator and an SSM parameter in moto: any value but
`enabled` (or none) stops every write, before a run applies and while it does; plans keep working."""

import pytest

from tests.integration.harness import calls, disposed, invoke_api, run_scheduled
from tests.integration.seeds import EXPECTED_UI_KIT, POLICY, UI_KIT


@pytest.mark.parametrize("value", ["disabled", "Enabled", ""], ids=["disabled", "wrong-case", "empty"])
def test_switch_off_dispose_and_apply_answer_503_plan_and_dry_run_work(lambda_context, emulator, client, switch, value):
    # GIVEN the switch set to anything but `enabled`
    switch.set(value or " ")
    # WHEN writes are asked for / THEN 503 DisposalsDisabled naming the parameter, and nothing is sent
    for path, body in (("/dispose", {**UI_KIT, "versions": ["1.3.0"]}), ("/apply", POLICY)):
        response = invoke_api(lambda_context, "POST", path, body)
        assert (response.status, response.body["error"]["code"]) == (503, "DisposalsDisabled"), path
        assert switch.name in response.body["error"]["message"]
    # AND a plan and a dry run still answer
    assert invoke_api(lambda_context, "POST", "/plan", POLICY).status == 200
    dry = invoke_api(lambda_context, "POST", "/dispose", {**UI_KIT, "versions": ["1.3.0"], "dryRun": True})
    assert set(dry.body["successfulVersions"]) == {"1.3.0"}
    assert "DisposePackageVersions" not in calls(emulator)
    assert disposed(client, UI_KIT) == set()


def test_switch_missing_parameter_stops_writes(lambda_context, emulator, client, switch):
    # GIVEN the parameter deleted
    switch.ssm.delete_parameter(Name=switch.name)
    # WHEN a disposal is asked for / THEN it is refused, saying the parameter is missing
    response = invoke_api(lambda_context, "POST", "/dispose", {**UI_KIT, "versions": ["1.3.0"]})
    assert response.status == 503 and "does not exist" in response.body["error"]["message"]


def test_switch_off_scheduled_run_plans_reports_aborted_and_disposes_nothing(
    lambda_context, emulator, client, switch, printed
):
    # GIVEN the switch off
    switch.off()
    # WHEN the schedule fires
    report = run_scheduled(lambda_context)
    # THEN the run planned, disposed nothing, and is reported aborted with both metrics
    assert report["totals"]["dispose"] == len(EXPECTED_UI_KIT) + 2
    assert report["aborted"] and report["disposalsDisabled"] and "kill switch" in report["abortedReason"]
    assert disposed(client, UI_KIT) == set()
    (metrics,) = [r for r in printed() if "Runs" in r]
    assert (metrics["RunAborted"], metrics["DisposalsDisabled"]) == ([1.0], [1.0])
