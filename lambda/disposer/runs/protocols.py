"""The parts a run is made of: where its plan comes from, and how its writes are carried out."""

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from disposer.model.plans import PackagePlan, Plan
from disposer.model.runs import Listed, RunContext, RunProblem
from disposer.runs.report import RunReport


class EarlyStart(Protocol):
    """Disposals that begin while the rest of the plan is made (see runs/pipeline.py)."""

    def begin(self, listed: Listed) -> bool:
        """Called once every package is listed; True if disposals may start now."""
        ...

    def submit(self, package: PackagePlan) -> None:
        """Dispose one planned package's disposals (after `begin` returned True)."""
        ...

    def finish(self) -> None:
        """Wait for every submitted package; re-raise what one raised."""
        ...


class PlanSource(Protocol):
    """Where a run's plan comes from."""

    @property
    def as_of(self) -> datetime: ...

    @property
    def errors(self) -> Sequence[RunProblem]: ...

    def plan(self, context: RunContext, early: EarlyStart | None = None) -> Plan: ...


class Executor(Protocol):
    """How a run's writes are carried out; what happened goes into the report (outcomes, parts staged, retry)."""

    def apply(self, report: RunReport) -> None: ...

    def early_start(self, report: RunReport) -> EarlyStart | None:
        """A way to dispose packages as they are planned, or None if this executor needs the whole plan."""
        ...
