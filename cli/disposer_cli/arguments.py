"""Option values the CLI checks before anything runs: a bad one is bad input (exit 2), named with an example."""

import argparse
import re
from datetime import datetime

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
    """A plan digest as `plan` prints it (apply --expect-digest)."""
    if not DIGEST_PATTERN.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a plan digest: it is v1: and 32 lowercase hex digits, as `plan` prints it "
            "(e.g. v1:0123456789abcdef0123456789abcdef)"
        )
    return text
