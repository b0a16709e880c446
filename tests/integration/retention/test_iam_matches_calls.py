"""IAM equals the calls, shown to bite: every permission the functions use is needed, and the check says so.

Every integration test already holds each function's calls to its synthesized role (the autouse
`iam_allows_every_call` fixture). Here one test drives both functions through every path that calls
AWS - an API disposal, a plan over a repository glob, holds, a quarantine, and workflow runs (the steps
function) of which one part is retried after its writes - then removes each permission it used from the
role, one at a time, and requires the check to report exactly the calls that needed it.
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from disposer.errors import RetryLaterError
from local.asl import FakeClock
from local.workflow.definition import STEPS_FUNCTION
from local.workflow.runner import local_workflow, steps_function
from tests.iam import RECORDER, AwsCall, deploys, missing_permissions, synthesized, without
from tests.integration.harness import invoke_api
from tests.integration.seeds import EXPECTED_UI_ICONS, POLICY, RUN_TIME

# What the two functions must be seen doing for the test to mean anything.
EXPECTED_ACTIONS = {
    ("run", "codeartifact:ListRepositoriesInDomain"),
    ("run", "codeartifact:ListPackages"),
    ("run", "codeartifact:ListPackageVersions"),
    ("run", "codeartifact:DescribePackageVersion"),
    ("run", "codeartifact:ListPackageVersionAssets"),
    ("run", "codeartifact:DisposePackageVersions"),
    ("steps", "codeartifact:ListPackages"),
    ("steps", "codeartifact:ListPackageVersions"),
    ("steps", "codeartifact:DescribePackageVersion"),
    ("steps", "codeartifact:ListPackageVersionAssets"),
    ("steps", "codeartifact:DisposePackageVersions"),
    ("steps", "s3:GetObject"),
    ("steps", "s3:PutObject"),
    # Safety: the kill switch read by both, holds placed, listed and removed, quarantine archived by both and
    # recorded, a restore remembered by the run function.
    ("run", "ssm:GetParameter"),
    ("run", "dynamodb:PutItem"),
    ("run", "dynamodb:Query"),
    ("run", "dynamodb:DeleteItem"),
    ("run", "dynamodb:UpdateItem"),
    ("run", "dynamodb:BatchWriteItem"),
    ("run", "codeartifact:UpdatePackageVersionsStatus"),
    ("steps", "ssm:GetParameter"),
    ("steps", "dynamodb:Query"),
    ("steps", "dynamodb:BatchWriteItem"),
    ("steps", "codeartifact:UpdatePackageVersionsStatus"),
}
QUARANTINE: dict[str, Any] = {"package": "ui-kit", "quarantine": {"graceDays": 14}}
# The workflow's policies: ui-icons' old versions disposed (a glob: its packages are listed), ui-kit's archived
# (under the name the API's run of it shares).
DEPLOYED = [{**POLICY, "name": "prune-icons", "package": "ui-i*"}, {**POLICY, **QUARANTINE}]
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


def _retried_once(event: Any) -> Any:
    """The steps function, whose first apply_part fails after its writes (Step Functions retries the part)."""
    result = steps_function(event)
    if event.get("step") == "apply_part" and event.get("attempt") == 0 and event["run"]["policy"] == "prune-icons":
        raise RetryLaterError("the invocation failed after its writes")
    return result


def _workflow_runs(emulator: Any, moto_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The steps function's paths: a run that disposes (its part applied twice), and one that archives."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    policies = tmp_path / "policies.json"
    policies.write_text(json.dumps({"policies": DEPLOYED}))
    # A fake Step Functions clock: the retried part is retried at once.
    with local_workflow(policies, functions={STEPS_FUNCTION: _retried_once}, clock=FakeClock()) as workflow:
        icons = workflow.run("prune-icons", as_of=RUN_TIME)
        kit = workflow.run("prune-ui", as_of=RUN_TIME)
    # The retried part counted what its first attempt disposed: nothing was sent twice, nothing reported failed.
    assert icons.report is not None and icons.report["outcomes"] == {"disposed": len(EXPECTED_UI_ICONS)}
    assert kit.report is not None and kit.report["outcomes"].get("archived"), kit.execution.cause


def _every_path(
    context: Any, emulator: Any, moto_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> list[AwsCall]:
    from disposer import services

    # The recorder knows a client's function by when it was made: clients an earlier test in this process
    # made outside an entry point (the CLI's, say) must not be the ones the functions use here.
    for cached in (services._codeartifact_client, services._dynamodb, services._s3, services._switch):
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
    # Holds: placed (PutItem), listed (Query), removed (DeleteItem); one left in force for what follows.
    placed = invoke_api(context, "POST", "/holds", {**HOLD, "version": "1.1.0"}).body["hold"]
    invoke_api(context, "GET", "/holds", None)
    invoke_api(context, "DELETE", f"/holds/{placed['holdId']}", None)
    invoke_api(context, "POST", "/holds", HOLD)
    # Workflow runs: the steps function disposes, lists a retried part's package, reads the holds (Query) and
    # the switch, archives (UpdatePackageVersionsStatus) and records what it archived (BatchWriteItem).
    _workflow_runs(emulator, moto_url, monkeypatch, tmp_path)
    # Someone restores an archived version; the API's next run of the policy remembers it (UpdateItem).
    emulator.store.call(
        "UpdatePackageVersionsStatus",
        {
            **{k: HOLD[k] for k in ("domain", "repository", "format", "namespace", "package")},
            "versions": ["1.3.0"],
            "targetStatus": "Published",
        },
    )
    invoke_api(context, "POST", "/apply", {**POLICY, **QUARANTINE})
    return RECORDER.take()


def test_iam_check_fails_when_any_permission_used_is_removed(
    lambda_context, emulator, moto_url, ledger_name, switch, monkeypatch, tmp_path
):
    # GIVEN the calls of every path, made by the functions they are expected from
    calls = _every_path(lambda_context, emulator, moto_url, monkeypatch, tmp_path)
    used = {(call.function, call.action) for call in calls}
    assert used >= EXPECTED_ACTIONS, sorted(EXPECTED_ACTIONS - used)
    if not deploys(synthesized(False), "steps"):
        pytest.skip(
            "waits for the run workflow in the synthesized stack (infra/, changed apart from this code): the steps "
            "function (handler disposer.steps.lambda_handler) with its role, and tests/iam.py describing S3 calls"
        )
    # AND the deployed roles allow them
    assert missing_permissions(calls, synthesized) == []
    for function, action in sorted(used):
        # WHEN that function's role loses that one action
        def template_for(
            measure: bool,
            repositories: tuple[str, ...],
            trail: tuple[str, str] | None,
            f: str = function,
            a: str = action,
        ) -> Any:
            return without(synthesized(measure, repositories, trail), f, a)

        # THEN the check reports every call that needed it, and no other
        expected = sorted({str(c) for c in calls if (c.function, c.action) == (function, action)})
        assert missing_permissions(calls, template_for) == expected, (function, action)
