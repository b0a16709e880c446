"""The CLI's `runs` commands: the run workflow's runs through a deployment's API (--api-url, the stack's ApiUrl,
or DISPOSER_API_URL), each request signed with SigV4 from the environment's credentials.

    runs list [--status STATUS] [--limit N] [--json]
    runs show RUN_ID [--json]
    runs approve RUN_ID --plan-digest DIGEST [--json]
    runs reject RUN_ID [--reason TEXT] [--json]

A run waiting for an approval names the digest of its plan (`runs show`); approving another digest
aborts the run, since what was reviewed is not what it would apply (exit 3).
"""

import argparse
import json
import os
from typing import Any, TextIO

from disposer.api.run_models import DecisionResponse, RunResponse, RunSummaryBody
from disposer.pages.view import PlanView
from disposer_cli.api_client import ApiError
from disposer_cli.arguments import PROG
from disposer_cli.exits import EXIT_AWS, EXIT_BAD_INPUT, EXIT_CAP, EXIT_NOT_WAITING, EXIT_OK, EXIT_UNREACHABLE, fail
from disposer_cli.output import print_summary
from disposer_cli.runs_api import RunsApi

# What a refusal of the API means for the command's exit code (exits.py); any other refusal is EXIT_AWS.
EXIT_OF_CODE = {
    "RunNotFound": EXIT_BAD_INPUT,
    "ValidationError": EXIT_BAD_INPUT,
    "WorkflowRequired": EXIT_BAD_INPUT,
    "InvalidNextToken": EXIT_BAD_INPUT,
    "PlanChanged": EXIT_CAP,
    "NotAwaitingApproval": EXIT_NOT_WAITING,
}


def run(arguments: argparse.Namespace, stdout: TextIO) -> int:
    url = getattr(arguments, "api_url", None) or os.environ.get("DISPOSER_API_URL")
    if not url:
        return fail("runs are read through the deployment's API: pass --api-url (the stack's ApiUrl)", EXIT_BAD_INPUT)
    api = RunsApi(url)
    try:
        return _command(api, arguments, stdout)
    except ApiError as error:
        if error.status == 0:
            return fail(str(error), EXIT_UNREACHABLE)
        return fail(str(error), EXIT_OF_CODE.get(error.code or "", EXIT_AWS))


def _command(api: RunsApi, arguments: argparse.Namespace, stdout: TextIO) -> int:
    command = arguments.runs_command
    if command == "list":
        runs, more = api.newest(count=arguments.limit, status=arguments.status)
        if arguments.json:
            _print_json([run.model_dump(mode="json", by_alias=True) for run in runs], stdout)
        else:
            _print_runs(runs, more, arguments.limit, stdout)
    elif command == "show":
        shown = api.show(arguments.run_id)
        if arguments.json:
            _print_json(shown.model_dump(mode="json", by_alias=True), stdout)
        else:
            _print_run(shown, stdout)
    else:
        if command == "approve":
            decision = api.approve(arguments.run_id, arguments.plan_digest)
        else:
            decision = api.reject(arguments.run_id, arguments.reason)
        if arguments.json:
            _print_json(decision.model_dump(mode="json", by_alias=True), stdout)
        else:
            _print_decision(decision, stdout)
    return EXIT_OK


def _print_json(document: Any, stdout: TextIO) -> None:
    print(json.dumps(document, indent=2), file=stdout)


def _print_runs(runs: list[RunSummaryBody], more: bool, limit: int, stdout: TextIO) -> None:
    if not runs:
        print("no runs", file=stdout)
    for run in runs:
        stopped = f"{run.stopped_at:%Y-%m-%d %H:%M}Z" if run.stopped_at else "-"
        print(f"{run.run_id:<40} {run.status:<16} {run.started_at:%Y-%m-%d %H:%M}Z  {stopped}", file=stdout)
    if more:
        print(f"... more runs than these {limit} newest (--limit N lists more)", file=stdout)


def _print_run(run: RunResponse, stdout: TextIO) -> None:
    by = f" by {run.caller}" if run.caller else ""
    started = f", started {run.started_at:%Y-%m-%d %H:%M:%S}Z" if run.started_at else ""
    print(f"run {run.run_id}: {run.status}", file=stdout)
    print(f"policy {run.policy}, {run.trigger}{by}, as of {run.as_of.isoformat()}{started}", file=stdout)
    print(f"execution {run.execution_arn}", file=stdout)
    if run.plan_location:
        print(f"plan: {run.plan_location}", file=stdout)
    approval = run.approval
    if approval is not None:
        totals = approval.totals
        counts = f": dispose {totals.dispose}, archive {totals.archive} of {totals.versions} versions" if totals else ""
        print(f"approval of plan {approval.plan_digest}{counts}", file=stdout)
        if approval.decision is not None:
            print(f"  {approval.decision} by {approval.decided_by} at {approval.decided_at}", file=stdout)
        elif run.status == "AWAITING_APPROVAL":
            print(f"  waits for an answer until {approval.expires_at}:", file=stdout)
            print(f"  {PROG} runs approve {run.run_id} --plan-digest {approval.plan_digest}", file=stdout)
            print(f"  {PROG} runs reject {run.run_id} --reason TEXT", file=stdout)
    if run.report is not None:
        print_summary(PlanView(run.report), stdout)


def _print_decision(decision: DecisionResponse, stdout: TextIO) -> None:
    if decision.decision == "approved":
        what = f"approved plan {decision.plan_digest}: the run plans again and applies exactly that plan"
    else:
        what = "rejected: the run is aborted and disposes nothing"
    print(f"run {decision.run_id} {what} (by {decision.decided_by})", file=stdout)
