"""Fault injection and call statistics: TPS quotas, random throttles and 500s, added latency, scripted errors."""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from local.emulator.errors import (
    ACCESS_DENIED,
    CONFLICT,
    INTERNAL,
    NOT_FOUND,
    QUOTA,
    THROTTLING,
    VALIDATION,
    ApiError,
)

MODELLED_ERRORS = frozenset({ACCESS_DENIED, CONFLICT, INTERNAL, NOT_FOUND, QUOTA, THROTTLING, VALIDATION})
ANY_OPERATION = "*"
_READ_PREFIXES = ("List", "Describe", "Get")

# CodeArtifact's documented account-level quotas (per account and region).
AWS_QUOTAS: Mapping[str, float] = {
    "ListPackages": 200,
    "ListPackageVersions": 200,
    "ListPackageVersionAssets": 200,
}
AWS_READ_TPS = 800.0
AWS_WRITE_TPS = 100.0


def is_read(operation: str) -> bool:
    """Whether CodeArtifact counts `operation` against the read (rather than write) quota."""
    return operation.startswith(_READ_PREFIXES)


@dataclass(frozen=True, slots=True)
class FaultSettings:
    """What to inject; all off by default. Rates are calls per second."""

    quotas: Mapping[str, float] = field(default_factory=dict)
    read_tps: float | None = None
    write_tps: float | None = None
    error_rate: float = 0.0
    # The share of calls answered ThrottlingException at random, whatever their rate.
    throttle_rate: float = 0.0
    latency_ms: float = 0.0
    seed_random: int | None = None

    _FIELDS: ClassVar[dict[str, str]] = {
        "quotas": "quotas",
        "readTps": "read_tps",
        "writeTps": "write_tps",
        "errorRate": "error_rate",
        "throttleRate": "throttle_rate",
        "latencyMs": "latency_ms",
        "seedRandom": "seed_random",
    }

    def updated(self, changes: Mapping[str, Any]) -> FaultSettings:
        """These settings with the camelCase `changes` applied (the control plane's JSON shape)."""
        unknown = set(changes) - set(self._FIELDS)
        if unknown:
            raise ValueError(f"unknown fault setting(s) {sorted(unknown)}; known: {sorted(self._FIELDS)}")
        values = {self._FIELDS[key]: value for key, value in changes.items()}
        if values.get("quotas", {}) is None:
            values["quotas"] = {}
        for name in ("error_rate", "throttle_rate", "latency_ms"):
            if values.get(name, 0) is None:
                values[name] = 0.0
        settings = replace(self, **values)
        settings.check()
        return settings

    def check(self) -> None:
        """Raise ValueError if a setting is out of range or of the wrong type."""
        rates = [rate for rate in (*self.quotas.values(), self.read_tps, self.write_tps) if rate is not None]
        if any(
            isinstance(value, bool) or not isinstance(value, int | float)
            for value in [*rates, self.error_rate, self.throttle_rate, self.latency_ms]
        ):
            raise ValueError("fault settings must be numbers")
        seed = self.seed_random
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError("seedRandom must be an integer")
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError("errorRate must be between 0 and 1")
        if not 0.0 <= self.throttle_rate <= 1.0:
            raise ValueError("throttleRate must be between 0 and 1")
        if self.latency_ms < 0:
            raise ValueError("latencyMs must be >= 0")
        if any(rate <= 0 for rate in rates):
            raise ValueError("quotas and TPS limits must be positive")

    def to_dict(self) -> dict[str, Any]:
        return {
            "quotas": dict(self.quotas),
            "readTps": self.read_tps,
            "writeTps": self.write_tps,
            "errorRate": self.error_rate,
            "throttleRate": self.throttle_rate,
            "latencyMs": self.latency_ms,
            "seedRandom": self.seed_random,
        }


