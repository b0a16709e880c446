"""Deployment settings: the environment variables the stack sets, their defaults, and the model read once
per invocation. The stack (infra/) imports the names and defaults from here, so each is defined once.
"""

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from disposer.codeartifact.pacing import PacingPlan
from disposer.errors import OutOfScopeError
from disposer.retention.patterns import glob_matches

# The environment variables the stack sets and the functions read.
ENV_DOMAIN = "DISPOSER_DOMAIN"
ENV_DOMAIN_OWNER = "DISPOSER_DOMAIN_OWNER"
ENV_REPOSITORIES = "DISPOSER_REPOSITORIES"
ENV_MAX_ATTEMPTS = "DISPOSER_MAX_ATTEMPTS"
ENV_QUOTA_SHARE = "DISPOSER_QUOTA_SHARE"
ENV_CONCURRENT_INVOCATIONS = "DISPOSER_CONCURRENT_INVOCATIONS"
ENV_THREADS = "DISPOSER_THREADS"
ENV_MEASURE_BYTES = "DISPOSER_MEASURE_BYTES"
# Set together to fan a scheduled run's disposals out to the worker function.
ENV_WORK_QUEUE_URL = "DISPOSER_WORK_QUEUE_URL"
ENV_RUN_TABLE = "DISPOSER_RUN_TABLE"
# The policies file shipped with the function: run events may run only those policies.
ENV_POLICIES_FILE = "DISPOSER_POLICIES_FILE"
# The ledger table: remembered publish times, holds and quarantine records.
ENV_LEDGER_TABLE = "DISPOSER_LEDGER_TABLE"
# How long a fanned-out plan may wait for its worker: a part older than this is never applied.
ENV_PLAN_TTL_HOURS = "DISPOSER_PLAN_TTL_HOURS"
# The kill switch: an SSM String parameter; any value but SWITCH_ENABLED (or none) stops every write.
ENV_SWITCH_PARAMETER = "DISPOSER_SWITCH_PARAMETER"
# How long a read of the switch is trusted (writes stop at most this long, plus one call, after a flip).
ENV_SWITCH_CACHE_SECONDS = "DISPOSER_SWITCH_CACHE_SECONDS"

# Defaults, shared by the functions (a variable left unset) and the stack (a context key left out).
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_QUOTA_SHARE = 0.5
DEFAULT_THREADS = 8
MAX_THREADS = 64
DEFAULT_MEASURE_BYTES = False
MAX_CONCURRENT_INVOCATIONS = 1000
DEFAULT_PLAN_TTL_HOURS = 6.0
MAX_PLAN_TTL_HOURS = 24.0
SWITCH_ENABLED = "enabled"
DEFAULT_SWITCH_CACHE_SECONDS = 5.0
MAX_SWITCH_CACHE_SECONDS = 9.0

_FALSE = ("false", "0", "no", "off")


