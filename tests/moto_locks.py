"""DynamoDB applies each write to an item atomically (a condition is checked and the update made as one step);
moto's in-process backend does not, across threads. Tests that race writes on purpose hold one lock around
each of moto's writes, so that what they test is the code's use of DynamoDB, not moto's threading."""

import functools
import threading
from typing import Any

import pytest
from moto.dynamodb.models import DynamoDBBackend

_LOCK = threading.RLock()


def serialize_dynamodb_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("put_item", "update_item", "delete_item"):
        original = getattr(DynamoDBBackend, name)

        def locked(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with _LOCK:
                return _original(*args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, functools.wraps(original)(locked))
