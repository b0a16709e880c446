"""Who asked for a run, and what a run met on its way that the plan does not show."""

from dataclasses import dataclass, field
from typing import Literal

from disposer.model.packages import PackageRef

Trigger = Literal["api", "schedule", "cli"]


@dataclass(frozen=True, slots=True)
class RunContext:
    """Who asked for a run and how; carried into every audit record."""

    run_id: str
    trigger: Trigger
    caller: str | None
    dry_run: bool
    policy: str | None = None


@dataclass(frozen=True, slots=True)
class RunProblem:
    """Something a run could not do (read a repository or package, finish): the run goes on without it, or
    stops with it; the report's `errors` list each one."""

    scope: str
    error_code: str
    error_message: str
    # The package it is about, where it is one (keep.dependencies keeps what an unread package may need).
    ref: PackageRef | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Listed:
    """Every package the run covers has been listed: what the finished plan can at most dispose."""

    packages: int
    # The most versions the finished plan can dispose (retention.bound.disposal_bound, summed).
    bound: int
    # Versions in a disposable status (Published, Unlisted, Archived), selected or not.
    disposable: int
