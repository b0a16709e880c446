"""restJson1 wire protocol from botocore's own CodeArtifact model: routing, request parsing, errors."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

import botocore.loaders
from botocore.model import ListShape, OperationModel, ServiceModel, Shape, StructureShape

from local.emulator.errors import INTERNAL, ApiError, validation_error
from local.emulator.validation import java_pattern, validate

Query = Mapping[str, list[str]]


class ServiceSpec:
    """The CodeArtifact service model and the (method, path) routes derived from it."""

    def __init__(self, model: ServiceModel) -> None:
        self.model = model
        self.routes: dict[tuple[str, str], OperationModel] = {}
        for name in model.operation_names:
            operation = model.operation_model(name)
            path = operation.http["requestUri"].split("?", 1)[0]
            self.routes[(operation.http["method"], path)] = operation
        self.errors: dict[str, StructureShape] = {
            shape.name: shape for shape in model.error_shapes if isinstance(shape, StructureShape)
        }
        self._precompile_patterns()

    def _precompile_patterns(self) -> None:
        # Translating \p{C} walks all of Unicode once; do it at start-up, not on the first request.
        for name in self.model.shape_names:
            pattern = self.model.shape_for(name).metadata.get("pattern")
            if pattern:
                java_pattern(pattern)

    def route(self, method: str, path: str) -> OperationModel | None:
        """The operation served at `method path`, if any."""
        return self.routes.get((method, path))

    def shape(self, name: str) -> Shape:
        """A named shape of the model (for checking seed data with the API's own constraints)."""
        return self.model.shape_for(name)

    def parse_request(
        self, operation: OperationModel, query: Query, headers: Mapping[str, str], body: bytes
    ) -> dict[str, Any]:
        """Turn a request into the operation's input members, then validate them against the model."""
        shape = operation.input_shape
        if shape is None:
            return {}
        params: dict[str, Any] = {}
        payload = shape.serialization.get("payload")
        body_members: dict[str, str] = {}
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire_name = member.serialization.get("name", name)
            if location == "querystring":
                values = query.get(wire_name)
                if values is not None:
                    params[name] = _from_query(member, values, name)
            elif location == "header":
                header = headers.get(wire_name)
                if header is not None:
                    params[name] = _from_text(member, header, name)
            elif name == payload:
                params[name] = body if member.type_name in ("blob", "string") else _json_object(body)
            elif location is None:
                body_members[wire_name] = name
        if body_members and payload is None:
            document = _json_object(body)
            for wire_name, name in body_members.items():
                if wire_name in document:
                    params[name] = document[wire_name]
        validate(shape, params)
        return params

    def error_response(self, error: ApiError) -> tuple[int, list[tuple[str, str]], bytes]:
        """Status, headers and body for an error, placing members where the model says they go."""
        shape = self.errors.get(error.code)
        status = error.status or (shape.metadata["error"]["httpStatusCode"] if shape else 400)
        headers = [("x-amzn-ErrorType", error.code)]
        document: dict[str, Any] = {"message": error.message}
        members = shape.members if shape else {}
        for name, value in error.members.items():
            member = members.get(name)
            if member is not None and member.serialization.get("location") == "header":
                headers.append((member.serialization["name"], str(value)))
            else:
                document[name] = value
        return status, headers, json.dumps(document).encode()


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise validation_error(f"Cannot parse the request body as JSON: {exc}", reason="CANNOT_PARSE") from exc
    if not isinstance(document, dict):
        raise validation_error("The request body must be a JSON object", reason="CANNOT_PARSE")
    return document


def _from_query(shape: Shape, values: list[str], name: str) -> Any:
    if isinstance(shape, ListShape):
        return [_from_text(shape.member, value, name) for value in values]
    return _from_text(shape, values[0], name)


def _from_text(shape: Shape, text: str, name: str) -> Any:
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return int(text)
        if kind in ("float", "double"):
            return float(text)
        if kind == "boolean":
            if text not in ("true", "false"):
                raise ValueError(text)
            return text == "true"
    except ValueError as exc:
        raise validation_error(f"Cannot parse '{text}' as {kind} for '{name}'", reason="CANNOT_PARSE") from exc
    return text


@functools.cache
def load_service_spec() -> ServiceSpec:
    """The CodeArtifact spec from the installed botocore (loaded once per process)."""
    loader = botocore.loaders.Loader()
    return ServiceSpec(ServiceModel(loader.load_service_model("codeartifact", "service-2"), "codeartifact"))


def internal_error() -> ApiError:
    """The 500 answered when the emulator itself fails."""
    return ApiError(INTERNAL, "An internal error occurred in the local CodeArtifact emulator.")
