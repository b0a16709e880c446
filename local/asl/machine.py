"""The interpreter: a workflow's states run one after another from StartAt, each entered and exited in the
history, Catch applied to what a state raises; and StateMachine, a validated definition that runs executions
(in the caller's thread with `execute`, or in a thread of their own with `start`)."""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from local.asl.environment import Environment
from local.asl.errors import DATA_LIMIT_EXCEEDED, RUNTIME, StatesError
from local.asl.execution import Execution, Status, to_json
from local.asl.maps import run_map
from local.asl.retry import catch
from local.asl.runtime import Run, Scope, settle
from local.asl.states import run_choice, run_fail, run_pass, run_succeed, run_wait
from local.asl.tasks import run_task
from local.asl.validation import validate

logger = logging.getLogger("local.asl")
Handler = Callable[[Scope, Any], tuple[Any, str | None]]
# Step Functions' quota on a state's input and output, and on an execution's input.
MAX_PAYLOAD_BYTES = 256 * 1024
DEFAULT_ROLE_ARN = "arn:aws:iam::123456789012:role/local-stepfunctions"
_NAME = re.compile(r"[^\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]{1,80}")


def run_workflow(run: Run, workflow: Mapping[str, Any], data: Any) -> Any:
    """Run `workflow`'s states from StartAt with `data`; the output of the state that ends it."""
    states: Mapping[str, Any] = workflow["States"]
    name: str = workflow["StartAt"]
    run.check()
    while True:
        output, following = run_state(run, name, states[name], data)
        # A stop that came while the state ran (a Lambda call cannot be interrupted) ends the workflow here.
        run.check()
        if following is None:
            return output
        name, data = following, output


def run_state(run: Run, name: str, state: Mapping[str, Any], data: Any) -> tuple[Any, str | None]:
    """Run one state: its output and the state to run next (None at an end)."""
    kind = state["Type"]
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise StatesError(RUNTIME, f"state {name!r}: the state type {kind!r} is not supported locally")
    scope = Scope(run, name, state, run.clock.now())
    scope.record(f"{kind}StateEntered", name=name, input=to_json(data), inputDetails={"truncated": False})
    try:
        output, following = handler(scope, data)
        check_size(f"the output of state {name!r}", output)
    except StatesError as error:
        caught = catch(state, error, data)
        if caught is None:
            raise
        output, following = caught
    scope.record(f"{kind}StateExited", name=name, output=to_json(output), outputDetails={"truncated": False})
    return output, following


def check_size(what: str, value: Any) -> None:
    """States.DataLimitExceeded if `value` as JSON is over the 256 KiB quota."""
    size = len(to_json(value).encode())
    if size > MAX_PAYLOAD_BYTES:
        raise StatesError(DATA_LIMIT_EXCEEDED, f"{what} is {size} bytes, over the quota of {MAX_PAYLOAD_BYTES}")


_HANDLERS: dict[str, Handler] = {
    "Pass": run_pass,
    "Wait": run_wait,
    "Choice": run_choice,
    "Succeed": run_succeed,
    "Fail": run_fail,
    "Task": run_task,
    "Map": functools.partial(run_map, runner=run_workflow),
}


def valid_name(name: str) -> bool:
    """Whether `name` may name a state machine or an execution (1 to 80 characters, none of AWS's forbidden)."""
    return _NAME.fullmatch(name) is not None


class StateMachine:
    """A definition (a dict, or its JSON text), validated, with the environment its executions run in."""

    def __init__(
        self,
        definition: Mapping[str, Any] | str,
        *,
        name: str = "local",
        environment: Environment | None = None,
        role_arn: str = DEFAULT_ROLE_ARN,
    ) -> None:
        self.definition: dict[str, Any] = json.loads(definition) if isinstance(definition, str) else dict(definition)
        validate(self.definition)
        self.name = name
        self.environment = environment or Environment()
        self.role_arn = role_arn
        self.arn = f"arn:aws:states:{self.environment.region}:{self.environment.account}:stateMachine:{name}"

    def new_execution(self, input: Any = None, name: str | None = None) -> Execution:
        """An execution not yet run (`input` defaults to `{}`; `name` to a UUID)."""
        name = name or str(uuid.uuid4())
        arn = self.arn.replace(":stateMachine:", ":execution:") + f":{name}"
        return Execution(
            arn=arn,
            name=name,
            state_machine_arn=self.arn,
            input={} if input is None else input,
            clock=self.environment.clock,
            role_arn=self.role_arn,
        )

    def run(self, execution: Execution) -> Execution:
        """Run `execution` to its end in this thread."""
        timeout = self.definition.get("TimeoutSeconds")
        deadline = execution.start_date + timedelta(seconds=timeout) if timeout else None
        machine = {"Id": self.arn, "Name": self.name}
        run = Run(execution, self.environment, execution.signal, machine, deadline)
        try:
            settle(run, lambda: run_workflow(run, self.definition, execution.input))
        # The top of an execution: an interpreter bug must fail the execution, not leave it RUNNING forever.
        except Exception as error:
            logger.exception("the local interpreter failed running %s", execution.arn)
            execution.finish(Status.FAILED, error=RUNTIME, cause=f"local interpreter error: {error!r}")
            execution.signal.fire()
        return execution

    def execute(self, input: Any = None, name: str | None = None) -> Execution:
        """Run a new execution to its end in this thread."""
        return self.run(self.new_execution(input, name))

    def start(self, input: Any = None, name: str | None = None) -> Execution:
        """Start a new execution in a thread of its own; `Execution.wait()` waits for its end."""
        execution = self.new_execution(input, name)
        self.start_thread(execution)
        return execution

    def start_thread(self, execution: Execution) -> threading.Thread:
        """Run `execution` in a daemon thread."""
        thread = threading.Thread(target=self.run, args=(execution,), name=f"asl-{execution.name}", daemon=True)
        thread.start()
        return thread
