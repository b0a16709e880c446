# PYTHON_ARGCOMPLETE_OK (argcomplete completes the console script only where it finds this marker)
"""codeartifact-disposer: plan or apply a retention policy from a policies file, place holds, flip the kill
switch, with the Lambda function's own engine and adapters.

    codeartifact-disposer [--policies FILE] list | validate
    codeartifact-disposer plan NAME [--show-kept] [--all] [--json] [--html FILE] [--as-of TIME]
    codeartifact-disposer apply NAME [--yes] [--expect-digest DIGEST] [--json] [--html FILE]
    codeartifact-disposer hold add|list|remove ...      codeartifact-disposer switch on|off|status

It talks to the account in the environment's AWS credentials, or to the emulator with --endpoint-url
(placeholder region and credentials are then set for you). Tables go to stdout (--json: the run
report alone), progress to stderr on a terminal, audit records to --audit-log FILE or, with
--verbose, to stderr.
"""

import argparse
import getpass
import os
import sys
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import argcomplete
from botocore.exceptions import BotoCoreError, NoCredentialsError, NoRegionError

from disposer import services
from disposer.budget import Budget
from disposer.errors import CodeArtifactError, DisposerError, PolicyError, RunAbortedError
from disposer.model.report import RunReportBody
from disposer.model.runs import RunContext
from disposer.observability import logger
from disposer.retention.loader import load_policies
from disposer.retention.policy import RetentionPolicy
from disposer.runs.executors import InlineExecutor
from disposer.runs.pipeline import RunRequest, execute
from disposer.runs.planner import PolicyPlanner
from disposer.runs.report import RunReport
from disposer.safety.scope import Scope
from disposer.settings import Settings
from disposer.version import __version__
from disposer_cli import environment, safety
from disposer_cli.arguments import aware_time, plan_digest
from disposer_cli.output import MAX_TABLE_ROWS, AuditSink, RunProgress, print_summary, print_table
from disposer_cli.view import PlanView, published_times, whole_body

PROG = "codeartifact-disposer"
EXIT_OK, EXIT_FAILURES, EXIT_BAD_INPUT, EXIT_CAP, EXIT_AWS, EXIT_DECLINED = 0, 1, 2, 3, 4, 5
EXIT_INCOMPLETE, EXIT_UNREACHABLE = 6, 7
EXIT_CODES = f"""exit codes (when several apply, the first listed here after 0 wins):
  {EXIT_OK}  done: everything the policy names was read, and every version acted on as planned
  {EXIT_BAD_INPUT}  bad input or environment: a file, an option, the region or credentials (the message says which)
  {EXIT_DECLINED}  the confirmation was not given: nothing disposed
  {EXIT_CAP}  a guard stopped the run, nothing disposed: maxDisposalsPerRun, maxDisposalsPercent, a plan changed
     since its digest was reviewed, or the kill switch off
  {EXIT_UNREACHABLE}  CodeArtifact could not be reached (connection refused, DNS, timeout): the plan is incomplete
  {EXIT_AWS}  AWS refused a whole call (access denied, throttled after retries)
  {EXIT_INCOMPLETE}  something the policy names could not be read or does not exist (a repository, a package, a
     literal name): the plan covers only the rest
  {EXIT_FAILURES}  some versions could not be disposed (each is named)
"""
# Where an apply keeps its audit records unless --audit-log says otherwise.
DEFAULT_APPLY_AUDIT = Path("codeartifact-disposer-audit.jsonl")
# CodeArtifactError codes that mean nothing answered (codeartifact/client.py: a botocore connection error).
UNREACHABLE_CODES = frozenset({"UpstreamUnavailable"})
NOT_FOUND_CODES = frozenset({"ResourceNotFoundException"})


