"""The CLI's command line: its commands and options, and the values it checks before anything runs (a bad one is
bad input, exit 2, named with an example)."""

import argparse
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from disposer.retention.policy import MAX_DOWNLOAD_WINDOW_DAYS
from disposer.usage.history import HISTORY_DAYS
from disposer.version import __version__
from disposer_cli.exits import EXIT_CODES
from disposer_cli.output import MAX_TABLE_ROWS

# `runs list` shows at most this many runs (the API's pages followed); the statuses it filters by.
MAX_LISTED_RUNS = 1000
MAX_REJECT_REASON = 500
RUN_STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE")

PROG = "codeartifact-disposer"
DESCRIPTION = (
    "codeartifact-disposer: plan or apply a retention policy from a policies file, place holds, flip the kill\n"
    "switch, with the Lambda function's own engine and adapters; follow, approve or reject a deployment's runs."
)

# `plan` prints this; `apply --expect-digest` takes nothing else (disposer/safety/digest.py makes it).
DIGEST_PATTERN = re.compile(r"v1:[0-9a-f]{32}")
TIME_EXAMPLE = "write it with a zone, like 2026-11-21T03:00:00Z or 2026-11-21T04:00:00+01:00"


def aware_time(text: str) -> datetime:
    """An ISO-8601 time with a zone (--as-of, hold add --until)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO-8601 time; {TIME_EXAMPLE}") from None
    if moment.tzinfo is None:
        # A time without a zone would be read in one zone here and in another on a colleague's machine.
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone; {TIME_EXAMPLE}")
    return moment


def plan_digest(text: str) -> str:
    """A plan digest as `plan` prints it (apply --expect-digest, runs approve --plan-digest)."""
    if not DIGEST_PATTERN.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a plan digest: it is v1: and 32 lowercase hex digits, as `plan` prints it "
            "(e.g. v1:0123456789abcdef0123456789abcdef)"
        )
    return text


def global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
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
        "--api-url",
        default=default(None),
        help="the stack's ApiUrl: `hold`, `runs` and `usage` commands go through the API, as a deployment requires "
        "(default: $DISPOSER_API_URL; without it `hold` writes a local ledger table)",
    )
    parser.add_argument(
        "--audit-log", type=Path, default=default(None), help="append the audit records (JSON lines) to this file"
    )
    parser.add_argument(
        "--verbose", action="store_true", default=default(False), help="also write the audit records to stderr"
    )


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    global_options(parser, defaults=True)
    common = argparse.ArgumentParser(add_help=False)
    global_options(common, defaults=False)
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
    _safety_commands(commands, parents=[common])
    _runs_commands(commands, parents=[common])
    _usage_commands(commands, parents=[common])
    return parser


def window_days(text: str) -> int:
    """How many days `usage show` looks back (1 to 365, as keep.downloadedWithinDays)."""
    if not text.isdigit() or not 1 <= int(text) <= MAX_DOWNLOAD_WINDOW_DAYS:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days from 1 to {MAX_DOWNLOAD_WINDOW_DAYS}")
    return int(text)


def history_days(text: str) -> int:
    """How many days `usage backfill` reads (1 to 90: what CloudTrail's event history keeps)."""
    if not text.isdigit() or not 1 <= int(text) <= HISTORY_DAYS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of days from 1 to {HISTORY_DAYS} (CloudTrail's event history keeps 90 days)"
        )
    return int(text)


def _usage_commands(commands: Any, parents: Sequence[argparse.ArgumentParser] = ()) -> None:
    """What the usage recorder saw of a package's downloads, through the API (--api-url) or a local ledger; a
    backfill of the last days from CloudTrail's event history, by the recorder or in this process."""
    usage = commands.add_parser(
        "usage",
        help="a package's last downloads and the trail's coverage (keep.downloadedWithinDays)",
        parents=list(parents),
    )
    actions = usage.add_subparsers(dest="usage_command", required=True)
    show = actions.add_parser("show", help="the last download of each version of one package", parents=list(parents))
    show.add_argument("--domain", help="default: $DISPOSER_DOMAIN")
    show.add_argument("--domain-owner", help="default: $DISPOSER_DOMAIN_OWNER")
    show.add_argument("--repository", required=True)
    show.add_argument("--format", required=True)
    show.add_argument("--namespace")
    show.add_argument("--package", required=True)
    show.add_argument("--days", type=window_days, default=30, help="how far back (1 to 365; default 30)")
    show.add_argument("--json", action="store_true", help="print the answer as JSON")
    backfill = actions.add_parser(
        "backfill",
        help="read the last days' downloads from CloudTrail's event history (90 days) into the ledger",
        parents=list(parents),
    )
    backfill.add_argument(
        "--days", type=history_days, required=True, help=f"how far back (1 to {HISTORY_DAYS}: event history's reach)"
    )
    backfill.add_argument(
        "--function-name",
        help="the stack's RecorderFunctionName (default: $DISPOSER_RECORDER_FUNCTION; without one, a local "
        "--ledger-table is backfilled in this process)",
    )


def reject_reason(text: str) -> str:
    """Why a plan is rejected (runs reject --reason): 1 to 500 characters, as the API takes."""
    if not 1 <= len(text) <= MAX_REJECT_REASON:
        raise argparse.ArgumentTypeError(f"a reason is 1 to {MAX_REJECT_REASON} characters ({len(text)} given)")
    return text


def run_limit(text: str) -> int:
    """How many runs `runs list` shows (1 to MAX_LISTED_RUNS)."""
    if not text.isdigit() or not 1 <= int(text) <= MAX_LISTED_RUNS:
        raise argparse.ArgumentTypeError(f"{text!r} is not a count of runs from 1 to {MAX_LISTED_RUNS}")
    return int(text)


def _runs_commands(commands: Any, parents: Sequence[argparse.ArgumentParser] = ()) -> None:
    """The commands on a deployment's workflow runs, through its API (--api-url)."""
    runs = commands.add_parser(
        "runs",
        help="list a deployment's workflow runs, show one, approve or reject the plan one waits on (--api-url)",
        description="A deployment's workflow runs, through its API (--api-url, or $DISPOSER_API_URL: the stack's "
        "ApiUrl), each request signed with SigV4 from your credentials.",
        parents=list(parents),
    )
    actions = runs.add_subparsers(dest="runs_command", required=True, metavar="ACTION")
    listed = actions.add_parser("list", help="the newest runs first", parents=list(parents))
    listed.add_argument("--status", choices=RUN_STATUSES, help="only runs whose execution has this status")
    listed.add_argument("--limit", type=run_limit, default=20, help=f"how many runs (1 to {MAX_LISTED_RUNS}; 20)")
    show = actions.add_parser(
        "show", help="a run's status, the plan it waits to have approved, its report", parents=list(parents)
    )
    approve = actions.add_parser(
        "approve",
        help="approve the plan a run waits on: it plans again and applies exactly that plan",
        parents=list(parents),
    )
    reject = actions.add_parser(
        "reject", help="reject the plan a run waits on: the run is aborted, nothing disposed", parents=list(parents)
    )
    for action in (show, approve, reject):
        action.add_argument("run_id", metavar="RUN_ID", help="the run's id (runs list, or its notification)")
    approve.add_argument(
        "--plan-digest",
        required=True,
        type=plan_digest,
        help="the digest `runs show` gives for the plan (another one aborts the run)",
    )
    reject.add_argument("--reason", type=reject_reason, help="why (1 to 500 characters)")
    for action in (listed, show, approve, reject):
        action.add_argument("--json", action="store_true", help="print the API's answer as JSON")


def _safety_commands(commands: Any, parents: Sequence[argparse.ArgumentParser] = ()) -> None:
    """The hold and switch commands; `parents` gives each the options every command takes."""
    hold = commands.add_parser(
        "hold", help="place, list or remove holds (kept by every policy and /dispose)", parents=list(parents)
    )
    holds = hold.add_subparsers(dest="hold_command", required=True)
    add = holds.add_parser(
        "add", help="place a hold on a version or a glob of versions of one package", parents=list(parents)
    )
    add.add_argument("--domain", help="default: $DISPOSER_DOMAIN")
    add.add_argument("--domain-owner", help="default: $DISPOSER_DOMAIN_OWNER")
    add.add_argument("--repository", required=True)
    add.add_argument("--format", required=True)
    add.add_argument("--namespace")
    add.add_argument("--package", required=True)
    add.add_argument("--version", required=True, help="a version, or a glob of versions (* and ?)")
    add.add_argument("--until", required=True, type=aware_time, help="ISO-8601 with a zone, at most 366 days ahead")
    add.add_argument("--reason", required=True, help="why (1 to 500 characters)")
    listed = holds.add_parser("list", help="the holds in force", parents=list(parents))
    listed.add_argument("--repository")
    listed.add_argument("--package")
    remove = holds.add_parser("remove", help="remove a hold you placed", parents=list(parents))
    remove.add_argument("hold_id")
    remove.add_argument(
        "--override",
        action="store_true",
        help="remove a hold someone else placed, or an unreadable ledger item (audited with both principals)",
    )
    switch = commands.add_parser(
        "switch", help="turn every disposal of the deployment off or on, or show which", parents=list(parents)
    )
    switch.add_argument("state", choices=("on", "off", "status"))
