"""Real-shaped Lambda events for local runs: an API Gateway REST proxy request, an EventBridge event; and the
process's clock moved to a scheduled run's time, to replay runs of the past or the future locally."""

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import disposer.clock
from disposer.constants import RUN_EVENT_DETAIL_TYPE, RUN_EVENT_SOURCE

LOCAL_ACCOUNT = "111122223333"
DEFAULT_TIMEOUT_MS = 900_000
LOCAL_REGION = "us-east-1"


def api_gateway_event(
    method: str,
    path: str,
    body: Any = None,
    *,
    caller_arn: str = f"arn:aws:sts::{LOCAL_ACCOUNT}:assumed-role/PlatformOps/demo",
) -> dict[str, Any]:
    """A REST API (v1) proxy-integration event for an IAM-authorized request, as API Gateway sends it."""
    raw_body = body if isinstance(body, str) or body is None else json.dumps(body)
    request_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    headers = {"Content-Type": "application/json", "Host": "local.execute-api.us-east-1.amazonaws.com"}
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/prod{path}",
            "accountId": LOCAL_ACCOUNT,
            "protocol": "HTTP/1.1",
            "stage": "prod",
            "requestId": request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "identity": {
                "accountId": LOCAL_ACCOUNT,
                "caller": caller_arn.rsplit("/", 1)[-1],
                "sourceIp": "127.0.0.1",
                "userArn": caller_arn,
                "userAgent": "local-demo",
                "user": caller_arn.rsplit("/", 1)[-1],
            },
            "domainName": "local.execute-api.us-east-1.amazonaws.com",
            "apiId": "local",
        },
        "body": raw_body,
        "isBase64Encoded": False,
    }


def run_event(policy: dict[str, Any], *, time: datetime | None = None) -> dict[str, Any]:
    """The EventBridge event a schedule rule (or PutEvents) delivers to run one retention policy."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": RUN_EVENT_DETAIL_TYPE,
        "source": RUN_EVENT_SOURCE,
        "account": LOCAL_ACCOUNT,
        "time": (time or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": LOCAL_REGION,
        "resources": [],
        "detail": policy,
    }


@dataclass
class LambdaContext:
    """The parts of Lambda's context object the handler and Powertools read."""

    function_name: str = "codeartifact-disposer"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT}:function:codeartifact-disposer"
    aws_request_id: str = "52fdfc07-2182-454f-963f-5f0f9a621d72"
    remaining_time_in_millis: int = DEFAULT_TIMEOUT_MS

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_time_in_millis


# How long after its scheduled time a replayed run is taken to start (EventBridge delivers within seconds).
DELIVERY_DELAY = timedelta(minutes=1)


@contextmanager
def process_clock(at: datetime) -> Iterator[None]:
    """The function's own clock (disposer.clock) reads `at` plus the delivery delay, as if the process ran
    then: a run event of that time is fresh, and safety times (a quarantine's start and grace, a hold's
    expiry) are measured from it. Local replays only; the deployed function reads the real time."""
    real = disposer.clock.now
    disposer.clock.now = lambda: at + DELIVERY_DELAY
    try:
        yield
    finally:
        disposer.clock.now = real
