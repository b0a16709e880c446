"""Retention runs: the domain seeded relative to the scheduled run's clock."""

from collections.abc import Iterator
from typing import Any

import pytest

from local.events import process_clock
from tests.integration.seeds import RUN_TIME, retention_seed


@pytest.fixture
def seed() -> dict[str, Any]:
    return retention_seed(RUN_TIME)


@pytest.fixture(autouse=True)
def at_run_time() -> Iterator[None]:
    """The function's own clock at the scheduled run's time: its event is fresh, and safety times (holds,
    quarantine) are measured from then, as in a deployed run at RUN_TIME."""
    with process_clock(RUN_TIME):
        yield
