"""Helpers shared by the test tiers: raw events from tests/events/ and a Lambda context."""

import copy
import json
import os
from pathlib import Path
from typing import Any

from local.events import LambdaContext

__all__ = ["EVENTS", "LambdaContext", "load_event", "report_line"]

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
