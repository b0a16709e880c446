"""botocore's model of the Step Functions API, to hold the local service to it: requests validated as boto3
validates them, responses checked for members the model does not have."""

from __future__ import annotations

import functools
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape
from botocore.validate import ParamValidator

from local.asl.errors import ServiceError


@functools.cache
def service_model() -> ServiceModel:
    """The model botocore ships for `stepfunctions`."""
    return botocore.session.get_session().get_service_model("stepfunctions")


def operation(name: str) -> OperationModel:
    """An operation's model (UnknownOperationException if the API has no such operation)."""
    if name not in service_model().operation_names:
        raise ServiceError("UnknownOperationException", f"Unknown operation {name!r}")
    return service_model().operation_model(name)


def check_request(name: str, request: dict[str, Any]) -> None:
    """ValidationException listing what the request gets wrong (missing, unknown or mistyped members)."""
    shape = operation(name).input_shape
    if shape is None:
        return
    report = ParamValidator().validate(request, shape)
    if report.has_errors():
        raise ServiceError("ValidationException", report.generate_report())


def unmodelled_fields(name: str, response: dict[str, Any]) -> list[str]:
    """The members of `response` that the operation's output shape does not have, as dotted paths."""
    shape = operation(name).output_shape
    return _unmodelled(response, shape, "") if shape is not None else sorted(response)


def _unmodelled(value: Any, shape: Shape, where: str) -> list[str]:
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        found: list[str] = []
        for key, member in value.items():
            if key in shape.members:
                found += _unmodelled(member, shape.members[key], f"{where}{key}.")
            else:
                found.append(f"{where}{key}")
        return found
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [extra for item in value for extra in _unmodelled(item, shape.member, where)]
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return [extra for item in value.values() for extra in _unmodelled(item, shape.value, where)]
    return []
