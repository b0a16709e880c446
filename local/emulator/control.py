"""The emulator's control plane under /_emulator/ (a path botocore never calls): stats, faults, seeding."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from local.emulator.faults import ANY_OPERATION, FaultInjector
from local.emulator.protocol import ServiceSpec
from local.emulator.responses import Response, json_response
from local.emulator.seed import SeedError, load_seed
from local.emulator.store import Store

_INJECT_MEMBERS = {"retryAfterSeconds", "resourceType", "resourceId", "reason"}


class ControlError(Exception):
    """A bad control-plane request (answered with 400)."""


class ControlPlane:
    """Answers /_emulator/* requests."""

    def __init__(self, store: Store, faults: FaultInjector, spec: ServiceSpec) -> None:
        self._store = store
        self._faults = faults
        self._operations = frozenset(spec.model.operation_names)

    def handle(self, method: str, path: str, body: bytes) -> Response:
        endpoint = path.removeprefix("/_emulator/").rstrip("/")
        routes: dict[tuple[str, str], Callable[[], Any]] = {
            ("GET", "health"): lambda: {"status": "ok"},
            ("GET", "stats"): self._faults.stats,
            ("POST", "reset-stats"): self._reset_stats,
            ("GET", "faults"): self._settings,
            ("POST", "faults"): lambda: self._configure(_document(body)),
            ("GET", "inject"): self._faults.pending_injections,
            ("POST", "inject"): lambda: self._inject(_document(body)),
            ("DELETE", "inject"): self._clear_injections,
            ("POST", "seed"): lambda: self._seed(_document(body)),
        }
        action = routes.get((method, endpoint))
        if action is None:
            known = sorted(f"{verb} /_emulator/{name}" for verb, name in routes)
            return json_response(404, {"message": f"unknown control endpoint {method} {path}", "endpoints": known})
        try:
            return json_response(200, action())
        except (ControlError, SeedError, ValueError) as exc:
            return json_response(400, {"message": str(exc)})

    def _reset_stats(self) -> dict[str, Any]:
        self._faults.reset_stats()
        return self._faults.stats()

    def _settings(self) -> dict[str, Any]:
        return self._faults.settings.to_dict()

    def _configure(self, document: Mapping[str, Any]) -> dict[str, Any]:
        quotas = document.get("quotas") or {}
        if not isinstance(quotas, Mapping):
            raise ControlError("quotas must be an object of operation -> TPS")
        self._check_operations(quotas)
        return self._faults.configure(document).to_dict()

    def _inject(self, document: Mapping[str, Any]) -> dict[str, Any]:
        operation = document.get("operation", ANY_OPERATION)
        error = document.get("error")
        count = document.get("count", 1)
        message = document.get("message")
        unknown = set(document) - {"operation", "error", "count", "message"} - _INJECT_MEMBERS
        if unknown:
            raise ControlError(f"unknown field(s) {sorted(unknown)}")
        if not isinstance(operation, str) or not isinstance(error, str):
            raise ControlError("operation and error must be strings")
        if isinstance(count, bool) or not isinstance(count, int):
            raise ControlError("count must be an integer")
        if message is not None and not isinstance(message, str):
            raise ControlError("message must be a string")
        if operation != ANY_OPERATION:
            self._check_operations([operation])
        members = {name: document[name] for name in _INJECT_MEMBERS if name in document}
        self._faults.inject(operation, error, count, message, **members)
        return {"pending": self._faults.pending_injections()}

    def _clear_injections(self) -> dict[str, Any]:
        self._faults.clear_injections()
        return {"pending": {}}

    def _seed(self, document: Mapping[str, Any]) -> dict[str, Any]:
        summary = load_seed(self._store, document)
        return {
            "domains": summary.domains,
            "repositories": summary.repositories,
            "packages": summary.packages,
            "versions": summary.versions,
        }

    def _check_operations(self, names: Any) -> None:
        unknown = sorted(set(names) - self._operations)
        if unknown:
            raise ControlError(f"unknown operation(s) {unknown}")


def _document(body: bytes) -> Mapping[str, Any]:
    try:
        document = json.loads(body or b"{}")
    except ValueError as exc:
        raise ControlError(f"the body is not JSON: {exc}") from exc
    if not isinstance(document, Mapping):
        raise ControlError("the body must be a JSON object")
    return document
