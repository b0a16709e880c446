"""validate(definition): refuse what is not ASL, or what this interpreter does not run, naming the state and the
field. Refused as unsupported: Parallel states, JSONata and variables (QueryLanguage JSONata, Arguments, Output,
Assign), ItemBatcher, CSV and manifest ItemReaders, a ResultWriter's WriterConfig, task resources other than
those tasks.py calls, JSONPath beyond fields, indices and `*`, and unknown intrinsic functions. Refused as
invalid: unknown fields, transitions to missing states, states nothing reaches, and misplaced States.ALL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from local.asl import choice, intrinsics, paths
from local.asl.errors import ALL, DefinitionError
from local.asl.tasks import integration
from local.asl.validation_map import check_map

_IO = {"Type", "Comment", "InputPath", "OutputPath"}
_FLOW = {"Next", "End"}
FIELDS: dict[str, frozenset[str]] = {
    "Pass": frozenset(_IO | _FLOW | {"Parameters", "Result", "ResultPath"}),
    "Task": frozenset(
        _IO
        | _FLOW
        | {"Resource", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch"}
        | {"TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath"}
    ),
    "Choice": frozenset(_IO | {"Choices", "Default"}),
    "Wait": frozenset(_IO | _FLOW | {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"}),
    "Succeed": frozenset(_IO),
    "Fail": frozenset({"Type", "Comment", "Error", "ErrorPath", "Cause", "CausePath"}),
    "Map": frozenset(
        _IO
        | _FLOW
        | {"ItemsPath", "ItemReader", "ItemSelector", "Parameters", "Iterator", "ItemProcessor"}
        | {"ResultSelector", "ResultPath", "ResultWriter", "Retry", "Catch", "MaxConcurrency", "MaxConcurrencyPath"}
        | {"ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "ToleratedFailureCount"}
        | {"ToleratedFailureCountPath", "Label"}
    ),
}
_UNSUPPORTED = {
    "Arguments": "JSONata",
    "Output": "JSONata",
    "QueryLanguage": "JSONata",
    "Assign": "variables",
    "ItemBatcher": "ItemBatcher",
}
_PATHS = ("InputPath", "OutputPath", "ItemsPath", "SecondsPath", "TimestampPath", "ErrorPath", "CausePath")
_PATHS_TOO = ("TimeoutSecondsPath", "HeartbeatSecondsPath", "MaxConcurrencyPath")
_PATHS_ALSO = ("ToleratedFailurePercentagePath", "ToleratedFailureCountPath")
_TEMPLATES = ("Parameters", "ItemSelector", "ResultSelector")
_RETRIER = {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy"}


class Problems(list[str]):
    """What is wrong, each with where."""

    def add(self, where: str, message: str) -> None:
        self.append(f"{where}: {message}")


def validate(definition: Any) -> None:
    """Raise DefinitionError listing every problem, or return if the interpreter can run `definition`."""
    problems = Problems()
    check_workflow(definition, "", problems, top=True)
    if problems:
        raise DefinitionError("the definition is refused:\n" + "\n".join(problems))


def check_workflow(workflow: Any, where: str, problems: Problems, *, top: bool = False) -> None:
    """The definition, or a Map's ItemProcessor: StartAt, States, each state, every state reachable."""
    label = where or "the definition"
    if not isinstance(workflow, dict):
        problems.add(label, "must be an object")
        return
    allowed = {"StartAt", "States", "Comment"} | ({"TimeoutSeconds", "Version"} if top else {"ProcessorConfig"})
    language = workflow.get("QueryLanguage", "JSONPath")
    if language != "JSONPath":
        problems.add(label, f"QueryLanguage {language!r} is not supported: JSONPath only")
    for key in workflow.keys() - allowed - {"QueryLanguage"}:
        problems.add(label, f"unknown field {key!r}")
    states = workflow.get("States")
    if not isinstance(states, dict) or not states:
        problems.add(label, "States must be a non-empty object")
        return
    if workflow.get("StartAt") not in states:
        problems.add(label, f"StartAt {workflow.get('StartAt')!r} is not a state")
        return
    for name, state in states.items():
        check_state(name, state, states, f"{where}States.{name}", problems)
    for name in states.keys() - _reachable(workflow["StartAt"], states):
        problems.add(f"{where}States.{name}", "no state transitions to this state")


