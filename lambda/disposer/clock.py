"""The function's own clock: what every safety time is read from (a hold's expiry, a quarantine's start and
grace, the bounds on a run's decision clock). Never a caller's: an event's `time` or the CLI's `--as-of`
only ever set a run's decision clock (ages). One function, so a test moves the process's clock by
patching `disposer.clock.now`."""

from datetime import UTC, datetime


def now() -> datetime:
    """The current time, UTC."""
    return datetime.now(UTC)
