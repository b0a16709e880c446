"""Helpers shared by the test tiers: raw events from tests/events/ and a Lambda context."""

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).parent / "events"


def load_event(name: str) -> dict[str, Any]:
    """A raw event from tests/events/, as the AWS service delivers it (a fresh copy each call)."""
    return copy.deepcopy(json.loads((EVENTS / name).read_text()))


@dataclass
class LambdaContext:
    function_name: str = "codeartifact-disposer"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:111122223333:function:codeartifact-disposer"
    aws_request_id: str = "52fdfc07-2182-454f-963f-5f0f9a621d72"
