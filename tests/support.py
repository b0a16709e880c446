"""Helpers shared by the test tiers: raw events from tests/events/ and a Lambda context."""

import copy
import json
from pathlib import Path
from typing import Any

from local.events import LambdaContext

__all__ = ["EVENTS", "LambdaContext", "load_event"]

EVENTS = Path(__file__).parent / "events"


def load_event(name: str) -> dict[str, Any]:
    """A raw event from tests/events/, as the AWS service delivers it (a fresh copy each call)."""
    return copy.deepcopy(json.loads((EVENTS / name).read_text()))
