"""Operator CLI: plan or apply a policy from the policies file, with the Lambda's own engine and adapter.

    python -m disposer_cli list
    python -m disposer_cli plan prune-ui [--json] [--show-kept]
    python -m disposer_cli apply prune-ui [--yes] [--expect-digest DIGEST]
    python -m disposer_cli hold add|list|remove ...
    python -m disposer_cli switch on|off|status

It talks to the account in the environment's AWS credentials, or to the emulator when
AWS_ENDPOINT_URL_CODEARTIFACT (or --endpoint-url) is set. Audit records go to stderr as JSON lines;
the table (or --json report) goes to stdout. Exit codes: 0 done, 1 some versions failed, 2 bad input,
3 a guard stopped the run and nothing was disposed (maxDisposalsPerRun, maxDisposalsPercent, a plan
changed since its digest was reviewed, the kill switch off), 4 CodeArtifact refused a whole call.
"""

import argparse
import getpass
import json
import sys
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from disposer import services
from disposer.budget import Budget
from disposer.config import Settings
from disposer.errors import CodeArtifactError, DisposerError, PolicyError, RunAbortedError
from disposer.observability import logger
from disposer.observability.audit import RunContext
from disposer.retention.loader import load_policies
from disposer.retention.plan import Action
from disposer.retention.policy import RetentionPolicy
from disposer.runs.executors import InlineExecutor
from disposer.runs.pipeline import PolicyPlanner, RunRequest, execute
from disposer.runs.report import RunItem, RunReport, RunReportBody
from disposer_cli import safety

EXIT_OK, EXIT_FAILURES, EXIT_BAD_INPUT, EXIT_CAP, EXIT_AWS = 0, 1, 2, 3, 4
COLUMNS = (("repository", 16), ("package", 28), ("version", 24), ("status", 10), ("action", 8))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m disposer_cli", description=__doc__.split("\n\n")[0])
    parser.add_argument("--policies", type=Path, default=Path("policies.json"), help="policies file (%(default)s)")
    parser.add_argument("--endpoint-url", help="CodeArtifact endpoint (e.g. the emulator's URL)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the policies in the file")
    commands.add_parser("validate", help="check the policies file; exit 2 naming every problem")
    for name, text in (("plan", "show what a policy would do; writes nothing"), ("apply", "run a policy now")):
        command = commands.add_parser(name, help=text)
        command.add_argument("policy", help="the policy's name in the file")
        command.add_argument("--json", action="store_true", help="print the run report as JSON")
        command.add_argument("--show-kept", action="store_true", help="list kept versions too")
        command.add_argument("--as-of", type=_aware_time, help="the run's clock, ISO-8601 (default: now)")
        if name == "apply":
            command.add_argument("--yes", action="store_true", help="do not ask before disposing")
            command.add_argument(
                "--expect-digest", help="the planDigest `plan` printed: dispose nothing if the plan changed since"
            )
    safety.add_commands(commands)
    return parser


