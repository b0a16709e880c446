"""Lambda entry point of the steps function: each Task of the run workflow names its step in the payload.

An error a step raises fails its Task with the exception's class name as the error (RetryLaterError
is retried by the state machine; anything else goes to the run's Catch, which reports the run).
"""

from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from disposer.budget import REPORT_MARGIN_SECONDS, Budget
from disposer.errors import DisposerError, UnknownStepError
from disposer.observability import logger, metrics, tracer
from disposer.settings import Settings
from disposer.steps.apply import apply_part
from disposer.steps.approval import await_approval
from disposer.steps.inventory import inventory
from disposer.steps.merge import merge
from disposer.steps.report import report
from disposer.steps.shard import plan_shard
from disposer.steps.start import start

Step = Callable[[dict[str, Any], Settings, Budget], dict[str, Any]]

STEPS: Mapping[str, Step] = {
    "start": start,
    "inventory": inventory,
    "plan_shard": plan_shard,
    "merge": merge,
    "await_approval": await_approval,
    "apply_part": apply_part,
    "report": report,
}


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    name = event.get("step")
    step = STEPS.get(name) if isinstance(name, str) else None
    if step is None:
        raise UnknownStepError(f"no step named {name!r}: the steps are {', '.join(STEPS)}")
    run = event.get("run")
    if isinstance(run, dict) and isinstance(run.get("runId"), str):
        logger.set_correlation_id(run["runId"])
        logger.append_keys(run_id=run["runId"], policy=run.get("policy"))
    logger.append_keys(step=name)
    settings = Settings.from_environment()
    budget = Budget.for_invocation(context.get_remaining_time_in_millis(), margin=REPORT_MARGIN_SECONDS)
    try:
        return step(event, settings, budget)
    except DisposerError as error:
        log = logger.warning if error.transient else logger.error
        log("step failed", error_code=error.code, error_message=error.message)
        raise
