"""Retention runs: the domain seeded relative to the scheduled run's clock."""

from typing import Any

import pytest

from tests.integration.seeds import RUN_TIME, retention_seed


@pytest.fixture
def seed() -> dict[str, Any]:
    return retention_seed(RUN_TIME)
