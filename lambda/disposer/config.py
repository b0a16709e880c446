"""Deployment settings, read once from the environment the stack sets (see infra/)."""

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from disposer.codeartifact.pacing import PacingPlan
from disposer.constants import (
    ENV_CONCURRENT_INVOCATIONS,
    ENV_DOMAIN,
    ENV_DOMAIN_OWNER,
    ENV_MAX_ATTEMPTS,
    ENV_MEASURE_BYTES,
    ENV_QUOTA_SHARE,
    ENV_REPOSITORIES,
    ENV_RUN_TABLE,
    ENV_THREADS,
    ENV_WORK_QUEUE_URL,
)
from disposer.errors import OutOfScopeError
from disposer.retention.patterns import glob_matches

DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_QUOTA_SHARE = 0.5
DEFAULT_THREADS = 8


class Settings(BaseModel):
    """Which domain and repositories this deployment may touch; unset means no restriction (local runs)."""

    model_config = ConfigDict(frozen=True)

    codeartifact_endpoint: str | None = None
    # Attempts per AWS call (botocore standard retry mode: throttles and 5xx, with backoff and jitter).
    max_attempts: int = Field(default=DEFAULT_MAX_ATTEMPTS, ge=1, le=10)
    # BytesReclaimed costs one ListPackageVersionAssets call per disposed version; it can be turned off.
    measure_bytes: bool = True
    # The share of each CodeArtifact account quota this deployment may use, split between the
    # invocations that can run at once; `threads` calls in flight per invocation.
    quota_share: float = Field(default=DEFAULT_QUOTA_SHARE, gt=0, le=1)
    concurrent_invocations: int = Field(default=1, ge=1, le=1000)
    threads: int = Field(default=DEFAULT_THREADS, ge=1, le=64)
    # Fan-out: without both, a run applies inline (the emulator, the demo, the tests by default).
    work_queue_url: str | None = None
    run_table: str | None = None
    domain: str | None = None
    domain_owner: str | None = None
    repositories: tuple[str, ...] = ()

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        return cls(
            # boto3 would read this itself; reading it here lets one warm process follow a changed value.
            codeartifact_endpoint=environ.get("AWS_ENDPOINT_URL_CODEARTIFACT") or None,
            max_attempts=int(environ.get(ENV_MAX_ATTEMPTS) or DEFAULT_MAX_ATTEMPTS),
            measure_bytes=environ.get(ENV_MEASURE_BYTES, "true").strip().lower() not in ("false", "0", "no", "off"),
            quota_share=float(environ.get(ENV_QUOTA_SHARE) or DEFAULT_QUOTA_SHARE),
            concurrent_invocations=int(environ.get(ENV_CONCURRENT_INVOCATIONS) or 1),
            threads=int(environ.get(ENV_THREADS) or DEFAULT_THREADS),
            work_queue_url=environ.get(ENV_WORK_QUEUE_URL) or None,
            run_table=environ.get(ENV_RUN_TABLE) or None,
            domain=environ.get(ENV_DOMAIN) or None,
            domain_owner=environ.get(ENV_DOMAIN_OWNER) or None,
            repositories=tuple(name.strip() for name in environ.get(ENV_REPOSITORIES, "").split(",") if name.strip()),
        )

    @property
    def pacing(self) -> PacingPlan:
        return PacingPlan(share=self.quota_share, invocations=self.concurrent_invocations)

    def check_domain(self, *, domain: str, domain_owner: str | None) -> None:
        """Refuse, before any AWS call, a domain the deployment is not meant to manage (IAM would too)."""
        if self.domain is not None and domain != self.domain:
            raise OutOfScopeError(f"domain '{domain}' is not managed by this deployment (it manages '{self.domain}')")
        if self.domain_owner is not None and domain_owner is not None and domain_owner != self.domain_owner:
            raise OutOfScopeError(f"domainOwner '{domain_owner}' is not managed by this deployment")

    def allows_repository(self, repository: str) -> bool:
        # The same glob dialect as policies (only * and ?), so scope and selectors never disagree.
        return not self.repositories or any(glob_matches(glob, repository) for glob in self.repositories)

    def check_scope(self, *, domain: str, domain_owner: str | None, repository: str) -> None:
        """Refuse, before any AWS call, what the deployment is not meant to manage (IAM would too)."""
        self.check_domain(domain=domain, domain_owner=domain_owner)
        if not self.allows_repository(repository):
            raise OutOfScopeError(
                f"repository '{repository}' is not managed by this deployment "
                f"(it manages {', '.join(self.repositories)})"
            )