class _Stderr:
    """Whatever sys.stderr is when a record is written (a caller, or a test, may have replaced it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _aware_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def main(argv: Sequence[str] | None = None, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    arguments = _parser().parse_args(argv)
    if arguments.command in ("hold", "switch"):
        logger.registered_handler.stream = _Stderr()  # type: ignore[attr-defined]
        try:
            return safety.run(arguments, stdout)
        except (safety.SafetyCommandError, DisposerError) as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_BAD_INPUT
    try:
        policies = load_policies(arguments.policies)
    except PolicyError as error:
        print(f"{arguments.policies}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if arguments.command == "validate":
        print(f"{arguments.policies}: {len(policies)} policies, all valid", file=stdout)
        return EXIT_OK
    if arguments.command == "list":
        for policy in policies:
            print(f"{policy.name:<28} {policy.mode:<6} {policy.schedule or '(on demand)'}", file=stdout)
        return EXIT_OK
    chosen = {policy.name: policy for policy in policies}.get(arguments.policy)
    if chosen is None:
        names = ", ".join(policy.name for policy in policies)
        print(f"no policy named '{arguments.policy}' in {arguments.policies} (it has: {names})", file=sys.stderr)
        return EXIT_BAD_INPUT
    # Audit records are JSON lines on stderr; stdout stays readable (or machine-readable with --json).
    logger.registered_handler.stream = _Stderr()  # type: ignore[attr-defined]
    try:
        return _run(chosen, arguments, stdin, stdout)
    except CodeArtifactError as error:
        print(f"CodeArtifact refused: {error.code}: {error.message}", file=sys.stderr)
        return EXIT_AWS
    except DisposerError as error:  # a future clock, a domain or repository outside the deployment
        print(f"{error.code}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _run(policy: RetentionPolicy, arguments: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    settings = Settings.from_environment()
    if arguments.endpoint_url:
        settings = settings.model_copy(update={"codeartifact_endpoint": arguments.endpoint_url})
    settings.check_scope(domain=policy.domain, domain_owner=policy.domain_owner, repository=policy.literal_repository)
    codeartifact = services.codeartifact(settings, Budget.unlimited())
    ledger = services.ledger(settings)
    apply = arguments.command == "apply"
    context = RunContext(
        run_id=str(uuid.uuid4()),
        trigger="cli",
        caller=f"cli:{getpass.getuser()}",
        dry_run=not apply,
        policy=policy.name,
    )
    declined = False

    def confirm(report: RunReport) -> bool:
        nonlocal declined
        if report.plan.change_count == 0 or arguments.yes:
            return True
        if not arguments.json:
            print_table(report.to_body(), arguments.show_kept, stdout)
        # With --json, stdout is the report alone: the question goes to stderr.
        prompt = sys.stderr if arguments.json else stdout
        declined = not _confirmed(report, stdin, prompt)
        if declined:
            print("nothing disposed", file=prompt)
        return not declined

    try:
        report = execute(
            RunRequest(
                context=context,
                source=PolicyPlanner(
                    codeartifact,
                    policy,
                    arguments.as_of or datetime.now(UTC),
                    settings.allows_repository,
                    ledger,
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
        )
    except RunAbortedError as error:
        # The cap, the breaker, a changed plan, the kill switch: nothing was disposed.
        print(f"{error.code}: {error.message}", file=sys.stderr)
        return EXIT_CAP
    if declined:
        return EXIT_OK
    return _show(report, arguments, stdout)


def _confirmed(report: RunReport, stdin: TextIO, prompt: TextIO) -> bool:
    count, archives = report.plan.change_count, report.plan.archive_count
    what = f"Dispose {count - archives} and archive {archives} versions" if archives else f"Dispose {count} versions"
    print(f"\n{what} (irreversible)? Type the policy name to confirm: ", end="", file=prompt)
    prompt.flush()
    return stdin.readline().strip() == report.plan.policy


def _show(report: RunReport, arguments: argparse.Namespace, stdout: TextIO) -> int:
    body = report.to_body()
    if arguments.json:
        print(body.model_dump_json(by_alias=True, indent=2), file=stdout)
    else:
        if not report.applied:
            print_table(body, arguments.show_kept, stdout)
        for item in body.items:
            if item.outcome == "failed":
                print(f"FAILED {item.repository} {item.package} {item.version}: {_reason(item)}", file=stdout)
        print_summary(body, stdout)
    if report.cap_exceeded:
        return EXIT_CAP
    return EXIT_FAILURES if report.failed else EXIT_OK


def print_table(body: RunReportBody, show_kept: bool, stdout: TextIO) -> None:
    shown = [item for item in body.items if show_kept or item.action != Action.KEEP.value]
    header = "  ".join(name.upper().ljust(width) for name, width in COLUMNS) + "  REASON"
    print(header, file=stdout)
    for item in shown:
        print("  ".join(_cell(item, name, width) for name, width in COLUMNS) + f"  {_reason(item)}", file=stdout)
    hidden = len(body.items) - len(shown) + body.items_omitted
    if hidden:
        print(f"... and {hidden} kept versions (--show-kept lists them)", file=stdout)


def _cell(item: RunItem, name: str, width: int) -> str:
    value = str(getattr(item, name) or "")
    if name == "package" and item.namespace:
        value = f"{item.namespace}/{value}"
    return (value if len(value) <= width else value[: width - 1] + "…").ljust(width)


def _reason(item: RunItem) -> str:
    if item.outcome == "failed":
        return f"{item.reason} -> FAILED {item.error_code}: {item.error_message}"
    return f"{item.reason} -> disposed" if item.outcome == "disposed" else item.reason


def print_summary(body: RunReportBody, stdout: TextIO) -> None:
    totals = body.totals
    if body.aborted:
        mode = "aborted, nothing disposed" if not body.outcomes.get("disposed") else "stopped part-way"
    elif body.mode == "apply":
        mode = "applied"
    else:
        mode = "plan only, nothing disposed"
    print(
        f"\npolicy {body.policy} as of {body.as_of:%Y-%m-%d %H:%M}Z ({mode}): {totals.versions} versions in "
        f"{totals.packages} package{'' if totals.packages == 1 else 's'}; keep {totals.keep}, dispose {totals.dispose} "
        f"(cap {body.max_disposals_per_run}{', EXCEEDED' if body.cap_exceeded else ''})",
        file=stdout,
    )
    print(f"rules: {json.dumps(totals.rules)}", file=stdout)
    print(
        f"plan digest: {body.plan_digest} (apply --expect-digest {body.plan_digest} applies exactly this)", file=stdout
    )
    if body.outcomes:
        print(f"outcomes: {json.dumps(body.outcomes)}", file=stdout)
    for error in body.errors:
        print(f"could not read {error.scope}: {error.error_code}: {error.error_message}", file=stdout)
    calls = ", ".join(f"{name} {count}" for name, count in body.calls.items())
    print(f"CodeArtifact calls: {calls or 'none'}; {body.duration_seconds:.2f} s", file=stdout)
