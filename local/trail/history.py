"""CloudTrail's event history, locally: a trail's records answered as LookupEvents answers them.

The records come from the log files local/trail/files.py wrote to (moto's) S3, or are given. Event history
holds the management events of one region: a record of another region, or a data event, is not in it.
Requests are checked against botocore's model of LookupEvents (member types, then its constraints), and
refused with the errors AWS documents for them:
- a member of the wrong type, or a body that is no JSON object: SerializationException;
- MaxResults outside 1..50: InvalidMaxResultsException;
- not exactly one lookup attribute, or one whose key or value the model refuses: InvalidLookupAttributesException;
- StartTime after EndTime: InvalidTimeRangeException;
- a NextToken this history did not issue, or issued for other parameters: InvalidNextTokenException.
Events match when their time is within [StartTime, EndTime], both ends included, and come newest first.
"""

import gzip
import itertools
import json
import secrets
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import botocore.session
from botocore.model import OperationModel

from local.emulator.errors import ApiError
from local.emulator.validation import check_value
from local.trail.records import REGION

OPERATION = "LookupEvents"
MAX_RESULTS = 50
# Lookup attributes and the record's field each one matches.
_ATTRIBUTES = {
    "EventId": ("eventID",),
    "EventName": ("eventName",),
    "EventSource": ("eventSource",),
    "ReadOnly": ("readOnly",),
    "AccessKeyId": ("userIdentity", "accessKeyId"),
    "Username": ("userIdentity", "userName"),
}
_TIME_MEMBERS = ("StartTime", "EndTime")


def lookup_model() -> OperationModel:
    return botocore.session.get_session().get_service_model("cloudtrail").operation_model(OPERATION)


@dataclass(frozen=True)
class LookupRequest:
    """A LookupEvents request, checked: its filter, inclusive time range, page size, and where its page starts
    (`page` 1 for the first page, `offset` the events before it)."""

    attribute: tuple[str, str] | None
    start: datetime | None
    end: datetime | None
    max_results: int
    page: int = 1
    offset: int = 0

    @property
    def signature(self) -> str:
        """What a NextToken is bound to: the parameters, not the page."""
        return json.dumps([self.attribute, _stamp(self.start), _stamp(self.end), self.max_results])