class Settings(BaseModel):
    """Which domain and repositories this deployment may touch; unset means no restriction (local runs)."""

    model_config = ConfigDict(frozen=True)

    # Endpoints that point the clients at local stand-ins (the emulator, moto); None: AWS itself.
    codeartifact_endpoint: str | None = None
    dynamodb_endpoint: str | None = None
    sqs_endpoint: str | None = None
    ssm_endpoint: str | None = None
    # Attempts per AWS call (botocore standard retry mode: throttles and 5xx, with backoff and jitter).
    max_attempts: int = Field(default=DEFAULT_MAX_ATTEMPTS, ge=1, le=10)
    # BytesReclaimed costs one ListPackageVersionAssets call per disposed version: opt in per deployment.
    measure_bytes: bool = DEFAULT_MEASURE_BYTES
    # The share of each CodeArtifact account quota this deployment may use, split between the
    # invocations that can run at once; `threads` calls in flight per invocation.
    quota_share: float = Field(default=DEFAULT_QUOTA_SHARE, gt=0, le=1)
    concurrent_invocations: int = Field(default=1, ge=1, le=MAX_CONCURRENT_INVOCATIONS)
    threads: int = Field(default=DEFAULT_THREADS, ge=1, le=MAX_THREADS)
    # Fan-out: without both, a run applies inline (the emulator, the demo, the tests by default).
    work_queue_url: str | None = None
    run_table: str | None = None
    ledger_table: str | None = None
    policies_file: str | None = None
    # A stale plan never disposes: parts of a plan made longer ago than this are reported EXPIRED.
    plan_ttl_hours: float = Field(default=DEFAULT_PLAN_TTL_HOURS, ge=0, le=MAX_PLAN_TTL_HOURS)
    # None: no kill switch (local runs); every write is allowed.
    switch_parameter: str | None = None
    switch_cache_seconds: float = Field(default=DEFAULT_SWITCH_CACHE_SECONDS, ge=0, le=MAX_SWITCH_CACHE_SECONDS)
    domain: str | None = None
    domain_owner: str | None = None
    repositories: tuple[str, ...] = ()

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        return cls(
            # boto3 would read these itself; reading them here lets one warm process follow a changed value.
            codeartifact_endpoint=environ.get("AWS_ENDPOINT_URL_CODEARTIFACT") or None,
            dynamodb_endpoint=environ.get("AWS_ENDPOINT_URL_DYNAMODB") or environ.get("AWS_ENDPOINT_URL") or None,
            sqs_endpoint=environ.get("AWS_ENDPOINT_URL_SQS") or environ.get("AWS_ENDPOINT_URL") or None,
            ssm_endpoint=environ.get("AWS_ENDPOINT_URL_SSM") or environ.get("AWS_ENDPOINT_URL") or None,
            max_attempts=int(environ.get(ENV_MAX_ATTEMPTS) or DEFAULT_MAX_ATTEMPTS),
            measure_bytes=(
                environ[ENV_MEASURE_BYTES].strip().lower() not in _FALSE
                if environ.get(ENV_MEASURE_BYTES, "").strip()
                else DEFAULT_MEASURE_BYTES
            ),
            quota_share=float(environ.get(ENV_QUOTA_SHARE) or DEFAULT_QUOTA_SHARE),
            concurrent_invocations=int(environ.get(ENV_CONCURRENT_INVOCATIONS) or 1),
            threads=int(environ.get(ENV_THREADS) or DEFAULT_THREADS),
            work_queue_url=environ.get(ENV_WORK_QUEUE_URL) or None,
            run_table=environ.get(ENV_RUN_TABLE) or None,
            ledger_table=environ.get(ENV_LEDGER_TABLE) or None,
            policies_file=environ.get(ENV_POLICIES_FILE) or None,
            plan_ttl_hours=float(environ.get(ENV_PLAN_TTL_HOURS) or DEFAULT_PLAN_TTL_HOURS),
            switch_parameter=environ.get(ENV_SWITCH_PARAMETER) or None,
            switch_cache_seconds=float(environ.get(ENV_SWITCH_CACHE_SECONDS) or DEFAULT_SWITCH_CACHE_SECONDS),
            domain=environ.get(ENV_DOMAIN) or None,
            domain_owner=environ.get(ENV_DOMAIN_OWNER) or None,
            repositories=tuple(name.strip() for name in environ.get(ENV_REPOSITORIES, "").split(",") if name.strip()),
        )

    @property
    def pacing(self) -> PacingPlan:
        return PacingPlan(share=self.quota_share, invocations=self.concurrent_invocations)

    @property
    def fans_out(self) -> bool:
        """True if scheduled runs send their disposals to the worker function."""
        return self.work_queue_url is not None and self.run_table is not None

    def check_domain(self, *, domain: str, domain_owner: str | None) -> None:
        """Refuse, before any AWS call, a domain the deployment is not meant to manage (IAM would too)."""
        if self.domain is not None and domain != self.domain:
            raise OutOfScopeError(f"domain '{domain}' is not managed by this deployment (it manages '{self.domain}')")
        if self.domain_owner is not None and domain_owner is not None and domain_owner != self.domain_owner:
            raise OutOfScopeError(f"domainOwner '{domain_owner}' is not managed by this deployment")

    def allows_repository(self, repository: str) -> bool:
        # The same glob dialect as policies (only * and ?), so scope and selectors never disagree.
        return not self.repositories or any(glob_matches(glob, repository) for glob in self.repositories)

    def check_scope(self, *, domain: str, domain_owner: str | None, repository: str | None) -> None:
        """Refuse, before any AWS call, what the deployment is not meant to manage (IAM would too); a
        repository of None (a policy's glob, narrowed to the managed ones when listed) is not checked."""
        self.check_domain(domain=domain, domain_owner=domain_owner)
        if repository is not None and not self.allows_repository(repository):
            raise OutOfScopeError(
                f"repository '{repository}' is not managed by this deployment "
                f"(it manages {', '.join(self.repositories)})"
            )
