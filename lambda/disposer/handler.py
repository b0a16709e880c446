"""Lambda entry point of the run function: API Gateway requests go to the HTTP API; run events run a policy.

The invocation's time budget starts here, when the event arrives, and its settings are read here,
once; both are passed down. Each entry's modules are imported on its first event, not at cold start: a
scheduled run never loads the HTTP API's resolver and OpenAPI models, and a request never loads the run
events' parser (bench/cold_start.py measures both paths).
"""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from disposer.budget import API_BUDGET_SECONDS, REPORT_MARGIN_SECONDS, Budget
from disposer.errors import SettingsError
from disposer.observability import logger, metrics, tracer
from disposer.settings import Settings

# API Gateway's request id for HTTP calls, the event id for EventBridge runs.
CORRELATION_ID_PATH = f"{correlation_paths.API_GATEWAY_REST} || {correlation_paths.EVENT_BRIDGE}"
# Taken off what Lambda leaves an API request, so the answer is written before the function times out.
API_RESPONSE_MARGIN_SECONDS = 1.0


# clear_state: keys a run appended (run_id, policy) must not leak into the next warm invocation.
@logger.inject_lambda_context(correlation_id_path=CORRELATION_ID_PATH, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    remaining_ms = context.get_remaining_time_in_millis()
    try:
        settings = Settings.from_environment()
    except SettingsError as error:
        if is_run_event(event):
            logger.error("run event refused", error_code=error.code, error_message=error.message)
            raise
        from disposer.api.app import refuse

        return refuse(error)
    if is_run_event(event):
        from disposer.run_events import run_event

        budget = Budget.for_invocation(remaining_ms, margin=REPORT_MARGIN_SECONDS)
        return run_event(event, settings, budget)
    from disposer.api import app

    budget = Budget.for_invocation(remaining_ms, limit=API_BUDGET_SECONDS, margin=API_RESPONSE_MARGIN_SECONDS)
    return app.resolve(event, context, settings, budget)


def is_run_event(event: dict[str, Any]) -> bool:
    """An EventBridge event (a schedule, or a run put on the bus); anything else is taken for an API request."""
    return "detail-type" in event and "detail" in event
