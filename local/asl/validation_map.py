"""The checks of a Map state: its ItemProcessor (or Iterator) and mode, and the parts only a Distributed Map may
have (an S3 JSON or JSONL ItemReader, a ResultWriter without WriterConfig, tolerated failures)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from local.asl.validation import Problems

ITEM_READER = "arn:aws:states:::s3:getObject"
RESULT_WRITER = "arn:aws:states:::s3:putObject"
_DISTRIBUTED_ONLY = ("ItemReader", "ResultWriter", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath")
_DISTRIBUTED_TOO = ("ToleratedFailureCount", "ToleratedFailureCountPath", "Label")
CheckWorkflow = Callable[..., None]
CheckTemplate = Callable[[Any, str, "Problems"], None]


def check_map(
    state: Mapping[str, Any],
    where: str,
    problems: Problems,
    *,
    check_workflow: CheckWorkflow,
    check_template: CheckTemplate,
) -> None:
    """A Map state's processor, mode, and distributed-only fields."""
    if ("ItemProcessor" in state) == ("Iterator" in state):
        problems.add(where, "a Map state needs exactly one of ItemProcessor and Iterator")
        return
    if "ItemSelector" in state and "Parameters" in state:
        problems.add(where, "ItemSelector and Parameters are the same field: use one")
    field = "ItemProcessor" if "ItemProcessor" in state else "Iterator"
    processor = state[field]
    check_workflow(processor, f"{where}.{field}.", problems)
    config = processor.get("ProcessorConfig", {}) if isinstance(processor, dict) else {}
    mode = config.get("Mode", "INLINE")
    if mode not in ("INLINE", "DISTRIBUTED"):
        problems.add(f"{where}.{field}.ProcessorConfig", f"unknown Mode {mode!r}")
    if mode == "DISTRIBUTED" and config.get("ExecutionType") not in ("STANDARD", "EXPRESS"):
        problems.add(f"{where}.{field}.ProcessorConfig", "a DISTRIBUTED Map needs ExecutionType STANDARD or EXPRESS")
    if mode != "DISTRIBUTED":
        for name in (*_DISTRIBUTED_ONLY, *_DISTRIBUTED_TOO):
            if name in state:
                problems.add(where, f"{name} is for a DISTRIBUTED Map only")
        return
    if "ItemReader" in state:
        _check_reader(state["ItemReader"], f"{where}.ItemReader", problems, check_template)
    if "ResultWriter" in state:
        _check_writer(state["ResultWriter"], f"{where}.ResultWriter", problems, check_template)


def _check_reader(reader: Any, where: str, problems: Problems, check_template: CheckTemplate) -> None:
    if not isinstance(reader, dict):
        problems.add(where, "must be an object")
        return
    if reader.get("Resource") != ITEM_READER:
        problems.add(where, f"the Resource {reader.get('Resource')!r} is not supported: {ITEM_READER} only")
    for key in reader.keys() - {"Resource", "ReaderConfig", "Parameters"}:
        problems.add(where, f"unknown field {key!r}")
    config = reader.get("ReaderConfig", {})
    input_type = config.get("InputType") if isinstance(config, dict) else None
    if input_type not in ("JSON", "JSONL"):
        problems.add(f"{where}.ReaderConfig", f"InputType {input_type!r} is not supported: JSON or JSONL only")
    if isinstance(config, dict):
        for key in config.keys() - {"InputType", "MaxItems", "MaxItemsPath"}:
            problems.add(f"{where}.ReaderConfig", f"field {key!r} is not supported")
    check_template(reader.get("Parameters", {}), f"{where}.Parameters", problems)


def _check_writer(writer: Any, where: str, problems: Problems, check_template: CheckTemplate) -> None:
    if not isinstance(writer, dict):
        problems.add(where, "must be an object")
        return
    if "WriterConfig" in writer:
        problems.add(where, "WriterConfig is not supported: the results are written as AWS writes them by default")
    if writer.get("Resource") != RESULT_WRITER:
        problems.add(where, f"the Resource {writer.get('Resource')!r} is not supported: {RESULT_WRITER} only")
    for key in writer.keys() - {"Resource", "Parameters", "WriterConfig"}:
        problems.add(where, f"unknown field {key!r}")
    check_template(writer.get("Parameters", {}), f"{where}.Parameters", problems)
