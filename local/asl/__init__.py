"""A local Step Functions: an interpreter of Amazon States Language (JSONPath) running Lambda code in-process,
and a service speaking the Step Functions API over HTTP. docs/local-stepfunctions.md says how to use it."""

from local.asl.clock import Clock, FakeClock, SystemClock
from local.asl.environment import Environment
from local.asl.errors import DefinitionError, ServiceError, StatesError
from local.asl.execution import Execution, HistoryEvent, MapRun, Status
from local.asl.lambdas import Functions
from local.asl.machine import StateMachine
from local.asl.server import StepFunctionsServer, local_stepfunctions
from local.asl.service import StepFunctions
from local.asl.validation import validate

__all__ = [
    "Clock",
    "DefinitionError",
    "Environment",
    "Execution",
    "FakeClock",
    "Functions",
    "HistoryEvent",
    "MapRun",
    "ServiceError",
    "StateMachine",
    "StatesError",
    "Status",
    "StepFunctions",
    "StepFunctionsServer",
    "SystemClock",
    "local_stepfunctions",
    "validate",
]
