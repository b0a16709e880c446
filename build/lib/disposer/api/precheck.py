"""Checks on the raw API Gateway request that must happen before Powertools parses it.

Powertools' validation is lenient where a disposal service must not be: it unwraps a JSON array body to
its first element (a form-data convenience), lets the last of two duplicate keys win, ignores query
strings, and answers unknown content types outside our error contract. Each of those could turn an
ambiguous request into a disposal, so such requests are refused here, naming what is wrong. So is an
event that is not shaped as API Gateway sends one (a direct invocation): Powertools would raise on it.
Routing ignores the method's case, and so do these checks.
"""

import base64
import binascii
import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

# A request naming 1000 versions of 255 characters each, with revisions, stays far below this.
MAX_BODY_BYTES = 1_048_576
JSON_CONTENT_TYPE = "application/json"


@dataclass(frozen=True, slots=True)
class RequestProblem:
    status: HTTPStatus
    code: str
    message: str
    fields: tuple[str, ...] = field(default=())


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise _DuplicateKeyError(key)
        document[key] = value
    return document


_OPTIONAL_MAPS = ("headers", "queryStringParameters", "pathParameters", "stageVariables", "requestContext")
_OPTIONAL_MULTI_MAPS = ("multiValueHeaders", "multiValueQueryStringParameters")
# Methods whose routes read the query string (GET /holds filters by it); every other route takes a body.
_QUERY_METHODS = frozenset({"GET", "HEAD"})


def _event_problem(event: dict[str, Any]) -> str | None:
    """What makes `event` unlike an API Gateway REST proxy event, or None."""
    for key in ("httpMethod", "path"):
        if not isinstance(event.get(key), str) or not event[key]:
            return f"{key} must be a non-empty string"
    for key in _OPTIONAL_MAPS:
        value = event.get(key)
        if value is not None and not isinstance(value, dict):
            return f"{key} must be an object or null"
    for key in ("headers", "queryStringParameters", "pathParameters"):
        if any(not isinstance(v, str) for v in (event.get(key) or {}).values()):
            return f"{key} must map names to strings"
    for key in _OPTIONAL_MULTI_MAPS:
        value = event.get(key)
        if value is not None and (
            not isinstance(value, dict)
            or any(not isinstance(v, list) or any(not isinstance(s, str) for s in v) for v in value.values())
        ):
            return f"{key} must map names to lists of strings"
    identity = (event.get("requestContext") or {}).get("identity")
    if identity is not None and not isinstance(identity, dict):
        return "requestContext.identity must be an object or null"
    if event.get("body") is not None and not isinstance(event["body"], str):
        return "body must be a string or null"
    if event.get("isBase64Encoded") is not None and not isinstance(event["isBase64Encoded"], bool):
        return "isBase64Encoded must be true or false"
    return None


def check_request(event: dict[str, Any]) -> RequestProblem | None:
    """The first reason to refuse this request before routing, or None."""
    shape = _event_problem(event)
    if shape is not None:
        return RequestProblem(HTTPStatus.BAD_REQUEST, "InvalidEvent", f"not an API Gateway request: {shape}")
    method = str(event["httpMethod"]).upper()
    query = event.get("multiValueQueryStringParameters") or event.get("queryStringParameters") or {}
    if query and method not in _QUERY_METHODS:
        names = ", ".join(sorted(query))
        return RequestProblem(
            HTTPStatus.BAD_REQUEST,
            "UnexpectedParameter",
            f"query parameters are not accepted ({names}): send every field in the JSON body",
            tuple(sorted(query)),
        )
    body = event.get("body")
    headers = {str(name).lower(): value for name, value in (event.get("headers") or {}).items()}
    content_type = str(headers.get("content-type") or JSON_CONTENT_TYPE).split(";")[0].strip().lower()
    # A request that may carry a body says it is JSON, or says nothing (Powertools answers other types
    # 415, outside the error contract, even with no body at all).
    if content_type != JSON_CONTENT_TYPE and (body or method not in _QUERY_METHODS):
        return RequestProblem(
            HTTPStatus.BAD_REQUEST,
            "UnsupportedContentType",
            f"Content-Type must be {JSON_CONTENT_TYPE}, not {content_type}",
        )
    if body is None or body == "":
        return None  # Powertools reports a missing body where a route needs one, naming it
    return _check_body(body, event.get("isBase64Encoded") is True)


def normalize(event: dict[str, Any]) -> dict[str, Any]:
    """The event with its method in upper case and its JSON Content-Type in lower case, as checked here
    (media types are case-insensitive, but Powertools compares them case-sensitively and would answer
    415 outside the error contract)."""
    event = {**event, "httpMethod": str(event["httpMethod"]).upper()}
    headers = event.get("headers") or {}
    names = [name for name in headers if str(name).lower() == "content-type"]
    if not names:
        return event
    return {**event, "headers": {**headers, names[0]: str(headers[names[0]]).lower()}}


def _check_body(raw: str, base64_encoded: bool) -> RequestProblem | None:
    if len(raw) > MAX_BODY_BYTES:
        return RequestProblem(
            HTTPStatus.BAD_REQUEST, "RequestTooLarge", f"body is {len(raw)} bytes; the limit is {MAX_BODY_BYTES}"
        )
    try:
        text = base64.b64decode(raw, validate=True).decode() if base64_encoded else raw
        document = json.loads(text, object_pairs_hook=_no_duplicate_keys)
        # "\ud800" is valid JSON but no UTF-8 text: it would fail later, inside boto3, as a 500.
        json.dumps(document, ensure_ascii=False).encode()
    except _DuplicateKeyError as duplicate:
        return RequestProblem(
            HTTPStatus.BAD_REQUEST,
            "DuplicateField",
            f"field '{duplicate.key}' appears more than once in the body",
            (duplicate.key,),
        )
    except (binascii.Error, UnicodeError) as problem:
        return RequestProblem(HTTPStatus.BAD_REQUEST, "InvalidBody", f"body is not UTF-8 text: {problem}")
    except (ValueError, RecursionError) as problem:  # JSONDecodeError is a ValueError; deep nesting recurses
        return RequestProblem(HTTPStatus.BAD_REQUEST, "InvalidJson", f"body is not valid JSON: {problem}")
    if not isinstance(document, dict):
        kind = (
            "null"
            if document is None
            else {list: "an array", str: "a string", bool: "a boolean"}.get(type(document), "a number")
        )
        return RequestProblem(
            HTTPStatus.BAD_REQUEST, "InvalidBody", f"body must be one JSON object, not {kind}", ("body",)
        )
    return None
