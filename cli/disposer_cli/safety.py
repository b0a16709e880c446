"""The CLI's safety commands: holds in the ledger table, and the kill switch parameter.

    hold add --repository R --format F [--namespace N] --package P --version V --until T --reason TEXT
    hold list [--repository R] [--package P]
    hold remove HOLD_ID [--override]
    switch on | off | status

Both talk to AWS with the environment's credentials (or moto/the emulator through
AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SSM). Against a deployment, holds go through its API
(--api-url, the stack's ApiUrl, or DISPOSER_API_URL: only the functions may write its ledger); without
it they are placed in the ledger table named by --ledger-table (a local one: moto, the demo). The switch
is the parameter named by --switch-parameter / DISPOSER_SWITCH_PARAMETER (the stack's SwitchParameterName).
"""

import argparse
import getpass
import os
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TextIO

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from disposer import aws, services
from disposer.api.hold_models import HoldBody, HoldRequest
from disposer.budget import Budget
from disposer.errors import HoldNotFoundError, NotHoldOwnerError, PackageNotFoundError, TooManyHoldsError
from disposer.model.holds import UnreadableHold
from disposer.safety.holds import HoldBook, HoldEntry
from disposer.safety.scope import Scope
from disposer.settings import Settings
from disposer.ssm.parameter import ParameterError
from disposer_cli.holds_api import HoldsApi, HoldsApiError

# The CLI lists holds in pages of the API's largest.
LIST_PAGE = 500


class SafetyCommandError(Exception):
    """Something the operator can fix (a missing name, a refused call): printed, exit 2."""


def run(arguments: argparse.Namespace, stdout: TextIO) -> int:
    if arguments.command == "hold":
        return _hold(arguments, stdout)
    return _switch(arguments, stdout)


def _holds(settings: Settings) -> HoldBook:
    holds = services.holds(settings)
    if holds is None:
        raise SafetyCommandError("no ledger table: pass --ledger-table (the stack's LedgerTableName)")
    return holds


def _caller() -> str:
    """The caller's ARN (what the API records for a hold placed through it), or the local user."""
    try:
        return str(aws.client("sts").get_caller_identity()["Arn"])
    except (BotoCoreError, ClientError):
        return f"cli:{getpass.getuser()}"


def _hold(arguments: argparse.Namespace, stdout: TextIO) -> int:
    settings = Settings.from_environment()
    api_url = getattr(arguments, "api_url", None) or os.environ.get("DISPOSER_API_URL")
    if api_url:
        return _hold_through_api(HoldsApi(api_url), arguments, settings, stdout)
    holds = _holds(settings)
    try:
        if arguments.hold_command == "add":
            request = _hold_request(arguments, settings)
            Scope.of(settings).check(
                domain=request.domain, domain_owner=request.domain_owner, repository=request.repository
            )
            hold = request.to_hold(hold_id=str(uuid.uuid4()), created_by=_caller(), created_at=datetime.now(UTC))
            packages = services.codeartifact(settings, Budget.unlimited())
            _print_holds([holds.place(hold, packages=packages)], stdout)
        elif arguments.hold_command == "list":
            _print_holds(_every_page(holds, arguments.repository, arguments.package), stdout)
        else:
            remove = holds.override if arguments.override else holds.remove
            removed = remove(arguments.hold_id, removed_by=_caller())
            print(f"removed hold {removed.hold_id}{_named(removed)}", file=stdout)
    except ValidationError as error:
        problems = "; ".join(f"--{'-'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        raise SafetyCommandError(problems) from None
    except (HoldNotFoundError, NotHoldOwnerError, PackageNotFoundError, TooManyHoldsError) as error:
        raise SafetyCommandError(error.message) from None
    return 0


def _hold_through_api(api: HoldsApi, arguments: argparse.Namespace, settings: Settings, stdout: TextIO) -> int:
    """The hold commands against a deployment: its API places, lists and removes (signed with SigV4)."""
    try:
        if arguments.hold_command == "add":
            _print_bodies([api.place(_hold_request(arguments, settings))], stdout)
        elif arguments.hold_command == "list":
            found: list[HoldBody] = []
            token: str | None = None
            while True:
                page, token = api.page(
                    limit=LIST_PAGE, token=token, repository=arguments.repository, package=arguments.package
                )
                found += page
                if token is None:
                    break
            _print_bodies(found, stdout)
        else:
            removed = api.remove(arguments.hold_id, override=arguments.override)
            print(f"removed hold {removed.hold_id} on {removed.package} {removed.version}", file=stdout)
    except ValidationError as error:
        problems = "; ".join(f"--{'-'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        raise SafetyCommandError(problems) from None
    except HoldsApiError as error:
        raise SafetyCommandError(str(error)) from None
    return 0


def _every_page(holds: HoldBook, repository: str | None, package: str | None) -> list[HoldEntry]:
    """Every hold in force, following the pages as GET /holds gives them."""
    found: list[HoldEntry] = []
    token: str | None = None
    while True:
        page, token = holds.page(limit=LIST_PAGE, token=token, repository=repository, package=package)
        found += page
        if token is None:
            return found


def _named(entry: HoldEntry) -> str:
    if isinstance(entry, UnreadableHold):
        return f" (an unreadable ledger item: {entry.problem})"
    return f" on {entry.ref.package} {entry.version}"


def _hold_request(arguments: argparse.Namespace, settings: Settings) -> HoldRequest:
    return HoldRequest.model_validate(
        {
            "domain": arguments.domain or settings.domain,
            "domainOwner": arguments.domain_owner or settings.domain_owner,
            "repository": arguments.repository,
            "format": arguments.format,
            "namespace": arguments.namespace,
            "package": arguments.package,
            "version": arguments.version,
            "until": arguments.until,
            "reason": arguments.reason,
        }
    )


def _print_holds(entries: Sequence[HoldEntry], stdout: TextIO) -> None:
    if not entries:
        print("no holds in force", file=stdout)
    for entry in entries:
        if isinstance(entry, UnreadableHold):
            where = "" if entry.ref is None else f" (holds all of {entry.ref.repository}/{entry.ref.package})"
            print(f"{entry.hold_id}  UNREADABLE{where}: {entry.problem}", file=stdout)
            continue
        _print_bodies([HoldBody.of(entry)], stdout)


def _print_bodies(holds: Sequence[HoldBody], stdout: TextIO) -> None:
    if not holds:
        print("no holds in force", file=stdout)
    for hold in holds:
        name = f"{hold.namespace}/{hold.package}" if hold.namespace else hold.package
        print(
            f"{hold.hold_id}  {hold.repository}/{hold.format}/{name} {hold.version}  until "
            f"{hold.until:%Y-%m-%d %H:%M}Z  by {hold.created_by}: {hold.reason}",
            file=stdout,
        )


def _switch(arguments: argparse.Namespace, stdout: TextIO) -> int:
    switch = services.switch(Settings.from_environment())
    if switch is None:
        raise SafetyCommandError("no switch parameter: pass --switch-parameter (the stack's SwitchParameterName)")
    if arguments.state in ("on", "off"):
        try:
            switch.turn(on=arguments.state == "on")
        except ParameterError as error:
            raise SafetyCommandError(f"could not set {switch.name}: {error.reason}") from None
    reason = switch.why_off()
    state = "on: disposals allowed" if reason is None else f"off: {reason}"
    print(f"kill switch {switch.name}: {state}", file=stdout)
    return 0
