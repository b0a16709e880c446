"""Map states. INLINE (an Iterator, or an ItemProcessor without DISTRIBUTED) runs each item's iteration inside
this execution, and the first failure fails the state. DISTRIBUTED runs each item as a child execution of a Map
run, tolerates failures up to ToleratedFailurePercentage/Count (else States.ExceedToleratedFailureThreshold),
and writes its results with a ResultWriter. Both run at most MaxConcurrency items at once in a thread pool;
once the state fails, items not yet started never start and running ones are stopped."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace
from typing import Any

from local.asl import paths
from local.asl.clock import Signal
from local.asl.errors import (
    EXCEED_TOLERATED_FAILURE_THRESHOLD,
    RUNTIME,
    ExecutionAborted,
    ExecutionTimedOut,
    StatesError,
)
from local.asl.execution import Execution, MapRun, Status
from local.asl.processing import effective_input, next_state, state_output
from local.asl.results import read_items, result_files, write_results
from local.asl.retry import with_retry
from local.asl.runtime import Run, Scope, settle

Runner = Callable[[Run, Mapping[str, Any], Any], Any]
# At most this many threads, whatever MaxConcurrency says: AWS runs up to 40 inline iterations at once
# (so this is its limit too), and up to 10,000 child executions of a Distributed Map.
INLINE_UNLIMITED = 40
DISTRIBUTED_UNLIMITED = 64


def run_map(scope: Scope, data: Any, *, runner: Runner) -> tuple[Any, str | None]:
    """Map: the items, each through the ItemProcessor (with `runner` running a workflow), then the output."""
    state = scope.state
    effective = effective_input(state, data, scope.context())
    result = with_retry(scope, lambda: _attempt(scope, effective, runner))
    return state_output(state, data, result, scope.context()), next_state(state)


def _attempt(scope: Scope, effective: Any, runner: Runner) -> Any:
    items = read_items(scope, effective)
    inputs = [_item_input(scope, effective, index, item) for index, item in enumerate(items)]
    processor = scope.state.get("ItemProcessor") or scope.state["Iterator"]
    scope.record("MapStateStarted", length=len(inputs))
    try:
        if processor.get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED":
            result = _run_distributed(scope, effective, processor, inputs, runner)
        else:
            result = _run_inline(scope, effective, processor, inputs, runner)
    except StatesError:
        scope.record("MapStateFailed")
        raise
    scope.record("MapStateSucceeded")
    return result


def _item_input(scope: Scope, effective: Any, index: int, item: Any) -> Any:
    """ItemSelector (or the older Parameters) for one item, with `$$.Map.Item` set; else the item itself."""
    selector = scope.state.get("ItemSelector", scope.state.get("Parameters"))
    if selector is None:
        return item
    scope.map_item = {"Index": index, "Value": item}
    try:
        return paths.render(selector, effective, scope.context())
    finally:
        scope.map_item = None


def _concurrency(scope: Scope, effective: Any, unlimited: int) -> int:
    value = scope.state.get("MaxConcurrency", 0)
    if "MaxConcurrencyPath" in scope.state:
        value = paths.select(scope.state["MaxConcurrencyPath"], effective, scope.context(), field="MaxConcurrencyPath")
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise StatesError(RUNTIME, f"state {scope.name!r}: MaxConcurrency must be an integer >= 0, not {value!r}")
    return min(value or unlimited, unlimited)


def _run_pool(count: int, workers: int, work: Callable[[int], None], signal: Signal, stop: Callable[[], bool]) -> None:
    """work(0) ... work(count - 1), `workers` at a time; once `stop()` is true, fire `signal` and start no more."""

    def guarded(index: int) -> None:
        if signal.fired:
            return
        work(index)
        # Checked by the worker itself, before it takes the next item.
        if stop():
            signal.fire()

    with ThreadPoolExecutor(max_workers=max(1, min(workers, count)), thread_name_prefix="asl-map") as pool:
        futures = [pool.submit(guarded, index) for index in range(count)]
        try:
            for future in as_completed(futures):
                future.result()
        except BaseException:
            signal.fire()
            raise


def _run_inline(
    scope: Scope, effective: Any, processor: Mapping[str, Any], inputs: list[Any], runner: Runner
) -> list[Any]:
    signal = scope.run.signal.child()
    run = scope.run.derive(signal=signal)
    outputs: list[Any] = [None] * len(inputs)
    failures: list[StatesError] = []

    def iterate(index: int) -> None:
        scope.record("MapIterationStarted", name=scope.name, index=index)
        try:
            outputs[index] = runner(run, processor, inputs[index])
        except StatesError as error:
            failures.append(error)
            scope.record("MapIterationFailed", name=scope.name, index=index)
            return
        except ExecutionAborted:
            scope.record("MapIterationAborted", name=scope.name, index=index)
            return
        scope.record("MapIterationSucceeded", name=scope.name, index=index)

    workers = _concurrency(scope, effective, INLINE_UNLIMITED)
    _run_pool(len(inputs), workers, iterate, signal, lambda: bool(failures))
    scope.run.check()
    if failures:
        raise failures[0]
    return outputs


def _run_distributed(
    scope: Scope, effective: Any, processor: Mapping[str, Any], inputs: list[Any], runner: Runner
) -> Any:
    map_run = _new_map_run(scope, effective)
    children: list[Execution | None] = [None] * len(inputs)
    signal = scope.run.signal.child()
    lock = threading.Lock()

    def start_child(index: int) -> None:
        child = _child_execution(scope, map_run, inputs[index])
        with lock:
            children[index] = child
            map_run.executions.append(child)
        child_run = replace(scope.run, execution=child, signal=signal.child(), state_machine=_child_machine(scope))
        settle(child_run, lambda: runner(child_run, processor, child.input))

    threshold = _threshold(scope, effective, len(inputs))
    _run_pool(len(inputs), map_run.max_concurrency, start_child, signal, lambda: threshold(children))
    try:
        scope.run.check()
    except (ExecutionAborted, ExecutionTimedOut):
        map_run.status = "ABORTED"
        raise
    files = result_files(children, inputs)
    result = write_results(scope, effective, map_run, files) if "ResultWriter" in scope.state else _outputs(children)
    if threshold(children):
        cause = (
            f"The Map run failed: {len(files['FAILED'])} of {len(inputs)} items failed, over the tolerated threshold"
        )
        map_run.status = "FAILED"
        scope.record("MapRunFailed", error=EXCEED_TOLERATED_FAILURE_THRESHOLD, cause=cause)
        raise StatesError(EXCEED_TOLERATED_FAILURE_THRESHOLD, cause)
    map_run.status = "SUCCEEDED"
    scope.record("MapRunSucceeded")
    return result


def _new_map_run(scope: Scope, effective: Any) -> MapRun:
    environment = scope.run.environment
    label = scope.state.get("Label", scope.name)
    arn = (
        f"arn:aws:states:{environment.region}:{environment.account}:mapRun:"
        f"{scope.run.state_machine['Name']}/{label}:{uuid.uuid4()}"
    )
    workers = _concurrency(scope, effective, DISTRIBUTED_UNLIMITED)
    map_run = MapRun(arn=arn, execution_arn=scope.run.execution.arn, max_concurrency=workers)
    scope.run.execution.map_runs.append(map_run)
    scope.record("MapRunStarted", mapRunArn=arn)
    return map_run


def _child_machine(scope: Scope) -> dict[str, str]:
    label = scope.state.get("Label", scope.name)
    machine = scope.run.state_machine
    return {"Id": f"{machine['Id']}/{label}", "Name": f"{machine['Name']}/{label}"}


def _child_execution(scope: Scope, map_run: MapRun, item: Any) -> Execution:
    name = str(uuid.uuid4())
    machine = _child_machine(scope)
    environment = scope.run.environment
    arn = f"arn:aws:states:{environment.region}:{environment.account}:execution:{machine['Name']}:{name}"
    child = Execution(arn=arn, name=name, state_machine_arn=machine["Id"], input=item, clock=environment.clock)
    child.map_run_arn = map_run.arn
    return child


def _threshold(scope: Scope, effective: Any, total: int) -> Callable[[list[Execution | None]], bool]:
    """Whether the failed children exceed the tolerated percentage or count (none tolerated by default)."""
    tolerated: dict[str, float | None] = {}
    for name in ("ToleratedFailurePercentage", "ToleratedFailureCount"):
        value = scope.state.get(name)
        if f"{name}Path" in scope.state:
            value = paths.select(scope.state[f"{name}Path"], effective, scope.context(), field=f"{name}Path")
        tolerated[name] = value
    percentage, count = tolerated["ToleratedFailurePercentage"], tolerated["ToleratedFailureCount"]

    def exceeded(children: list[Execution | None]) -> bool:
        failed = sum(
            1 for child in children if child is not None and child.done and child.status is not Status.SUCCEEDED
        )
        if percentage is None and count is None:
            return failed > 0
        over_count = count is not None and failed > count
        return over_count or (percentage is not None and total > 0 and failed * 100 / total > percentage)

    return exceeded


def _outputs(children: list[Execution | None]) -> list[Any]:
    """Without a ResultWriter: each child's output, or its error and cause (None for an item never run)."""
    return [
        None
        if child is None
        else child.output
        if child.status is Status.SUCCEEDED
        else {"Error": child.error, "Cause": child.cause}
        for child in children
    ]
