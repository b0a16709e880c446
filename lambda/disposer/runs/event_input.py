"""Reading a run event: an EventBridge event (a schedule rule, or a PutEvents call) that runs a retention policy.

The run's clock is the event's `time` and its id the event's `id`. Where the deployment ships its
policies file (DISPOSER_POLICIES_FILE), an event may only run a policy of that file: its `detail` is
that policy exactly (what the schedule rules deliver), or `{"name": N}` to run deployed policy N now,
or `{"name": N, "mode": "plan"}` to preview it. Anything else is refused before any CodeArtifact
call: `PutEvents` is no way around the API's IAM authorization. Without the variable (local runs)
any valid policy runs. The run function (run_events.py) and the workflow's start step read events here.

Who ran it: only EventBridge itself may send events with an `aws.` source, so the rule named in
`resources` is the caller only when `source` is `aws.events` (as the schedule rules deliver it);
otherwise the caller is the account that sent the event with PutEvents, whatever `resources` says.
"""

from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import AwareDatetime, ValidationError

from disposer import clock
from disposer.constants import EVENTBRIDGE_SOURCE
from disposer.errors import FutureClockError, PolicyError, PolicyNotDeployedError, StaleClockError
from disposer.observability import logger
from disposer.retention.loader import load_policies, parse_policy
from disposer.retention.policy import PolicyMode, RetentionPolicy
from disposer.runs.guards import MAX_EVENT_AGE, check_clock
from disposer.settings import Settings


class RunEvent(EventBridgeModel):
    """The run event: a standard EventBridge envelope; the run's clock is its `time`, its detail read below."""

    time: AwareDatetime
    detail: dict[str, Any]


@cache
def deployed_policies(path: str) -> dict[str, RetentionPolicy]:
    """The policies file shipped with the function, by name (read once per execution environment)."""
    return {policy.name: policy for policy in load_policies(path)}


def policies_file(settings: Settings) -> str | None:
    """DISPOSER_POLICIES_FILE, a relative path resolved against the function's code root."""
    if settings.policies_file is None:
        return None
    path = Path(settings.policies_file)
    return str(path if path.is_absolute() else Path(__file__).resolve().parents[2] / path)


def policy_to_run(detail: dict[str, Any], deployed: dict[str, RetentionPolicy] | None) -> RetentionPolicy:
    """The policy an event's detail may run; PolicyNotDeployedError (or PolicyError) if none."""
    if deployed is None:
        return parse_policy(detail)
    name = detail.get("name")
    if not isinstance(name, str) or name not in deployed:
        raise PolicyNotDeployedError(f"no deployed policy is named {name!r} (deployed: {', '.join(sorted(deployed))})")
    policy = deployed[name]
    if detail.keys() == {"name"}:
        return policy
    if detail.keys() == {"name", "mode"} and detail["mode"] == PolicyMode.PLAN:
        return policy.model_copy(update={"mode": PolicyMode.PLAN})
    try:
        sent = parse_policy(detail)
    except PolicyError as error:
        raise PolicyNotDeployedError(f"the event's policy {name!r} is not the deployed one: {error}") from None
    if sent != policy:
        raise PolicyNotDeployedError(
            f'the event\'s policy {name!r} differs from the deployed one: send {{"name": {name!r}}} to run it as '
            f'deployed, add "mode": "plan" to preview it; new policies go through POST /plan and /apply'
        )
    return policy


def caller_of(event: RunEvent) -> str:
    if event.source == EVENTBRIDGE_SOURCE and event.resources:
        return event.resources[0]
    return f"account {event.account} via PutEvents"


def read_run_event(raw: dict[str, Any], settings: Settings) -> tuple[RunEvent, RetentionPolicy]:
    """The event and the policy it may run; an error record and the error raised for any other."""
    try:
        event = parse(event=raw, model=RunEvent)
    except ValidationError as error:
        logger.error("run event refused", error_code="InvalidEvent", error_message=str(error))
        raise
    logger.append_keys(run_id=event.id)
    path = policies_file(settings)
    try:
        check_clock(event.time, wall=clock.now(), max_age=MAX_EVENT_AGE)
        return event, policy_to_run(event.detail, None if path is None else deployed_policies(path))
    except (PolicyError, FutureClockError, StaleClockError) as error:
        logger.error("run event refused", error_code=error.code, error_message=error.message, caller=caller_of(event))
        raise