def _global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """The options every command takes, before or after its name. A subcommand's copy has no defaults
    (SUPPRESS), so it never overwrites a value given before the subcommand."""

    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument(
        "--policies", type=Path, default=default(Path("policies.json")), help="policies file (./policies.json)"
    )
    parser.add_argument(
        "--endpoint-url", default=default(None), help="CodeArtifact endpoint, e.g. the emulator's http://127.0.0.1:PORT"
    )
    parser.add_argument("--region", default=default(None), help="AWS region (default: the environment's or profile's)")
    parser.add_argument(
        "--ledger-table",
        default=default(None),
        help="the stack's LedgerTableName: holds, quarantine (default: $DISPOSER_LEDGER_TABLE)",
    )
    parser.add_argument(
        "--switch-parameter",
        default=default(None),
        help="the stack's SwitchParameterName: the kill switch (default: $DISPOSER_SWITCH_PARAMETER)",
    )
    parser.add_argument(
        "--audit-log", type=Path, default=default(None), help="append the audit records (JSON lines) to this file"
    )
    parser.add_argument(
        "--verbose", action="store_true", default=default(False), help="also write the audit records to stderr"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=__doc__.split("\n\n")[0],
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    _global_options(parser, defaults=True)
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, defaults=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("list", help="list the policies in the file", parents=[common])
    commands.add_parser("validate", help="check the policies file; exit 2 naming every problem", parents=[common])
    for name, text in (("plan", "show what a policy would do; writes nothing"), ("apply", "run a policy now")):
        command = commands.add_parser(name, help=text, parents=[common])
        command.add_argument("policy", help="the policy's name in the file")
        command.add_argument("--json", action="store_true", help="print the run report, every decision, as JSON")
        command.add_argument("--show-kept", action="store_true", help="list kept versions too")
        command.add_argument(
            "--all", action="store_true", help=f"list every row (default: the first {MAX_TABLE_ROWS}, the rest counted)"
        )
        command.add_argument(
            "--as-of", type=aware_time, help="the run's clock, ISO-8601 with a zone, e.g. 2026-11-21T03:00:00Z"
        )
        command.add_argument("--html", type=Path, help="also write the plan as one self-contained HTML page")
        if name == "apply":
            command.add_argument("--yes", action="store_true", help="do not ask before disposing")
            command.add_argument(
                "--without-safety-controls",
                action="store_true",
                help="apply without the ledger table and the kill switch (holds and the switch not honoured; "
                "e.g. against the emulator)",
            )
            command.add_argument(
                "--expect-digest",
                type=plan_digest,
                help="the plan digest `plan` printed (v1: and 32 hex digits): dispose nothing if the plan changed",
            )
    safety.add_commands(commands, parents=[common])
    return parser


def entry() -> None:
    """The `codeartifact-disposer` console script."""
    sys.exit(main())


def main(argv: Sequence[str] | None = None, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    parser = _parser()
    # Shell completion (register-python-argcomplete codeartifact-disposer): answers and exits when asked.
    argcomplete.autocomplete(parser)
    arguments = parser.parse_args(argv)
    # The process's environment and the function's log stream are set for this command only (a caller
    # such as a test may run several in one process).
    environ, stream = dict(os.environ), logger.registered_handler.stream  # type: ignore[attr-defined]
    try:
        return _run_command(arguments, stdin, stdout)
    finally:
        os.environ.clear()
        os.environ.update(environ)
        logger.registered_handler.stream = stream  # type: ignore[attr-defined]


def _run_command(arguments: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    try:
        return _dispatch(arguments, stdin, stdout)
    except (environment.EnvironmentProblem, safety.SafetyCommandError) as problem:
        return _fail(str(problem), EXIT_BAD_INPUT)
    except PolicyError as error:
        text = str(error)
        prefix = "" if text.startswith(str(arguments.policies)) else f"{arguments.policies}: "
        return _fail(prefix + text.replace("\n", f"\n{' ' * len('error: ')}"), EXIT_BAD_INPUT)
    except (NoRegionError, NoCredentialsError) as error:
        return _fail(f"{error} (see --region, and your AWS credentials or profile)", EXIT_BAD_INPUT)
    except CodeArtifactError as error:
        if error.code in UNREACHABLE_CODES:
            return _fail(f"could not reach CodeArtifact{_where(arguments)}: {error.message}", EXIT_UNREACHABLE)
        if error.code in NOT_FOUND_CODES:
            return _fail(f"not found: {error.code}: {error.message}", EXIT_INCOMPLETE)
        return _fail(f"AWS refused: {error.code}: {error.message}", EXIT_AWS)
    except RunAbortedError as error:
        return _fail(f"{error.code}: {error.message}", EXIT_CAP)
    except DisposerError as error:  # a future clock, a domain or repository outside the deployment, ...
        return _fail(f"{error.code}: {error.message}", EXIT_BAD_INPUT)
    except BotoCoreError as error:
        return _fail(f"could not reach AWS{_where(arguments)}: {error}", EXIT_UNREACHABLE)


def _where(arguments: argparse.Namespace) -> str:
    endpoint = getattr(arguments, "endpoint_url", None) or os.environ.get("AWS_ENDPOINT_URL_CODEARTIFACT")
    return f" at {endpoint}" if endpoint else ""


def _fail(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _dispatch(arguments: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    # The functions read these from their environment; so do the adapters the CLI shares with them.
    if arguments.ledger_table:
        os.environ["DISPOSER_LEDGER_TABLE"] = arguments.ledger_table
    if arguments.switch_parameter:
        os.environ["DISPOSER_SWITCH_PARAMETER"] = arguments.switch_parameter
    if arguments.command in ("hold", "switch"):
        environment.prepare(endpoint_url=arguments.endpoint_url, region=arguments.region)
        _route_audit(arguments, RunProgress(sys.stderr))
        return safety.run(arguments, stdout)
    policies = load_policies(arguments.policies)
    if arguments.command == "validate":
        print(f"{arguments.policies}: {len(policies)} policies, all valid", file=stdout)
        return EXIT_OK
    if arguments.command == "list":
        for policy in policies:
            print(f"{policy.name:<28} {policy.mode:<6} {policy.schedule or '(on demand)'}", file=stdout)
        return EXIT_OK
    chosen = {policy.name: policy for policy in policies}.get(arguments.policy)
    if chosen is None:
        names = ", ".join(policy.name for policy in policies) or "none"
        return _fail(f"no policy named {arguments.policy!r} in {arguments.policies} (it has: {names})", EXIT_BAD_INPUT)
    environment.prepare(endpoint_url=arguments.endpoint_url, region=arguments.region)
    return _run(chosen, arguments, stdin, stdout)


def _route_audit(arguments: argparse.Namespace, progress: RunProgress) -> AuditSink:
    """Send the function's log records to the audit file and/or stderr, never onto stdout's tables."""
    audit = arguments.audit_log
    if audit is None and getattr(arguments, "command", None) == "apply":
        audit = DEFAULT_APPLY_AUDIT
    sink = AuditSink(audit_file=audit, verbose=sys.stderr if arguments.verbose else None, progress=progress)
    logger.registered_handler.stream = sink  # type: ignore[attr-defined]
    return sink


def _run(policy: RetentionPolicy, arguments: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    settings = Settings.from_environment()
    unsafe = getattr(arguments, "without_safety_controls", False)
    if (
        arguments.command == "apply"
        and not unsafe
        and (settings.ledger_table is None or settings.switch_parameter is None)
    ):
        missing = [
            name
            for name, value in (
                ("--ledger-table", settings.ledger_table),
                ("--switch-parameter", settings.switch_parameter),
            )
            if value is None
        ]
        raise environment.EnvironmentProblem(
            f"apply honours the deployment's holds and kill switch: give {' and '.join(missing)} (the stack outputs "
            "LedgerTableName and SwitchParameterName, or DISPOSER_LEDGER_TABLE and DISPOSER_SWITCH_PARAMETER), or "
            "--without-safety-controls to apply without them (against the emulator, say)"
        )
    Scope.of(settings).check(
        domain=policy.domain, domain_owner=policy.domain_owner, repository=policy.literal_repository
    )
    codeartifact = services.codeartifact(settings, Budget.unlimited())
    ledger = services.ledger(settings)
    apply = arguments.command == "apply"
    progress = RunProgress(sys.stderr)
    sink = _route_audit(arguments, progress)
    declined = False

    def confirm(report: RunReport) -> bool:
        nonlocal declined
        if report.plan.change_count == 0 or arguments.yes:
            progress.expect_writes(report.plan.change_count)
            return True
        # Nothing is printed under a live progress display: it would redraw over the table and the question.
        progress.stop()
        view = _view(report, policy)
        if not arguments.json:
            print_table(view, stdout, show_kept=arguments.show_kept, show_all=arguments.all)
            for error in view.body.errors:
                print(f"could not read {error.scope}: {error.error_code}: {error.error_message}", file=stdout)
        # With --json, stdout is the report alone: the question goes to stderr.
        prompt = sys.stderr if arguments.json else stdout
        declined = not _confirmed(report, stdin, prompt)
        if declined:
            print("not confirmed: nothing disposed", file=prompt)
            return False
        progress.resume()
        progress.expect_writes(report.plan.change_count)
        return True

    request = RunRequest(
        context=RunContext(
            run_id=str(uuid.uuid4()),
            trigger="cli",
            caller=f"cli:{getpass.getuser()}",
            dry_run=not apply,
            policy=policy.name,
        ),
        source=PolicyPlanner(
            codeartifact, policy, arguments.as_of or datetime.now(UTC), Scope.of(settings).allows_repository, ledger
        ),
        codeartifact=codeartifact,
        executor=InlineExecutor(codeartifact, measure=settings.measure_bytes, ledger=ledger) if apply else None,
        cap=policy.max_disposals_per_run,
        max_percent=policy.max_disposals_percent,
        expected_digest=getattr(arguments, "expect_digest", None),
        approve=confirm if apply else None,
        # Metrics are the function's, for CloudWatch; a terminal gets the summary instead.
        metrics=False,
    )
    try:
        with progress.shown():
            report = execute(request)
    finally:
        sink.close()
    report.raise_error()
    if declined:
        return EXIT_DECLINED
    if sink.records and arguments.audit_log is None and apply:
        print(f"audit records: {DEFAULT_APPLY_AUDIT} ({sink.records} records appended)", file=sys.stderr)
    return _show(_view(report, policy), report, arguments, stdout)


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
    return _exit_code(report, body)


def _exit_code(report: RunReport, body: RunReportBody) -> int:
    """The run's exit code (see EXIT_CODES), with one line on stderr naming the cause when it is not 0."""
    if report.cap_exceeded or report.percent_exceeded:
        return EXIT_CAP
    errors = body.errors
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more, listed above)" if len(errors) > 1 else ""
        cause = f"{first.scope}: {first.error_code}: {first.error_message}{more}"
        if any(error.error_code in UNREACHABLE_CODES for error in errors):
            return _fail(f"could not reach CodeArtifact, the plan is incomplete: {cause}", EXIT_UNREACHABLE)
        missing = "does not exist" if first.error_code in NOT_FOUND_CODES else "could not be read"
        return _fail(f"the plan is incomplete: {first.scope} {missing}: {cause}", EXIT_INCOMPLETE)
    if report.failed:
        failed = sum(1 for outcome in report.outcomes.values() if not outcome.succeeded)
        return _fail(f"{failed} versions could not be disposed (each is named above)", EXIT_FAILURES)
    return EXIT_OK


def _write_html(view: PlanView, path: Path) -> None:
    from disposer_cli.html import render_plan_html

    path.write_text(render_plan_html(view.body, view=view), encoding="utf-8")
    print(f"plan page: {path}", file=sys.stderr)
