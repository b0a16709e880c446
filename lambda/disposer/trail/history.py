"""CloudTrail's event history, read with LookupEvents: the downloads of a stretch of time, a page at a time.

LookupEvents takes one lookup attribute (here an `EventName`: `ReadFromRepository`, then `GetPackageVersionAsset`,
each a download), a time range whose both ends
are inclusive, at most 50 events a page, and answers newest first. It is paced by the caller (services.py
hooks one shared pacer to every attempt: the account's quota is 2 a second) and retried by botocore's
standard mode (throttles and faults, with backoff). No attempt is sent unless it can end inside the
invocation's budget (DeadlineExceededError instead). Errors become ours: what may heal
(EventHistoryUnavailableError: throttled after every retry, a fault, a page token no longer taken, no answer)
apart from what will not (EventHistoryRefusedError: access denied, a request called invalid).
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ReadTimeoutError
from botocore.exceptions import ConnectionError as NoConnectionError

from disposer import aws
from disposer.budget import Budget
from disposer.errors import (
    DeadlineExceededError,
    EventHistoryRefusedError,
    EventHistoryUnavailableError,
    EventHistoryUnreachableError,
)
from disposer.model.usage import HistoryPage
from disposer.usage.history import PAGE_EVENTS

OPERATION = "LookupEvents"
# LookupEvents answers a page in well under a second; a stuck connection must not hold a backfill's hour.
CONNECT_SECONDS = 3.0
READ_SECONDS = 10.0
# Answers that another try may not get: throttled after every retry (other users of the account's quota), a
# token the service no longer takes, a fault. Any other 4xx refuses every hour alike.
_MAY_HEAL = frozenset({"ThrottlingException", "Throttling", "InvalidNextTokenException", "RequestTimeout"})
_HANDLER_ID = "disposer-history"


def create_history_client(
    *, endpoint_url: str | None = None, max_attempts: int = 5, before_send: Callable[..., None] | None = None
) -> Any:
    """A botocore CloudTrail client; `endpoint_url` (AWS_ENDPOINT_URL_CLOUDTRAIL) points it at a local stand-in,
    `before_send` (a pacer's) runs before every attempt, retries included."""
    config = Config(
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        connect_timeout=CONNECT_SECONDS,
        read_timeout=READ_SECONDS,
        user_agent_extra="cadisposer",
    )
    client = aws.client("cloudtrail", endpoint_url=endpoint_url, config=config)
    if before_send is not None:
        # Last of the handlers before the send: nothing between the pacer's turn and the wire adds delay, which
        # would bring the next attempt closer to this one at the service.
        client.meta.events.register_last(f"before-send.cloudtrail.{OPERATION}", before_send)
    return client


class EventHistoryClient:
    """The download events of event history for one invocation (ports.EventHistory); it decides nothing."""

    def __init__(self, client: Any, *, budget: Budget | None = None) -> None:
        self._client = client
        self.budget = budget or Budget.unlimited()
        self.attempt_seconds = CONNECT_SECONDS + READ_SECONDS
        # Clients are shared across invocations: this invocation's check replaces the previous one, and comes
        # after the pacer's wait (registered last when the client was made), so a send that waited past the end
        # stops.
        event = f"before-send.cloudtrail.{OPERATION}"
        client.meta.events.unregister(event, unique_id=_HANDLER_ID)
        client.meta.events.register_last(event, self._check_budget, unique_id=_HANDLER_ID)

    def can_start(self) -> bool:
        """Whether an attempt sent now would end inside the budget."""
        remaining = self.budget.remaining()
        return remaining is None or remaining >= self.attempt_seconds

    def _check_budget(self, **_: Any) -> None:
        if not self.can_start():
            raise DeadlineExceededError(
                f"{self.budget.describe()}: {OPERATION} was not sent (an attempt may take {self.attempt_seconds:g} s)"
            )

    def downloads_page(self, event_name: str, start: datetime, end: datetime, token: str | None) -> HistoryPage:
        request: dict[str, Any] = {
            "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": event_name}],
            "StartTime": start,
            "EndTime": end,
            "MaxResults": PAGE_EVENTS,
        }
        if token is not None:
            request["NextToken"] = token
        try:
            answer = self._client.lookup_events(**request)
        except ClientError as error:
            raise _translated(error) from error
        except (NoConnectionError, ReadTimeoutError) as error:
            raise EventHistoryUnreachableError(f"CloudTrail's event history did not answer: {error}") from error
        except BotoCoreError as error:
            raise EventHistoryUnavailableError(f"CloudTrail's event history failed: {error}") from error
        events = tuple(str(event.get("CloudTrailEvent") or "") for event in answer.get("Events", []))
        return HistoryPage(events=events, next_token=answer.get("NextToken") or None)


def _translated(error: ClientError) -> EventHistoryUnavailableError | EventHistoryRefusedError:
    details = error.response.get("Error", {})
    code = str(details.get("Code", ""))
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    message = f"LookupEvents answered {code or status}: {details.get('Message', '')}"
    if code in _MAY_HEAL or status >= 500:
        return EventHistoryUnavailableError(message)
    return EventHistoryRefusedError(message)
