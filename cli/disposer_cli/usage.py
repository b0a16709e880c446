"""The CLI's `usage` command: what the usage recorder saw of one package's downloads, and whether the trail
covers the window, so that "never downloaded" is told apart from "not seen".

    usage show --repository R --format F [--namespace N] --package P [--days N] [--json]

Against a deployment it goes through the API (--api-url, the stack's ApiUrl, or DISPOSER_API_URL: only the
functions read its ledger); without it, it reads the ledger table named by --ledger-table (a local one: moto,
the demo).
"""

import argparse
import json
import os
from typing import TextIO

from pydantic import ValidationError

from disposer import clock, services
from disposer.api.usage_models import UsageRequest, UsageResponse
from disposer.runs.usage import usage_report
from disposer.settings import Settings
from disposer_cli.api_client import ApiError
from disposer_cli.exits import EXIT_AWS, EXIT_BAD_INPUT, EXIT_OK, EXIT_UNREACHABLE, fail
from disposer_cli.usage_api import UsageApi

NOT_COVERED = "a policy with keep.downloadedWithinDays keeps every candidate until the gap is covered"


def run(arguments: argparse.Namespace, stdout: TextIO) -> int:
    settings = Settings.from_environment()
    fields = {
        "domain": arguments.domain or settings.domain,
        "domainOwner": arguments.domain_owner or settings.domain_owner,
        "repository": arguments.repository,
        "format": arguments.format,
        "namespace": arguments.namespace,
        "package": arguments.package,
        "days": arguments.days,
    }
    try:
        request = UsageRequest.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'request'}: {e['msg']}" for e in error.errors())
        return fail(f"usage show: {problems}", EXIT_BAD_INPUT)
    url = getattr(arguments, "api_url", None) or os.environ.get("DISPOSER_API_URL")
    try:
        shown = UsageApi(url).show(request) if url else _local(settings, request)
    except ApiError as error:
        return fail(str(error), EXIT_UNREACHABLE if error.status == 0 else EXIT_AWS)
    if arguments.json:
        print(json.dumps(shown.model_dump(mode="json", by_alias=True), indent=2), file=stdout)
    else:
        _print(request, shown, stdout)
    return EXIT_OK


def _local(settings: Settings, request: UsageRequest) -> UsageResponse:
    ledger = services.ledger(settings)
    if ledger is None:
        raise UsageCommandError("no ledger table: pass --api-url (the stack's ApiUrl) or --ledger-table")
    return UsageResponse.of(usage_report(ledger, request.ref, request.days, clock.now()), request.days)


class UsageCommandError(Exception):
    """Something the operator can fix (a missing name): printed, exit 2."""


def _print(request: UsageRequest, shown: UsageResponse, stdout: TextIO) -> None:
    name = f"{request.namespace}/{request.package}" if request.namespace else request.package
    coverage = shown.coverage
    print(f"{request.repository}/{request.format}/{name}: downloads in the last {shown.days} days", file=stdout)
    span = f"{coverage.window_start:%Y-%m-%d %H:%M} to {coverage.window_end:%Y-%m-%d %H:%M} UTC"
    if coverage.covered:
        print(f"coverage: {span}: every log file of the trail recorded", file=stdout)
    else:
        print(f"coverage: {span}: NOT covered: {coverage.gap}; {NOT_COVERED}", file=stdout)
    if not shown.versions:
        print("no download recorded of any version", file=stdout)
        return
    width = max(len("VERSION"), *(len(v.version) for v in shown.versions))
    print(f"{'VERSION':<{width}}  {'LAST DOWNLOAD':<20}  BY", file=stdout)
    for version in shown.versions:
        when = f"{version.last_download:%Y-%m-%d %H:%M} UTC"
        outside = "" if version.within_window else "  (before the window)"
        print(f"{version.version:<{width}}  {when:<20}  {version.downloaded_by or 'unknown'}{outside}", file=stdout)
    print(f"{len(shown.versions)} versions with a recorded download; a version not listed had none", file=stdout)
