"""The request pipeline, free of HTTP plumbing: route, inject faults, validate, execute, serialise."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from urllib.parse import parse_qs

from local.emulator.control import ControlPlane
from local.emulator.errors import ApiError
from local.emulator.faults import FaultInjector
from local.emulator.protocol import ServiceSpec, internal_error, load_service_spec
from local.emulator.responses import JSON_TYPE, Response, json_response, request_id
from local.emulator.store import Store

CONTROL_PREFIX = "/_emulator/"
logger = logging.getLogger("local.emulator")


class EmulatorApp:
    """Answers one request at a time (thread-safe: the store and the fault injector lock themselves)."""

    def __init__(self, store: Store, faults: FaultInjector, spec: ServiceSpec | None = None) -> None:
        self.store = store
        self.faults = faults
        self.spec = spec or load_service_spec()
        self.control = ControlPlane(store, faults, self.spec)

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        """Answer `method target`; `headers` have lower-case names."""
        path, _, query_string = target.partition("?")
        if path.startswith(CONTROL_PREFIX):
            try:
                return self.control.handle(method, path, body)
            except Exception:
                logger.exception("unexpected failure in the control plane")
                return json_response(500, {"message": "control plane failure; see the emulator's log"})
        operation = self.spec.route(method, path)
        if operation is None:
            return self.error(
                ApiError(
                    "UnknownOperationException",
                    f"No CodeArtifact operation is served at {method} {path}",
                    status=404,
                )
            )
        name = operation.name
        try:
            self.faults.before_call(name)
            query = parse_qs(query_string, keep_blank_values=True)
            params = self.spec.parse_request(operation, query, _LowerCaseHeaders(headers), body)
            return json_response(200, self.store.call(name, params))
        except ApiError as error:
            self.faults.record(name, error.code)
            return self.error(error)
        except Exception:
            logger.exception("unexpected failure in %s", name)
            failure = internal_error()
            self.faults.record(name, failure.code)
            return self.error(failure)

    def error(self, error: ApiError) -> Response:
        """The wire form of a modelled error."""
        status, headers, body = self.spec.error_response(error)
        return Response(status, body, [JSON_TYPE, request_id(), *headers])


class _LowerCaseHeaders(Mapping[str, str]):
    """Header lookup by any case, over a mapping whose keys are already lower case."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = headers

    def __getitem__(self, key: str) -> str:
        return self._headers[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._headers)

    def __len__(self) -> int:
        return len(self._headers)