def _reachable(start: str, states: Mapping[str, Any]) -> set[str]:
    seen: set[str] = set()
    pending: list[Any] = [start]
    while pending:
        name = pending.pop()
        if name in seen or not isinstance(states.get(name), dict):
            continue
        seen.add(name)
        state = states[name]
        pending += [state.get("Next"), state.get("Default")]
        pending += [rule.get("Next") for rule in state.get("Choices", []) if isinstance(rule, dict)]
        pending += [catcher.get("Next") for catcher in state.get("Catch", []) if isinstance(catcher, dict)]
    return seen


def check_state(name: str, state: Any, states: Mapping[str, Any], where: str, problems: Problems) -> None:
    """One state: its type, its fields, its transitions, paths, templates, and what its type needs."""
    if not isinstance(state, dict):
        problems.add(where, "must be an object")
        return
    kind = state.get("Type")
    if kind == "Parallel":
        problems.add(where, "Parallel states are not supported by the local interpreter")
        return
    if kind not in FIELDS:
        problems.add(where, f"unknown Type {kind!r}")
        return
    for key in state.keys() - FIELDS[kind]:
        if key == "QueryLanguage" and state[key] == "JSONPath":
            continue
        reason = f"{_UNSUPPORTED[key]} is not supported" if key in _UNSUPPORTED else f"not a field of a {kind} state"
        problems.add(where, f"field {key!r}: {reason}")
    _check_flow(state, states, where, problems)
    for field in (*_PATHS, *_PATHS_TOO, *_PATHS_ALSO):
        if field in state and not (state[field] is None and field in ("InputPath", "OutputPath")):
            check_path(state[field], f"{where}.{field}", problems)
    if state.get("ResultPath") is not None:
        check_path(state["ResultPath"], f"{where}.ResultPath", problems, reference=True)
    for field in _TEMPLATES:
        if field in state:
            check_template(state[field], f"{where}.{field}", problems)
    _check_errors(state, states, where, problems)
    if kind == "Task" and integration(str(state.get("Resource"))) is None:
        problems.add(where, f"the resource {state.get('Resource')!r} is not supported by the local interpreter")
    elif kind == "Choice":
        _check_choice(state, states, where, problems)
    elif kind == "Wait" and sum(key in state for key in FIELDS["Wait"] - _IO - _FLOW) != 1:
        problems.add(where, "a Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath")
    elif kind == "Map":
        check_map(state, where, problems, check_workflow=check_workflow, check_template=check_template)


def _check_flow(state: Mapping[str, Any], states: Mapping[str, Any], where: str, problems: Problems) -> None:
    if state["Type"] in ("Choice", "Succeed", "Fail"):
        if _FLOW & state.keys():
            problems.add(where, f"a {state['Type']} state has neither Next nor End")
        return
    if ("Next" in state) == (state.get("End") is True):
        problems.add(where, "needs either Next or End: true")
    elif "Next" in state and state["Next"] not in states:
        problems.add(where, f"Next {state['Next']!r} is not a state")


def check_path(text: Any, where: str, problems: Problems, *, reference: bool = False) -> None:
    """A path (or, with `reference`, a reference path) the interpreter can follow."""
    if not isinstance(text, str):
        problems.add(where, f"{text!r} is not a path")
        return
    try:
        path = paths.parse(text)
    except DefinitionError as error:
        problems.add(where, str(error))
        return
    if reference and (path.context or not path.is_reference):
        problems.add(where, f"{text!r} is not a reference path")


def check_template(template: Any, where: str, problems: Problems) -> None:
    """A payload template: every `.$` field a path or an intrinsic function the interpreter knows."""
    if isinstance(template, list):
        for index, value in enumerate(template):
            check_template(value, f"{where}[{index}]", problems)
    if not isinstance(template, dict):
        return
    for key, value in template.items():
        if not key.endswith(".$"):
            check_template(value, f"{where}.{key}", problems)
        elif isinstance(value, str) and value.startswith("$"):
            check_path(value, f"{where}.{key}", problems)
        elif isinstance(value, str) and intrinsics.is_intrinsic(value):
            _check_call(value, f"{where}.{key}", problems)
        else:
            problems.add(f"{where}.{key}", f"{value!r} is neither a path nor an intrinsic function")


