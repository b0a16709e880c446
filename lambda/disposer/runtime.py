"""Per-process wiring: settings from the environment and one CodeArtifact client per endpoint."""

from functools import cache

from disposer.gateway import CodeArtifactClient, CodeArtifactGateway, create_client
from disposer.settings import Settings


def settings() -> Settings:
    return Settings.from_environment()


@cache
def _client(endpoint_url: str | None, max_attempts: int) -> CodeArtifactClient:
    # Created once per execution environment (cold start), reused by every warm invocation.
    return create_client(endpoint_url=endpoint_url, max_attempts=max_attempts)


def gateway_for(current: Settings) -> CodeArtifactGateway:
    return CodeArtifactGateway(_client(current.codeartifact_endpoint, current.max_attempts))
