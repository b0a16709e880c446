"""A local CloudTrail endpoint for LookupEvents (AWS_ENDPOINT_URL_CLOUDTRAIL), over HTTP on a loopback port.

It speaks CloudTrail's wire protocol, JSON 1.1: `POST /` with `X-Amz-Target:
com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents`, the request as a JSON object, errors as
`{"__type": ..., "message": ...}` with their HTTP status. The answers come from a TrailHistory
(local/trail/history.py). Faults a test may ask for:
- `throttle_above(rate)`: a request that would make more than `rate` served in the last second is refused with
  ThrottlingException, as the account's quota (2 a second) refuses it;
- `throttle_next(count)`: the next `count` requests are refused so, as when others use the quota;
- `fail_page(start, page)`: the `page`th page of the requests whose StartTime is `start` fails (a 500
  InternalFailure, every time unless `times` says how often), to cut an hour short.
Every request is logged (`requests`: when it arrived, on time.monotonic, and how it was answered), so a test
can measure the rate a client sent at.
"""

import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from local.emulator.errors import ApiError
from local.emulator.responses import Response
from local.emulator.server import EmulatorHTTPServer, ServingThread
from local.trail.history import LookupRequest, TrailHistory

TARGET_PREFIX = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."
NAMESPACE = "com.amazonaws.cloudtrail.v20131101"
JSON_11 = "application/x-amz-json-1.1"


@dataclass(frozen=True, slots=True)
class Received:
    """One request: when it arrived (time.monotonic), the hour and page it asked for, and the answer's code; the
    event name it looked up."""

    at: float
    start: datetime | None
    page: int
    outcome: str
    event: str | None = None


def max_in_window(times: Iterable[float], window: float = 1.0) -> int:
    """The most of `times` within any `window` seconds ([t, t + window))."""
    ordered = sorted(times)
    most, first = 0, 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] >= window:
            first += 1
        most = max(most, last - first + 1)
    return most


class HistoryApp:
    """Answers LookupEvents from `history`, with the faults asked for; thread-safe."""

    def __init__(self, history: TrailHistory) -> None:
        self.history = history
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        self._served: deque[float] = deque()
        self._rate: float | None = None
        self._throttles = 0
        self._failing: dict[tuple[float, int], int | None] = {}

    def throttle_above(self, rate: float | None) -> None:
        self._rate = rate

    def throttle_next(self, count: int) -> None:
        with self._lock:
            self._throttles = count

    def fail_page(self, start: datetime, page: int, *, times: int | None = None) -> None:
        with self._lock:
            self._failing[(start.timestamp(), page)] = times

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        """Answer one request (`headers` with lower-case names)."""
        arrived = time.monotonic()
        operation = headers.get("x-amz-target", "").removeprefix(TARGET_PREFIX)
        request: LookupRequest | None = None
        try:
            if method != "POST" or operation != "LookupEvents":
                raise ApiError("UnknownOperationException", f"No operation {operation or '(none)'} here", status=400)
            request = self.history.parse(_document(body))
            self._fault(arrived, request)
            answer = Response(200, json.dumps(self.history.answer(request)).encode(), _headers())
        except ApiError as error:
            answer = _error(error)
        with self._lock:
            outcome = "OK" if answer.status == 200 else json.loads(answer.body)["__type"].rsplit("#", 1)[-1]
            start, page = (request.start, request.page) if request else (None, 0)
            event = request.attribute[1] if request and request.attribute else None
            self.requests.append(Received(arrived, start, page, outcome, event))
        return answer

    def _fault(self, arrived: float, request: LookupRequest) -> None:
        with self._lock:
            if self._throttles > 0:
                self._throttles -= 1
                raise ApiError("ThrottlingException", "Rate exceeded", status=400)
            while self._served and arrived - self._served[0] >= 1.0:
                self._served.popleft()
            if self._rate is not None and len(self._served) + 1 > self._rate:
                raise ApiError("ThrottlingException", "Rate exceeded", status=400)
            key = ((request.start.timestamp() if request.start else 0.0), request.page)
            if key in self._failing:
                left = self._failing[key]
                if left is None or left > 0:
                    self._failing[key] = None if left is None else left - 1
                    raise ApiError("InternalFailure", "An internal error occurred (a fault asked for)", status=500)
            self._served.append(arrived)

    def arrivals(self) -> list[float]:
        with self._lock:
            return [received.at for received in self.requests]


def _document(body: bytes) -> Any:
    try:
        return json.loads(body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ApiError("SerializationException", "The request body is not JSON", status=400) from None


def _headers() -> list[tuple[str, str]]:
    return [("Content-Type", JSON_11), ("x-amzn-RequestId", str(uuid.uuid4()))]


def _error(error: ApiError) -> Response:
    document = {"__type": f"{NAMESPACE}#{error.code}", "message": error.message}
    return Response(error.status or 400, json.dumps(document).encode(), _headers())


class RunningHistory(ServingThread):
    """A started endpoint: `url` for AWS_ENDPOINT_URL_CLOUDTRAIL, `app` for faults and the request log."""

    def __init__(self, history: TrailHistory, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = HistoryApp(history)
        self.history = history
        super().__init__(EmulatorHTTPServer((host, port), self.app), "cloudtrail-history")  # type: ignore[arg-type]
