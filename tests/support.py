"""Helpers shared by the test tiers: raw events from tests/events/, a Lambda context, and DynamoDB requests counted."""

import copy
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

from local.events import LambdaContext

__all__ = ["EVENTS", "LambdaContext", "dynamodb_requests", "load_event", "report_line"]

EVENTS = Path(__file__).parent / "events"


def report_line(line: str) -> None:
    """A figure for `make fuzz` to show: appended to $FUZZ_REPORT (xdist workers print to no terminal)."""
    path = os.environ.get("FUZZ_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as report:
            report.write(line + "\n")


def load_event(name: str) -> dict[str, Any]:
    """A raw event from tests/events/, as the AWS service delivers it (a fresh copy each call)."""
    return copy.deepcopy(json.loads((EVENTS / name).read_text()))


def dynamodb_requests(client: Any) -> Counter[str]:
    """A counter of the requests a DynamoDB client sends from now on (retries included), by operation."""
    sent: Counter[str] = Counter()

    def count(request: Any, **_: Any) -> None:
        sent[request.headers["X-Amz-Target"].decode().rpartition(".")[2]] += 1

    client.meta.events.register("before-send.dynamodb", count)
    return sent
