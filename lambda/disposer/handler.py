"""Lambda entry point: API Gateway requests go to the HTTP API; EventBridge events run a policy."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from disposer.api import routes as api
from disposer.observability import logger, metrics, tracer
from disposer.runs.events import is_run_event, run_scheduled

# API Gateway's request id for HTTP calls, the event id for EventBridge runs.
CORRELATION_ID_PATH = f"{correlation_paths.API_GATEWAY_REST} || {correlation_paths.EVENT_BRIDGE}"


# clear_state: keys a run appended (run_id, policy) must not leak into the next warm invocation.
@logger.inject_lambda_context(correlation_id_path=CORRELATION_ID_PATH, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if is_run_event(event):
        return run_scheduled(event)
    return api.resolve(event, context)
