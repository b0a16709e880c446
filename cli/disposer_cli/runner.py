"""Planning or applying one policy from the terminal: the run, the confirmation, and what is shown after."""

import argparse
import getpass
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from disposer import services
from disposer.budget import Budget
from disposer.model.runs import RunContext
from disposer.observability import logger
from disposer.pages.view import PlanView
from disposer.retention.policy import RetentionPolicy
from disposer.runs.executors import InlineExecutor
from disposer.runs.pipeline import RunRequest, execute
from disposer.runs.planner import PolicyPlanner
from disposer.runs.report import RunReport
from disposer.safety.scope import Scope
from disposer.settings import Settings
from disposer_cli import environment
from disposer_cli.exits import EXIT_DECLINED, exit_code
from disposer_cli.output import AuditSink, RunProgress, print_summary, print_table
from disposer_cli.view import published_times, whole_body

# Where an apply keeps its audit records unless --audit-log says otherwise.
DEFAULT_APPLY_AUDIT = Path("codeartifact-disposer-audit.jsonl")


def route_audit(arguments: argparse.Namespace, progress: RunProgress) -> AuditSink:
    """Send the function's log records to the audit file and/or stderr, never onto stdout's tables."""
    audit = arguments.audit_log
    if audit is None and getattr(arguments, "command", None) == "apply":
        audit = DEFAULT_APPLY_AUDIT
    sink = AuditSink(audit_file=audit, verbose=sys.stderr if arguments.verbose else None, progress=progress)
    logger.registered_handler.stream = sink  # type: ignore[attr-defined]
    return sink


def run_policy(policy: RetentionPolicy, arguments: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    settings = Settings.from_environment()
    apply = arguments.command == "apply"
    if apply and not getattr(arguments, "without_safety_controls", False):
        _require_safety_controls(settings)
    scope = Scope.of(settings)
    scope.check_policy(policy)
    codeartifact = services.codeartifact(settings, Budget.unlimited())
    ledger = services.ledger(settings)
    progress = RunProgress(sys.stderr)
    sink = route_audit(arguments, progress)
    confirmation = _Confirmation(policy, arguments, progress, stdin, stdout)
    request = RunRequest(
        context=RunContext(
            run_id=str(uuid.uuid4()),
            trigger="cli",
            caller=f"cli:{getpass.getuser()}",
            dry_run=not apply,
            policy=policy.name,
        ),
        source=PolicyPlanner(
            codeartifact, policy, arguments.as_of or datetime.now(UTC), scope.allows_repository, ledger
        ),
        codeartifact=codeartifact,
        executor=InlineExecutor(codeartifact, measure=settings.measure_bytes, ledger=ledger) if apply else None,
        cap=policy.max_disposals_per_run,
        max_percent=policy.max_disposals_percent,
        expected_digest=getattr(arguments, "expect_digest", None),
        approve=confirmation if apply else None,
        # Metrics are the function's, for CloudWatch; a terminal gets the summary instead.
        metrics=False,
    )
    try:
        with progress.shown():
            report = execute(request)
    finally:
        sink.close()
    report.raise_error()
    if confirmation.declined:
        return EXIT_DECLINED
    if sink.records and arguments.audit_log is None and apply:
        print(f"audit records: {DEFAULT_APPLY_AUDIT} ({sink.records} records appended)", file=sys.stderr)
    return _show(_view(report, policy), report, arguments, stdout)


def _require_safety_controls(settings: Settings) -> None:
    """An apply honours the deployment's holds and kill switch, so it needs the ledger and the switch named."""
    missing = [
        name
        for name, value in (
            ("--ledger-table", settings.ledger_table),
            ("--switch-parameter", settings.switch_parameter),
        )
        if value is None
    ]
    if missing:
        raise environment.EnvironmentProblem(
            f"apply honours the deployment's holds and kill switch: give {' and '.join(missing)} (the stack outputs "
            "LedgerTableName and SwitchParameterName, or DISPOSER_LEDGER_TABLE and DISPOSER_SWITCH_PARAMETER), or "
            "--without-safety-controls to apply without them (against the emulator, say)"
        )


@dataclass
class _Confirmation:
    """Asked between the guards and the writes: the plan shown, then the policy's name typed (unless --yes)."""

    policy: RetentionPolicy
    arguments: argparse.Namespace
    progress: RunProgress
    stdin: TextIO
    stdout: TextIO
    declined: bool = False

    def __call__(self, report: RunReport) -> bool:
        arguments, progress = self.arguments, self.progress
        if report.plan.change_count == 0 or arguments.yes:
            progress.expect_writes(report.plan.change_count)
            return True
        # Nothing is printed under a live progress display: it would redraw over the table and the question.
        progress.stop()
        view = _view(report, self.policy)
        if not arguments.json:
            print_table(view, self.stdout, show_kept=arguments.show_kept, show_all=arguments.all)
            for error in view.body.errors:
                print(f"could not read {error.scope}: {error.error_code}: {error.error_message}", file=self.stdout)
        # With --json, stdout is the report alone: the question goes to stderr.
        prompt = sys.stderr if arguments.json else self.stdout
        self.declined = not _confirmed(report, self.stdin, prompt)
        if self.declined:
            print("not confirmed: nothing disposed", file=prompt)
            return False
        progress.resume()
        progress.expect_writes(report.plan.change_count)
        return True


def _view(report: RunReport, policy: RetentionPolicy) -> PlanView:
    return PlanView(whole_body(report), published_times(report), policy.domain, policy.domain_owner)


def _confirmed(report: RunReport, stdin: TextIO, prompt: TextIO) -> bool:
    count, archives = report.plan.change_count, report.plan.archive_count
    what = f"Dispose {count - archives} and archive {archives} versions" if archives else f"Dispose {count} versions"
    print(f"\n{what} (irreversible)? Type the policy name to confirm: ", end="", file=prompt)
    prompt.flush()
    return stdin.readline().strip() == report.plan.policy


def _show(view: PlanView, report: RunReport, arguments: argparse.Namespace, stdout: TextIO) -> int:
    body = view.body
    if arguments.html is not None:
        _write_html(view, arguments.html)
    if arguments.json:
        print(body.model_dump_json(by_alias=True, indent=2), file=stdout)
    else:
        if not report.applied:
            print_table(view, stdout, show_kept=arguments.show_kept, show_all=arguments.all)
        for item in body.items:
            if item.outcome == "failed":
                print(f"FAILED {item.repository} {item.package} {item.version}: {item.error_code}", file=stdout)
        print_summary(view, stdout)
    return exit_code(report, body)


def _write_html(view: PlanView, path: Path) -> None:
    from disposer.pages.plan import render_plan_html

    path.write_text(render_plan_html(view.body, view=view), encoding="utf-8")
    print(f"plan page: {path}", file=sys.stderr)
