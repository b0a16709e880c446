"""Per-process wiring: settings from the environment and one CodeArtifact client per endpoint."""

from functools import cache

from disposer.codeartifact.client import CodeArtifactClient, CodeArtifactGateway, create_client
from disposer.codeartifact.pacing import PacingPlan, QuotaPacer
from disposer.config import Settings


def settings() -> Settings:
    return Settings.from_environment()


@cache
def _client(endpoint_url: str | None, max_attempts: int, pacing: PacingPlan, threads: int) -> CodeArtifactClient:
    # Created once per execution environment (cold start), reused by every warm invocation; the pacer
    # lives with the client so that every call this process makes shares the same buckets.
    return create_client(endpoint_url=endpoint_url, max_attempts=max_attempts, pacer=QuotaPacer(pacing), pool=threads)


def gateway_for(current: Settings) -> CodeArtifactGateway:
    client = _client(current.codeartifact_endpoint, current.max_attempts, current.pacing, current.threads)
    return CodeArtifactGateway(client, threads=current.threads)
