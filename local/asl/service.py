"""The Step Functions API in-process: state machines created from definitions, executions started in background
threads, listed, described, stopped, and the task tokens they wait on answered. Errors are ServiceErrors named
as the API names them (ExecutionAlreadyExists, ExecutionDoesNotExist, InvalidArn, TaskDoesNotExist...)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from local.asl.environment import Environment
from local.asl.errors import DefinitionError, ServiceError
from local.asl.execution import Execution, Status
from local.asl.lambdas import Handler
from local.asl.machine import DEFAULT_ROLE_ARN, MAX_PAYLOAD_BYTES, StateMachine, valid_name

_STATE_MACHINE_ARN = re.compile(r"arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+")
_EXECUTION_ARN = re.compile(r"arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+")


def _check_arn(arn: str, pattern: re.Pattern[str], kind: str) -> None:
    if not pattern.fullmatch(arn):
        raise ServiceError("InvalidArn", f"Invalid Arn: 'Resource type not valid in this context: {kind}' {arn!r}")


class StepFunctions:
    """State machines and their executions, all run in one Environment (functions, S3, EventBridge, clock)."""

    def __init__(self, environment: Environment | None = None) -> None:
        self.environment = environment or Environment()
        self._machines: dict[str, tuple[StateMachine, datetime]] = {}
        self._executions: dict[str, Execution] = {}
        self._lock = threading.Lock()

    def register_function(self, name_or_arn: str, handler: Handler) -> None:
        """Make `handler` (a callable taking the event) the Lambda function `name_or_arn`."""
        self.environment.registry.register(name_or_arn, handler)

    def create_state_machine(
        self,
        name: str,
        definition: Mapping[str, Any] | str,
        *,
        role_arn: str = DEFAULT_ROLE_ARN,
        type: str = "STANDARD",
    ) -> StateMachine:
        """CreateStateMachine: validated; the same name again is the same machine only with the same definition."""
        if not valid_name(name):
            raise ServiceError("InvalidName", f"Invalid Name: {name!r}")
        if type != "STANDARD":
            raise ServiceError("StateMachineTypeNotSupported", "Only STANDARD state machines run locally")
        try:
            machine = StateMachine(definition, name=name, environment=self.environment, role_arn=role_arn)
        except (DefinitionError, ValueError) as error:
            raise ServiceError("InvalidDefinition", f"Invalid State Machine Definition: {error}") from None
        with self._lock:
            existing = self._machines.get(machine.arn)
            if existing is None:
                self._machines[machine.arn] = (machine, self.environment.clock.now())
                return machine
        if existing[0].definition == machine.definition and existing[0].role_arn == role_arn:
            return existing[0]
        raise ServiceError("StateMachineAlreadyExists", f"State Machine Already Exists: {machine.arn!r}")

    def state_machine(self, arn: str) -> tuple[StateMachine, datetime]:
        """A state machine and its creation date (StateMachineDoesNotExist, InvalidArn)."""
        _check_arn(arn, _STATE_MACHINE_ARN, "stateMachine")
        with self._lock:
            found = self._machines.get(arn)
        if found is None:
            raise ServiceError("StateMachineDoesNotExist", f"State Machine Does Not Exist: {arn!r}")
        return found

    def state_machines(self) -> list[tuple[StateMachine, datetime]]:
        """Every state machine with its creation date."""
        with self._lock:
            return list(self._machines.values())

    def start_execution(self, state_machine_arn: str, input: str | None = None, name: str | None = None) -> Execution:
        """StartExecution: the same name again is the same execution while it runs with the same input, else
        ExecutionAlreadyExists, as Step Functions answers."""
        machine, _ = self.state_machine(state_machine_arn)
        text = "{}" if input is None else input
        value = _execution_input(text)
        if name is not None and not valid_name(name):
            raise ServiceError("InvalidName", f"Invalid Name: {name!r}")
        execution = machine.new_execution(value, name)
        with self._lock:
            existing = self._executions.get(execution.arn)
            if existing is None:
                self._executions[execution.arn] = execution
        if existing is not None:
            if existing.status is Status.RUNNING and existing.input == value:
                return existing
            raise ServiceError("ExecutionAlreadyExists", f"Execution Already Exists: {execution.arn!r}")
        machine.start_thread(execution)
        return execution

    def describe_execution(self, arn: str) -> Execution:
        """An execution, a Map run's children included (ExecutionDoesNotExist, InvalidArn)."""
        _check_arn(arn, _EXECUTION_ARN, "execution")
        found = next((execution for execution in self._all_executions() if execution.arn == arn), None)
        if found is None:
            raise ServiceError("ExecutionDoesNotExist", f"Execution Does Not Exist: {arn!r}")
        return found

    def list_executions(
        self, state_machine_arn: str | None = None, status: str | None = None, map_run_arn: str | None = None
    ) -> list[Execution]:
        """ListExecutions of a state machine or of a Map run, newest first, optionally of one status."""
        if state_machine_arn is not None:
            self.state_machine(state_machine_arn)
        found = [
            execution
            for execution in self._all_executions()
            if (state_machine_arn is None or execution.state_machine_arn == state_machine_arn)
            and (map_run_arn is None or execution.map_run_arn == map_run_arn)
            and (status is None or execution.status == status)
        ]
        return sorted(found, key=lambda execution: execution.start_date, reverse=True)

    def _all_executions(self) -> Iterator[Execution]:
        with self._lock:
            executions = list(self._executions.values())
        for execution in executions:
            yield execution
            for map_run in list(execution.map_runs):
                yield from list(map_run.executions)

    def send_task_success(self, token: str, output: str) -> None:
        """SendTaskSuccess: `output` is JSON text (InvalidOutput if not)."""
        try:
            value = json.loads(output)
        except ValueError:
            raise ServiceError("InvalidOutput", "Invalid Output: the output is not JSON") from None
        self.environment.task_tokens.succeed(token, value)

    def send_task_failure(self, token: str, error: str | None = None, cause: str | None = None) -> None:
        """SendTaskFailure."""
        self.environment.task_tokens.fail(token, error, cause)

    def send_task_heartbeat(self, token: str) -> None:
        """SendTaskHeartbeat."""
        self.environment.task_tokens.heartbeat(token)

    def stop_execution(self, arn: str, error: str | None = None, cause: str | None = None) -> datetime:
        """StopExecution: ABORTED at once; a closed execution keeps its status and stop date."""
        return self.describe_execution(arn).stop(error, cause)

    def close(self) -> None:
        """Stop every running execution, so that no thread outlives the service."""
        for execution in self._all_executions():
            if execution.status is Status.RUNNING:
                execution.stop("States.Aborted", "the local Step Functions service was closed")


def _execution_input(text: str) -> Any:
    if len(text.encode()) > MAX_PAYLOAD_BYTES:
        raise ServiceError("InvalidExecutionInput", f"Invalid Execution Input: over {MAX_PAYLOAD_BYTES} bytes")
    try:
        return json.loads(text)
    except ValueError:
        raise ServiceError("InvalidExecutionInput", "Invalid Execution Input: the input is not JSON") from None
