# PYTHON_ARGCOMPLETE_OK (argcomplete completes the console script only where it finds this marker)
"""codeartifact-disposer: plan or apply a retention policy from a policies file, place holds, flip the kill
switch, with the Lambda function's own engine and adapters.

    codeartifact-disposer [--policies FILE] list | validate
    codeartifact-disposer plan NAME [--show-kept] [--all] [--json] [--html FILE] [--as-of TIME]
    codeartifact-disposer apply NAME [--yes] [--expect-digest DIGEST] [--json] [--html FILE]
    codeartifact-disposer hold add|list|remove ...      codeartifact-disposer switch on|off|status
    codeartifact-disposer runs list | show RUN_ID | approve RUN_ID --plan-digest DIGEST | reject RUN_ID
    codeartifact-disposer usage show --repository R --format F --package P [--days N]
    codeartifact-disposer usage backfill --days N [--function-name NAME]

It talks to the account in the environment's AWS credentials, or to the emulator with --endpoint-url
(placeholder region and credentials are then set for you). Tables go to stdout (--json: the run
report alone), progress to stderr on a terminal, audit records to --audit-log FILE or, with
--verbose, to stderr.
"""

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TextIO

import argcomplete
from botocore.exceptions import BotoCoreError, NoCredentialsError, NoRegionError

from disposer.errors import CodeArtifactError, DisposerError, PolicyError, RunAbortedError
from disposer.observability import logger
from disposer.retention.loader import load_policies
from disposer_cli import backfill, environment, runs, safety, usage
from disposer_cli.arguments import parser as command_line
from disposer_cli.exits import (
    EXIT_AWS,
    EXIT_BAD_INPUT,
    EXIT_CAP,
    EXIT_INCOMPLETE,
    EXIT_OK,
    EXIT_UNREACHABLE,
    NOT_FOUND_CODES,
    UNREACHABLE_CODES,
    fail,
)
from disposer_cli.output import RunProgress
from disposer_cli.runner import route_audit, run_policy


def entry() -> None:
    """The `codeartifact-disposer` console script."""
    sys.exit(main())


def main(argv: Sequence[str] | None = None, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    parser = command_line()
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
    except (
        environment.EnvironmentProblem,
        safety.SafetyCommandError,
        usage.UsageCommandError,
        backfill.BackfillCommandError,
    ) as problem:
        return fail(str(problem), EXIT_BAD_INPUT)
    except PolicyError as error:
        text = str(error)
        prefix = "" if text.startswith(str(arguments.policies)) else f"{arguments.policies}: "
        return fail(prefix + text.replace("\n", f"\n{' ' * len('error: ')}"), EXIT_BAD_INPUT)
    except (NoRegionError, NoCredentialsError) as error:
        return fail(f"{error} (see --region, and your AWS credentials or profile)", EXIT_BAD_INPUT)
    except CodeArtifactError as error:
        if error.code in UNREACHABLE_CODES:
            return fail(f"could not reach CodeArtifact{_where(arguments)}: {error.message}", EXIT_UNREACHABLE)
        if error.code in NOT_FOUND_CODES:
            return fail(f"not found: {error.code}: {error.message}", EXIT_INCOMPLETE)
        return fail(f"AWS refused: {error.code}: {error.message}", EXIT_AWS)
    except RunAbortedError as error:
        return fail(f"{error.code}: {error.message}", EXIT_CAP)
    except DisposerError as error:  # a future clock, a domain or repository outside the deployment, ...
        return fail(f"{error.code}: {error.message}", EXIT_BAD_INPUT)
    except BotoCoreError as error:
        return fail(f"could not reach AWS{_where(arguments)}: {error}", EXIT_UNREACHABLE)


def _where(arguments: argparse.Namespace) -> str:
    endpoint = getattr(arguments, "endpoint_url", None) or os.environ.get("AWS_ENDPOINT_URL_CODEARTIFACT")
    return f" at {endpoint}" if endpoint else ""


def _dispatch(arguments: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    # The functions read these from their environment; so do the adapters the CLI shares with them.
    if arguments.ledger_table:
        os.environ["DISPOSER_LEDGER_TABLE"] = arguments.ledger_table
    if arguments.switch_parameter:
        os.environ["DISPOSER_SWITCH_PARAMETER"] = arguments.switch_parameter
    if arguments.command == "runs":
        environment.prepare(endpoint_url=None, region=arguments.region)
        return runs.run(arguments, stdout)
    if arguments.command == "usage" and arguments.usage_command == "backfill":
        environment.prepare(endpoint_url=None, region=arguments.region)
        # The function's log records (an in-process backfill's) go to the audit file or stderr, not stdout.
        route_audit(arguments, RunProgress(sys.stderr))
        return backfill.run(arguments, stdout)
    if arguments.command == "usage":
        environment.prepare(endpoint_url=None, region=arguments.region)
        return usage.run(arguments, stdout)
    if arguments.command in ("hold", "switch"):
        environment.prepare(endpoint_url=arguments.endpoint_url, region=arguments.region)
        route_audit(arguments, RunProgress(sys.stderr))
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
        return fail(f"no policy named {arguments.policy!r} in {arguments.policies} (it has: {names})", EXIT_BAD_INPUT)
    environment.prepare(endpoint_url=arguments.endpoint_url, region=arguments.region)
    return run_policy(chosen, arguments, stdin, stdout)