class _TokenBucket:
    """`rate` calls per second with a one-second burst."""

    def __init__(self, rate: float, now: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.stamp = now

    def wait(self, now: float) -> float:
        """Seconds until one token is available (0 when one is available now)."""
        self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


@dataclass(slots=True)
class _Injection:
    error: str
    remaining: int
    message: str | None
    members: dict[str, Any]


class FaultInjector:
    """Decides, per call, whether to fail it, and counts what happened."""

    def __init__(
        self,
        settings: FaultSettings | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep
        self._settings = FaultSettings()
        self._random = random.Random()
        self._buckets: dict[str, _TokenBucket] = {}
        self._injections: dict[str, deque[_Injection]] = {}
        self._calls: Counter[str] = Counter()
        self._throttles: Counter[str] = Counter()
        self._injected: Counter[str] = Counter()
        self._errors: dict[str, Counter[str]] = {}
        self._since = time.time()
        self.configure(settings or FaultSettings())

    @property
    def settings(self) -> FaultSettings:
        return self._settings

    def configure(self, settings: FaultSettings | Mapping[str, Any]) -> FaultSettings:
        """Replace the settings (a FaultSettings) or change some of them (a camelCase mapping)."""
        with self._lock:
            if isinstance(settings, FaultSettings):
                settings.check()
                new = settings
            else:
                new = self._settings.updated(settings)
            if isinstance(settings, FaultSettings) or "seedRandom" in settings:
                self._random = random.Random(new.seed_random)
            self._settings = new
            self._buckets.clear()
            return new

    def inject(
        self,
        operation: str,
        error: str,
        count: int = 1,
        message: str | None = None,
        **members: Any,
    ) -> None:
        """Make the next `count` calls of `operation` ("*" for any) fail with the modelled `error`."""
        if error not in MODELLED_ERRORS:
            raise ValueError(f"unknown error {error!r}; modelled errors: {sorted(MODELLED_ERRORS)}")
        if count < 1:
            raise ValueError("count must be >= 1")
        with self._lock:
            self._injections.setdefault(operation, deque()).append(_Injection(error, count, message, members))

    def pending_injections(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            return {
                operation: [{"error": item.error, "count": item.remaining} for item in queue]
                for operation, queue in self._injections.items()
                if queue
            }

    def clear_injections(self) -> None:
        with self._lock:
            self._injections.clear()

    def before_call(self, operation: str) -> None:
        """Count the call, add latency, and raise the error it must fail with, if any."""
        with self._lock:
            self._calls[operation] += 1
            latency = self._settings.latency_ms
            error = self._next_injection(operation) or self._throttle(operation) or self._random_failure(operation)
        if latency:
            self._sleep(latency / 1000)
        if error is not None:
            raise error

    def _next_injection(self, operation: str) -> ApiError | None:
        for key in (operation, ANY_OPERATION):
            queue = self._injections.get(key)
            if queue:
                injection = queue[0]
                injection.remaining -= 1
                if injection.remaining == 0:
                    queue.popleft()
                self._injected[operation] += 1
                return _injected_error(operation, injection)
        return None

    def _bucket(self, name: str, rate: float | None, now: float) -> _TokenBucket | None:
        if rate is None:
            return None
        bucket = self._buckets.get(name)
        if bucket is None:
            bucket = self._buckets[name] = _TokenBucket(rate, now)
        return bucket

    def _throttle(self, operation: str) -> ApiError | None:
        settings = self._settings
        now = self._clock()
        aggregate = ("@read", settings.read_tps) if is_read(operation) else ("@write", settings.write_tps)
        buckets = [
            bucket
            for bucket in (
                self._bucket(operation, settings.quotas.get(operation), now),
                self._bucket(*aggregate, now),
            )
            if bucket is not None
        ]
        wait = max((bucket.wait(now) for bucket in buckets), default=0.0)
        if wait > 0:
            self._throttles[operation] += 1
            return ApiError(THROTTLING, "Rate exceeded", retryAfterSeconds=max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.take()
        return None

    def _random_failure(self, operation: str) -> ApiError | None:
        throttle_rate = self._settings.throttle_rate
        if throttle_rate and self._random.random() < throttle_rate:
            self._throttles[operation] += 1
            return ApiError(THROTTLING, "Rate exceeded", retryAfterSeconds=1)
        rate = self._settings.error_rate
        if rate and self._random.random() < rate:
            self._injected[operation] += 1
            return ApiError(INTERNAL, "We encountered an internal error. Please try again.")
        return None

    def record(self, operation: str, error_code: str) -> None:
        """Count an error answer."""
        with self._lock:
            self._errors.setdefault(operation, Counter())[error_code] += 1

    def stats(self) -> dict[str, Any]:
        """Calls, throttles, injected faults and error responses per operation since the last reset."""
        with self._lock:
            errors = {operation: dict(counter) for operation, counter in self._errors.items()}
            return {
                "since": self._since,
                "calls": dict(self._calls),
                "throttles": dict(self._throttles),
                "injected": dict(self._injected),
                "errors": errors,
                "totals": {
                    "calls": sum(self._calls.values()),
                    "throttles": sum(self._throttles.values()),
                    "injected": sum(self._injected.values()),
                    "errors": sum(sum(counter.values()) for counter in self._errors.values()),
                },
            }

    def reset_stats(self) -> None:
        with self._lock:
            self._calls.clear()
            self._throttles.clear()
            self._injected.clear()
            self._errors.clear()
            self._since = time.time()


def _injected_error(operation: str, injection: _Injection) -> ApiError:
    members = dict(injection.members)
    if injection.error == THROTTLING:
        members.setdefault("retryAfterSeconds", 1)
    if injection.error in (NOT_FOUND, CONFLICT, QUOTA):
        members.setdefault("resourceType", "package-version")
        members.setdefault("resourceId", "injected")
    if injection.error == VALIDATION:
        members.setdefault("reason", "OTHER")
    message = injection.message or f"Injected {injection.error} for {operation}"
    return ApiError(injection.error, message, **members)
