"""A workflow step invoked by a Map paces itself to its part of the share: the Map's concurrency, not the
largest of the two Maps' (the steps plan up to planConcurrency shards at once, then apply up to
applyConcurrency parts at once, never both)."""

from typing import Any
from unittest.mock import MagicMock

import pytest

from disposer import services
from disposer.budget import Budget
from disposer.codeartifact.pacing import PacingPlan
from disposer.settings import ENV_APPLY_CONCURRENCY, ENV_PLAN_CONCURRENCY, Settings


@pytest.fixture
def paced(monkeypatch: pytest.MonkeyPatch) -> list[PacingPlan]:
    """The pacing of every CodeArtifact client made (no client is really made)."""
    plans: list[PacingPlan] = []

    def client(endpoint: Any, attempts: Any, pacing: PacingPlan, threads: Any, timeouts: Any) -> MagicMock:
        plans.append(pacing)
        return MagicMock()

    monkeypatch.setattr(services, "_codeartifact_client", client)
    return plans


def test_the_map_concurrencies_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(ENV_PLAN_CONCURRENCY, "10")
    monkeypatch.setenv(ENV_APPLY_CONCURRENCY, "2")
    settings = Settings.from_environment()
    assert (settings.plan_concurrency, settings.apply_concurrency) == (10, 2)


def test_unset_map_concurrencies_leave_the_deployments_split(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(ENV_PLAN_CONCURRENCY, raising=False)
    monkeypatch.delenv(ENV_APPLY_CONCURRENCY, raising=False)
    settings = Settings.from_environment()
    assert settings.plan_concurrency is None and settings.apply_concurrency is None


def test_an_invocation_takes_its_part_of_the_share(paced: list[PacingPlan]):
    # GIVEN a deployment whose steps run up to 10 at once (planning) and 2 at once (applying)
    settings = Settings(quota_share=0.5, concurrent_invocations=10, plan_concurrency=10, apply_concurrency=2)
    budget = Budget.for_invocation(900_000)
    # WHEN an apply_part invocation and another invocation make their clients
    services.codeartifact(settings, budget, invocations=settings.apply_concurrency)
    services.codeartifact(settings, budget)
    # THEN the part is paced to half the share (25 writes a second of 100), the other to a tenth
    applying, other = paced
    assert applying == PacingPlan(share=0.5, invocations=2)
    assert applying.rate(100.0) == 25.0
    assert other == PacingPlan(share=0.5, invocations=10)