def _check_call(text: str, where: str, problems: Problems) -> None:
    try:
        calls = [intrinsics.parse(text)]
    except DefinitionError as error:
        problems.add(where, str(error))
        return
    while calls:
        for argument in calls.pop().args:
            if isinstance(argument, intrinsics.PathArgument):
                check_path(argument.text, where, problems)
            elif isinstance(argument, intrinsics.Call):
                calls.append(argument)


def _check_errors(state: Mapping[str, Any], states: Mapping[str, Any], where: str, problems: Problems) -> None:
    """Retry and Catch: ErrorEquals non-empty, States.ALL alone and last, known fields, Catch targets."""
    for field, allowed in (("Retry", _RETRIER), ("Catch", {"ErrorEquals", "Next", "ResultPath"})):
        handlers = state.get(field, [])
        if not isinstance(handlers, list):
            problems.add(f"{where}.{field}", "must be an array")
            continue
        for index, handler in enumerate(handlers):
            at = f"{where}.{field}[{index}]"
            if not isinstance(handler, dict):
                problems.add(at, "must be an object")
                continue
            for key in handler.keys() - allowed - {"Comment"}:
                problems.add(at, f"unknown field {key!r}")
            names = handler.get("ErrorEquals")
            if not isinstance(names, list) or not names or not all(isinstance(name, str) for name in names):
                problems.add(at, "ErrorEquals must be a non-empty array of error names")
            elif ALL in names and (len(names) > 1 or index != len(handlers) - 1):
                problems.add(at, "States.ALL must appear alone, in the last element")
            if field == "Catch" and handler.get("Next") not in states:
                problems.add(at, f"Next {handler.get('Next')!r} is not a state")
            if field == "Catch" and handler.get("ResultPath") is not None:
                check_path(handler["ResultPath"], f"{at}.ResultPath", problems, reference=True)


def _check_choice(state: Mapping[str, Any], states: Mapping[str, Any], where: str, problems: Problems) -> None:
    rules = state.get("Choices")
    if not isinstance(rules, list) or not rules:
        problems.add(where, "Choices must be a non-empty array")
        return
    for index, rule in enumerate(rules):
        _check_rule(rule, f"{where}.Choices[{index}]", problems)
        if isinstance(rule, dict) and rule.get("Next") not in states:
            problems.add(f"{where}.Choices[{index}]", f"Next {rule.get('Next')!r} is not a state")
    if "Default" in state and state["Default"] not in states:
        problems.add(where, f"Default {state['Default']!r} is not a state")


def _check_rule(rule: Any, where: str, problems: Problems, *, top: bool = True) -> None:
    if not isinstance(rule, dict):
        problems.add(where, "a Choice Rule must be an object")
        return
    extra = {"Next", "Comment"} if top else {"Comment"}
    for operator in ("And", "Or"):
        if operator in rule:
            inner = rule[operator]
            if not isinstance(inner, list) or not inner:
                problems.add(where, f"{operator} must be a non-empty array of rules")
                return
            for index, each in enumerate(inner):
                _check_rule(each, f"{where}.{operator}[{index}]", problems, top=False)
            return
    if "Not" in rule:
        _check_rule(rule["Not"], f"{where}.Not", problems, top=False)
        return
    tests = [key for key in rule if key in choice.TESTS]
    if len(tests) != 1:
        problems.add(where, f"a Choice Rule needs exactly one test, not {tests or 'none'}")
    for key in rule.keys() - choice.TESTS - extra - {"Variable"}:
        problems.add(where, f"unknown field {key!r}")
    check_path(rule.get("Variable"), f"{where}.Variable", problems)
    if len(tests) == 1 and tests[0].endswith("Path"):
        check_path(rule[tests[0]], f"{where}.{tests[0]}", problems)
    if len(tests) == 1 and tests[0].startswith("Is") and not isinstance(rule[tests[0]], bool):
        problems.add(where, f"{tests[0]} takes true or false, not {rule[tests[0]]!r}")
