"""A /plan or /apply answer stays under Lambda's 6 MB by construction: at most 1,000 items and 100 errors,
each reason and message cut, and the listed ones within a size counted as they are sent."""

import json

from disposer.model.outcomes import VersionOutcome
from disposer.model.packages import PackageFormat, PackageRef
from disposer.model.plans import Action
from disposer.model.report import MAX_REPORTED_ERRORS, MAX_REPORTED_ITEMS, MAX_REPORTED_TEXT
from disposer.model.runs import RunContext, RunProblem
from disposer.runs.report import RunReport
from tests.builders import item, plan

CONTEXT = RunContext(run_id="run-1", trigger="api", caller="someone", dry_run=False, policy="prune")
LAMBDA_LIMIT = 6 * 1024 * 1024
# The costliest characters to send: an astral one is 12 bytes as \\ud83d\\ude00, 14 escaped again.
WORST = "\U0001f600"
WORST_REF = PackageRef("acme", "111122223333", "r" * 100, PackageFormat.NPM, WORST * 255, WORST * 255)


def _sent(report: RunReport) -> int:
    """The size of the Lambda response a route returns for the report (the API Gateway proxy shape)."""
    body = json.dumps(report.to_body().model_dump(mode="json", by_alias=True), separators=(",", ":"))
    return len(json.dumps({"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": body}))


def _worst_report(versions: int) -> RunReport:
    items = [
        item(f"{i:05d}" + WORST * 250, Action.DISPOSE, package=WORST_REF, reason='"' + WORST * 5000)
        for i in range(versions)
    ]
    report = RunReport(context=CONTEXT, plan=plan(*items), applied=True)
    for each in items:
        report.record(VersionOutcome.failure(each, "X" * 100, WORST * 5000))
    report.errors += [RunProblem(WORST * 600, "X" * 100, WORST * 5000) for _ in range(500)]
    return report


def test_answer_of_worst_case_items_and_errors_stays_under_6_mb():
    # GIVEN 2,500 items whose every field is at its longest, in the costliest characters to send, each
    # failed with a huge message, and 500 huge errors
    report = _worst_report(2500)
    # WHEN answered
    body = report.to_body()
    size = _sent(report)
    # THEN the answer is under Lambda's 6 MB with a margin, and says what it left out
    assert size < LAMBDA_LIMIT * 0.9, size
    assert body.items_total == 2500 and body.items_truncated
    assert body.items_omitted == 2500 - len(body.items)
    assert len(body.errors) <= MAX_REPORTED_ERRORS and body.errors_omitted == 500 - len(body.errors)
    assert all(
        len(i.reason) <= MAX_REPORTED_TEXT and len(i.error_message or "") <= MAX_REPORTED_TEXT for i in body.items
    )


def test_answer_of_1000_long_ascii_items_lists_them_all_under_6_mb():
    # GIVEN 2,500 items as long as real ones get: 255-character names and version, a hold's reason
    ref = PackageRef("acme", "111122223333", "r" * 100, PackageFormat.NPM, "n" * 255, "p" * 255)
    reason = "kept: held by arn:aws:sts::111122223333:assumed-role/Operator/someone until 2027-03-01: " + "x" * 600
    items = [item(f"{i:05d}".ljust(255, "v"), Action.KEEP, package=ref, reason=reason) for i in range(2500)]
    report = RunReport(context=CONTEXT, plan=plan(*items))
    # WHEN answered THEN 1,000 are listed and the answer is under 6 MB
    body = report.to_body()
    assert len(body.items) == MAX_REPORTED_ITEMS
    assert (body.items_total, body.items_truncated, body.items_omitted) == (2500, True, 1500)
    assert _sent(report) < LAMBDA_LIMIT * 0.9


def test_small_plan_lists_everything_and_is_not_truncated():
    report = RunReport(context=CONTEXT, plan=plan(item("1.0.0"), item("2.0.0", Action.KEEP)))
    body = report.to_body()
    assert (len(body.items), body.items_total, body.items_truncated, body.items_omitted) == (2, 2, False, 0)
    assert body.items[0].action == "dispose"
