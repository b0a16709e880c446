"""EventBridge schedule expressions, `rate(N unit)` and `cron(6 fields)`, checked as EventBridge checks them."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, Field


@dataclass(frozen=True, slots=True)
class _CronField:
    label: str
    low: int
    high: int
    names: Mapping[str, int]
    step: bool
    question: bool


_MONTHS = {
    m: i + 1 for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"))
}
_WEEKDAYS = {d: i + 1 for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
# EventBridge's table: which wildcards each of the six fields allows (day-of-week has no `/`).
_CRON_FIELDS = (
    _CronField("minutes", 0, 59, {}, step=True, question=False),
    _CronField("hours", 0, 23, {}, step=True, question=False),
    _CronField("day-of-month", 1, 31, {}, step=True, question=True),
    _CronField("month", 1, 12, _MONTHS, step=True, question=False),
    _CronField("day-of-week", 1, 7, _WEEKDAYS, step=False, question=True),
    _CronField("year", 1970, 2199, {}, step=True, question=False),
)
_RATE = re.compile(r"^rate\((?P<value>\S+) (?P<unit>\S+)\)$")
_RATE_UNITS = ("minute", "hour", "day")


def _cron_value(spec: _CronField, text: str, what: str = "value") -> int:
    if text.isdigit() and text.isascii():
        value = int(text)
    elif text.upper() in spec.names:
        return spec.names[text.upper()]
    else:
        raise ValueError(f"{spec.label} field: {what} {text!r} is not a number or a known name")
    if not spec.low <= value <= spec.high:
        raise ValueError(f"{spec.label} field: {what} {value} is outside {spec.low}-{spec.high}")
    return value


def _check_cron_item(spec: _CronField, item: str) -> None:
    if item in ("*", "?"):
        raise ValueError(f"{spec.label} field: {item!r} must stand alone, not in a list")
    base, slash, step = item.partition("/")
    if slash:
        if not spec.step:
            raise ValueError(f"{spec.label} field: '/' is not allowed here")
        if not step.isdigit() or not 1 <= int(step) <= spec.high:
            raise ValueError(f"{spec.label} field: increment {step!r} must be a number in 1-{spec.high}")
        if base == "*":
            return
    elif spec.label == "day-of-month" and base in ("L", "LW"):
        return
    elif spec.label == "day-of-month" and base.endswith("W"):
        _cron_value(spec, base[:-1], "day before W")
        return
    elif spec.label == "day-of-week" and base == "L":
        return
    elif spec.label == "day-of-week" and base.endswith("L"):
        _cron_value(spec, base[:-1], "day before L")
        return
    elif spec.label == "day-of-week" and "#" in base:
        day, _, nth = base.partition("#")
        _cron_value(spec, day, "day before #")
        if nth not in ("1", "2", "3", "4", "5"):
            raise ValueError(f"{spec.label} field: occurrence after # must be 1-5, not {nth!r}")
        return
    first, dash, last = base.partition("-")
    _cron_value(spec, first)
    if dash:
        _cron_value(spec, last)


def _check_cron(body: str) -> None:
    fields = body.split()
    if len(fields) != len(_CRON_FIELDS):
        raise ValueError(
            f"cron() needs 6 fields (minutes hours day-of-month month day-of-week year), got {len(fields)}"
        )
    for spec, text in zip(_CRON_FIELDS, fields, strict=True):
        if text == "*" or (text == "?" and spec.question):
            continue
        if text == "?":
            raise ValueError(f"{spec.label} field: '?' is allowed only in day-of-month and day-of-week")
        for item in text.split(","):
            _check_cron_item(spec, item)
    if (fields[2] == "?") == (fields[4] == "?"):
        raise ValueError("exactly one of day-of-month and day-of-week must be '?' (EventBridge rule)")


def _check_rate(value: str, unit: str) -> None:
    if not (value.isdigit() and value.isascii()) or value.startswith("0"):
        raise ValueError(f"rate value {value!r} must be a positive whole number")
    singular = unit.removesuffix("s")
    if singular not in _RATE_UNITS:
        raise ValueError(f"rate unit {unit!r} must be minute(s), hour(s) or day(s)")
    expected = singular if value == "1" else f"{singular}s"
    if unit != expected:
        raise ValueError(f"rate({value} {unit}): EventBridge wants {expected!r} for a value of {value}")


def check_schedule(expression: str) -> str:
    """Validate an EventBridge schedule expression, `rate(N unit)` or `cron(6 fields)`; return it."""
    if expression.startswith("cron(") and expression.endswith(")"):
        try:
            _check_cron(expression[len("cron(") : -1])
        except ValueError as error:
            raise ValueError(f"invalid cron expression: {error}") from None
        return expression
    rate = _RATE.match(expression)
    if rate:
        _check_rate(rate["value"], rate["unit"])
        return expression
    if expression.startswith("rate("):
        raise ValueError("invalid rate expression: write rate(N unit), e.g. rate(1 day) or rate(6 hours)")
    raise ValueError("must be rate(N unit) or cron(minutes hours day-of-month month day-of-week year)")


Schedule = Annotated[str, Field(min_length=1, max_length=256), AfterValidator(check_schedule)]