class TrailHistory:
    """The events of `records` that event history of `region` holds, newest first; thread-safe."""

    def __init__(self, records: Iterable[Mapping[str, Any]] = (), *, region: str = REGION) -> None:
        self.region = region
        self._lock = threading.Lock()
        self._events: list[tuple[datetime, int, dict[str, Any]]] = []
        self._order = itertools.count()
        self._tokens: dict[str, tuple[str, int, int]] = {}
        self._operation = lookup_model()
        self.add(records)

    @classmethod
    def from_bucket(cls, s3: Any, bucket: str, *, prefix: str = "", region: str = REGION) -> "TrailHistory":
        """The history of every log file of the trail under `prefix` in `bucket` (digests and other objects left)."""
        history = cls(region=region)
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for listed in page.get("Contents", []):
                key = listed["Key"]
                if "/CloudTrail/" in key and key.endswith(".json.gz"):
                    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
                    history.add(json.loads(gzip.decompress(body))["Records"])
        return history

    def add(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Hold `records` that are management events of this history's region."""
        held = [
            (_event_time(record), next(self._order), dict(record))
            for record in records
            if record.get("awsRegion") == self.region and record.get("managementEvent", True) is not False
        ]
        with self._lock:
            self._events.extend(held)
            # Newest first; of events of the same second, the one recorded last first.
            self._events.sort(key=lambda event: (event[0], event[1]), reverse=True)

    def __len__(self) -> int:
        return len(self._events)

    def parse(self, body: Any) -> LookupRequest:
        """The request in `body` (the JSON document), checked as the service checks it; ApiError if refused."""
        if not isinstance(body, dict):
            raise ApiError("SerializationException", "Start of structure or map found where not expected.", status=400)
        errors: list[str] = []
        shape = self._operation.input_shape
        assert shape is not None
        try:
            check_value(shape, body, "", errors)
        except ApiError as error:
            raise ApiError("SerializationException", error.message, status=400) from None
        times = {name: _time(body.get(name), name) for name in _TIME_MEMBERS}
        _refuse_constraints(errors, body)
        attributes = body.get("LookupAttributes") or []
        if len(attributes) > 1:
            raise _error("InvalidLookupAttributesException", "You can only specify one lookup attribute.")
        start, end = times["StartTime"], times["EndTime"]
        if start is not None and end is not None and start > end:
            raise _error("InvalidTimeRangeException", "Start time must be before or equal to end time.")
        attribute = (attributes[0]["AttributeKey"], attributes[0]["AttributeValue"]) if attributes else None
        request = LookupRequest(attribute, start, end, int(body.get("MaxResults") or MAX_RESULTS))
        return self._resumed(request, body.get("NextToken"))

    def _resumed(self, request: LookupRequest, token: str | None) -> LookupRequest:
        if token is None:
            return request
        with self._lock:
            issued = self._tokens.get(token)
        if issued is None or issued[0] != request.signature:
            raise _error(
                "InvalidNextTokenException", "A token that is not valid, or was used with different parameters."
            )
        return LookupRequest(**{**request.__dict__, "page": issued[1], "offset": issued[2]})

    def answer(self, request: LookupRequest) -> dict[str, Any]:
        """The page `request` asks for: its events, newest first, and the token of the next page if there is one."""
        with self._lock:
            matching = [record for time, _, record in self._events if _matches(request, time, record)]
        page = matching[request.offset : request.offset + request.max_results]
        answer: dict[str, Any] = {"Events": [_event(record) for record in page]}
        following = request.offset + len(page)
        if following < len(matching):
            token = secrets.token_urlsafe(24)
            with self._lock:
                self._tokens[token] = (request.signature, request.page + 1, following)
            answer["NextToken"] = token
        return answer


def _refuse_constraints(errors: list[str], body: Mapping[str, Any]) -> None:
    """The model's constraints broken, as the service names them (MaxResults, then the lookup attributes)."""
    if not errors:
        return
    if any("'MaxResults'" in error for error in errors):
        raise _error("InvalidMaxResultsException", f"MaxResults must be from 1 to {MAX_RESULTS}.")
    if any("'LookupAttributes" in error for error in errors):
        raise _error("InvalidLookupAttributesException", "; ".join(errors))
    raise ApiError("ValidationException", "; ".join(errors), status=400)


def _error(code: str, message: str) -> ApiError:
    return ApiError(code, message, status=400)


def _time(value: Any, name: str) -> datetime | None:
    """A timestamp as the JSON protocol sends it: seconds since the epoch."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ApiError("SerializationException", f"{name} is not a timestamp (seconds since the epoch)", status=400)
    return datetime.fromtimestamp(value, UTC)


def _matches(request: LookupRequest, time: datetime, record: Mapping[str, Any]) -> bool:
    if request.start is not None and time < request.start:
        return False
    if request.end is not None and time > request.end:
        return False
    if request.attribute is None:
        return True
    key, value = request.attribute
    found: Any = record
    for step in _ATTRIBUTES.get(key, ()):
        found = found.get(step) if isinstance(found, Mapping) else None
    if isinstance(found, bool):
        found = "true" if found else "false"
    return key in _ATTRIBUTES and found == value


def _event(record: Mapping[str, Any]) -> dict[str, Any]:
    """An event of event history: the record's summary, and the record itself as JSON text."""
    identity = record.get("userIdentity") or {}
    event: dict[str, Any] = {
        "EventId": record.get("eventID"),
        "EventName": record.get("eventName"),
        "ReadOnly": "true" if record.get("readOnly") else "false",
        "AccessKeyId": identity.get("accessKeyId"),
        "EventTime": _event_time(record).timestamp(),
        "EventSource": record.get("eventSource"),
        "Username": identity.get("userName") or str(identity.get("arn", "")).rsplit("/", 1)[-1] or None,
        "Resources": [],
        "CloudTrailEvent": json.dumps(record),
    }
    return {name: value for name, value in event.items() if value is not None}


def _event_time(record: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(str(record["eventTime"]).replace("Z", "+00:00")).astimezone(UTC)


def _stamp(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()
