"""A Map state's items and a Distributed Map's results: ItemsPath or an ItemReader (`s3:getObject`, InputType
JSON or JSONL, MaxItems), and a ResultWriter (`s3:putObject`) writing what AWS writes under
`<Prefix>/<map run id>/`: SUCCEEDED_0.json, FAILED_0.json, PENDING_0.json and manifest.json."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from local.asl import paths
from local.asl.errors import ITEM_READER_FAILED, RESULT_WRITER_FAILED, RUNTIME, StatesError
from local.asl.execution import Execution, MapRun, Status, iso, to_json
from local.asl.runtime import Scope

RESULT_FILES = ("SUCCEEDED", "FAILED", "PENDING")


def read_items(scope: Scope, effective: Any) -> list[Any]:
    """The items: from the ItemReader if there is one, else the array at ItemsPath (default `$`)."""
    reader = scope.state.get("ItemReader")
    if reader is not None:
        return _read_object(scope, reader, effective)
    items = paths.select(scope.state.get("ItemsPath", "$"), effective, scope.context(), field="ItemsPath")
    if not isinstance(items, list):
        raise StatesError(RUNTIME, f"The Map state {scope.name!r} needs an array of items, not {type(items).__name__}")
    return items


def _read_object(scope: Scope, reader: Mapping[str, Any], effective: Any) -> list[Any]:
    context = scope.context()
    parameters = paths.render(reader.get("Parameters", {}), effective, context)
    config = reader.get("ReaderConfig", {})
    try:
        answer = scope.run.environment.s3_client().get_object(Bucket=parameters["Bucket"], Key=parameters["Key"])
        text = answer["Body"].read().decode()
    except (ClientError, BotoCoreError, KeyError, TypeError) as error:
        raise StatesError(ITEM_READER_FAILED, f"The ItemReader could not read {parameters!r}: {error}") from None
    try:
        if config.get("InputType", "JSON") == "JSONL":
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            items = json.loads(text)
    except ValueError as error:
        message = f"The ItemReader's object is not {config.get('InputType', 'JSON')}: {error}"
        raise StatesError(ITEM_READER_FAILED, message) from None
    if not isinstance(items, list):
        raise StatesError(ITEM_READER_FAILED, "The ItemReader's JSON object must be an array")
    limit = config.get("MaxItems")
    if "MaxItemsPath" in config:
        limit = paths.select(config["MaxItemsPath"], effective, context, field="MaxItemsPath")
    return items[:limit] if limit else items


def child_record(child: Execution) -> dict[str, Any]:
    """A child execution as the result files list it (the default transformation, NONE)."""
    record: dict[str, Any] = {
        "ExecutionArn": child.arn,
        "Input": to_json(child.input),
        "InputDetails": {"Included": True},
        "Name": child.name,
        "RedriveCount": 0,
        "StartDate": iso(child.start_date),
        "StateMachineArn": child.state_machine_arn,
        "Status": str(child.status),
        "StopDate": iso(child.stop_date) if child.stop_date else None,
    }
    if child.status is Status.SUCCEEDED:
        record.update(Output=to_json(child.output), OutputDetails={"Included": True})
    else:
        record.update(Error=child.error, Cause=child.cause)
    return {key: value for key, value in record.items() if value is not None}


def result_files(children: list[Execution | None], inputs: list[Any]) -> dict[str, list[dict[str, Any]]]:
    """The records of each result file: children by status (aborted and timed out count as FAILED), and
    the items never started as PENDING."""
    files: dict[str, list[dict[str, Any]]] = {name: [] for name in RESULT_FILES}
    for child, item in zip(children, inputs, strict=True):
        if child is None or child.status is Status.RUNNING:
            files["PENDING"].append({"Input": to_json(item), "InputDetails": {"Included": True}, "Status": "PENDING"})
        else:
            files["SUCCEEDED" if child.status is Status.SUCCEEDED else "FAILED"].append(child_record(child))
    return files


def write_results(scope: Scope, effective: Any, map_run: MapRun, files: dict[str, list[dict[str, Any]]]) -> Any:
    """Write the result files and the manifest; the Map state's result that points at them."""
    writer = scope.state["ResultWriter"]
    parameters = paths.render(writer.get("Parameters", {}), effective, scope.context())
    bucket, prefix = parameters.get("Bucket"), str(parameters.get("Prefix", "")).rstrip("/")
    run_id = map_run.arn.rsplit(":", 1)[1]
    folder = f"{prefix}/{run_id}" if prefix else run_id
    listed: dict[str, list[dict[str, Any]]] = {}
    for name in RESULT_FILES:
        listed[name] = []
        if files[name]:
            key = f"{folder}/{name}_0.json"
            listed[name].append({"Key": key, "Size": _put(scope, bucket, key, files[name])})
    manifest_key = f"{folder}/manifest.json"
    _put(scope, bucket, manifest_key, {"DestinationBucket": bucket, "MapRunArn": map_run.arn, "ResultFiles": listed})
    return {"MapRunArn": map_run.arn, "ResultWriterDetails": {"Bucket": bucket, "Key": manifest_key}}


def _put(scope: Scope, bucket: Any, key: str, content: Any) -> int:
    body = to_json(content).encode()
    try:
        scope.run.environment.s3_client().put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
    except (ClientError, BotoCoreError, TypeError) as error:
        message = f"The ResultWriter could not write s3://{bucket}/{key}: {error}"
        raise StatesError(RESULT_WRITER_FAILED, message) from None
    return len(body)
