"""Checks on the raw API Gateway request that must happen before Powertools parses it.

Powertools' validation is lenient where a disposal service must not be: it unwraps a JSON array body to
its first element (a form-data convenience), lets the last of two duplicate keys win, ignores query
strings, and answers unknown content types outside our error contract. Each of those could turn an
ambiguous request into a disposal, so such requests are refused here, naming what is wrong.
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


def check_request(event: dict[str, Any]) -> RequestProblem | None:
    """The first reason to refuse this request before routing, or None."""
    if event.get("httpMethod") != "POST":
        return None
    query = event.get("multiValueQueryStringParameters") or event.get("queryStringParameters") or {}
    if query:
        names = ", ".join(sorted(query))
        return RequestProblem(
            HTTPStatus.BAD_REQUEST,
            "UnexpectedParameter",
            f"query parameters are not accepted ({names}): send every field in the JSON body",
            tuple(sorted(query)),
        )
    headers = {str(name).lower(): value for name, value in (event.get("headers") or {}).items()}
    content_type = str(headers.get("content-type") or JSON_CONTENT_TYPE).split(";")[0].strip().lower()
    if content_type != JSON_CONTENT_TYPE:
        return RequestProblem(
            HTTPStatus.BAD_REQUEST,
            "UnsupportedContentType",
            f"Content-Type must be {JSON_CONTENT_TYPE}, not {content_type}",
        )
    return _check_body(event.get("body"), event.get("isBase64Encoded") is True)


def normalize_content_type(event: dict[str, Any]) -> dict[str, Any]:
    """The event with its JSON Content-Type spelled in lower case (media types are case-insensitive, but
    Powertools compares them case-sensitively and would answer 415 outside the error contract)."""
    headers = event.get("headers") or {}
    names = [name for name in headers if str(name).lower() == "content-type"]
    if not names:
        return event
    return {**event, "headers": {**headers, names[0]: str(headers[names[0]]).lower()}}


def _check_body(raw: object, base64_encoded: bool) -> RequestProblem | None:
    if raw is None or raw == "":
        return None  # Powertools reports the missing body, naming it
    if not isinstance(raw, str):
        return RequestProblem(HTTPStatus.BAD_REQUEST, "InvalidBody", "body must be text")
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
        return RequestProblem(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "ValidationError",
            f"body: must be a JSON object, not {type(document).__name__}",
            ("body",),
        )
    return None
