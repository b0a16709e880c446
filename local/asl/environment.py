"""What the interpreter takes from outside: the functions, S3 and EventBridge clients, the clock, the task tokens,
and the account and Region its ARNs name."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import boto3

from local.asl.clock import Clock, SystemClock
from local.asl.lambdas import Functions, Handler
from local.asl.tokens import TaskTokens

PutEvents = Callable[[list[dict[str, Any]]], Mapping[str, Any]]


class S3Client(Protocol):
    """The two calls of a boto3 S3 client that the ItemReader, the ResultWriter and the S3 tasks make."""

    def get_object(self, *, Bucket: str, Key: str) -> Mapping[str, Any]: ...

    def put_object(self, *, Bucket: str, Key: str, Body: bytes, ContentType: str) -> Mapping[str, Any]: ...


@dataclass
class Environment:
    """Everything an execution reaches outside the definition.

    `functions` maps function names or ARNs to callables (a Functions, or a plain mapping). `s3` is a boto3 S3
    client (default: one from boto3's default session, which moto's mock patches). `put_events` receives the
    entries of a PutEvents call and returns its response (default: a boto3 `events` client's put_events).
    """

    functions: Functions | Mapping[str, Handler] = field(default_factory=Functions)
    clock: Clock = field(default_factory=SystemClock)
    s3: S3Client | None = None
    put_events: PutEvents | None = None
    region: str = "us-east-1"
    account: str = "123456789012"
    tokens: TaskTokens | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.functions, Functions):
            self.functions = Functions(self.functions)
        if self.tokens is None:
            self.tokens = TaskTokens(self.clock)

    @property
    def registry(self) -> Functions:
        """The functions, as a Functions."""
        assert isinstance(self.functions, Functions)
        return self.functions

    @property
    def task_tokens(self) -> TaskTokens:
        """The tokens of waiting tasks."""
        assert self.tokens is not None
        return self.tokens

    def s3_client(self) -> S3Client:
        """The S3 client, made on first use."""
        with self._lock:
            if self.s3 is None:
                self.s3 = cast(S3Client, boto3.client("s3", region_name=self.region))
            return self.s3

    def send_events(self, entries: list[dict[str, Any]]) -> Mapping[str, Any]:
        """PutEvents through the injected callable, or boto3's `events` client."""
        with self._lock:
            if self.put_events is None:
                client: Any = boto3.client("events", region_name=self.region)
                self.put_events = lambda batch: cast(Mapping[str, Any], client.put_events(Entries=batch))
            send = self.put_events
        return send(entries)
