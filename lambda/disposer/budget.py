"""The time one invocation may spend, taken when its event arrives and spent by every phase of its run.

An API request gets API_BUDGET_SECONDS from its arrival (API Gateway gives up after 29 s); a scheduled
run or a workflow step gets what Lambda leaves it, less a margin to write its report. The CodeArtifact
adapter starts no call once the budget is spent, so whatever was not reached is reported, never done
after the caller has gone.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

# API Gateway's integration timeout is 29 s: the answer must be on its way well before.
API_BUDGET_SECONDS = 25.0
# What a scheduled run or a workflow step keeps back from Lambda's timeout to log its report and metrics.
REPORT_MARGIN_SECONDS = 30.0

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Budget:
    """A deadline on `clock` (time.monotonic), or none."""

    deadline: float | None
    seconds: float | None
    clock: Clock = field(default=time.monotonic, compare=False, repr=False)

    @classmethod
    def unlimited(cls) -> "Budget":
        return cls(deadline=None, seconds=None)

    @classmethod
    def starting_now(cls, seconds: float, *, clock: Clock = time.monotonic) -> "Budget":
        return cls(deadline=clock() + seconds, seconds=seconds, clock=clock)

    @classmethod
    def for_invocation(
        cls, remaining_ms: int, *, limit: float | None = None, margin: float = 0.0, clock: Clock = time.monotonic
    ) -> "Budget":
        """What is left of Lambda's time less `margin`, and at most `limit` seconds, from now."""
        seconds = max(0.0, remaining_ms / 1000 - margin)
        return cls.starting_now(seconds if limit is None else min(limit, seconds), clock=clock)

    @property
    def exhausted(self) -> bool:
        return self.deadline is not None and self.clock() >= self.deadline

    def remaining(self) -> float | None:
        return None if self.deadline is None else max(0.0, self.deadline - self.clock())

    def describe(self) -> str:
        return "no time budget" if self.seconds is None else f"the time budget of {self.seconds:.1f} s ran out"
