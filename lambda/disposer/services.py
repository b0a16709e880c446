"""Per-invocation wiring: the adapters and use cases a run or a request uses, built from the settings, for the
functions and the CLI alike; AWS clients are made once per process (a cold start) and shared by every warm
invocation."""

from functools import cache
from typing import TYPE_CHECKING, Any, cast

from disposer import aws
from disposer.budget import Budget
from disposer.codeartifact.client import CodeArtifactClient, Timeouts, create_client
from disposer.codeartifact.pacing import PacingPlan, QuotaPacer, RatePacer
from disposer.ledger.table import LedgerTable
from disposer.ledger.usage_store import UsageTable
from disposer.reports.store import RunStore
from disposer.safety.holds import HoldBook
from disposer.safety.switch import DisposalSwitch
from disposer.settings import Settings
from disposer.ssm.parameter import SwitchParameter
from disposer.stepfunctions.machine import StateMachine
from disposer.trail.history import EventHistoryClient, create_history_client
from disposer.trail.objects import TrailObjects
from disposer.workflow.directory import RunDirectory

if TYPE_CHECKING:
    from mypy_boto3_codeartifact import CodeArtifactClient as Boto3Client
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_stepfunctions import SFNClient
else:
    Boto3Client = DynamoDBClient = S3Client = SFNClient = Any


# An API request's 25 s: a read attempt may start until 7 s before its end (a listing answers in well under
# a second), a write until 18 s before, because its answer is waited for in full: a write is never done
# after the request is answered. Scheduled runs and the workflow's steps, with minutes, wait 15 s for any answer.
API_READS = Timeouts(connect=2.0, read=5.0)
API_WRITES = Timeouts(connect=3.0, read=15.0)
# CloudTrail's LookupEvents quota: 2 requests a second per account and region, shared with every other user. A
# backfill keeps 5% under it (an attempt every 0.526 s), so that the network's jitter never brings three attempts
# into one second at the service.
LOOKUP_EVENTS_TPS = 2.0
LOOKUP_EVENTS_PACE = 0.95 * LOOKUP_EVENTS_TPS


@cache
def _codeartifact_client(
    endpoint_url: str | None, max_attempts: int, pacing: PacingPlan, threads: int, timeouts: Timeouts
) -> Boto3Client:
    # The pacer lives with the client, so every call this process makes shares the same buckets.
    # A run's listings, age searches and (early start) disposals each have a pool of `threads`.
    pool = 3 * threads
    return create_client(
        endpoint_url=endpoint_url, max_attempts=max_attempts, pacer=QuotaPacer(pacing), pool=pool, timeouts=timeouts
    )


@cache
def _dynamodb(endpoint_url: str | None) -> DynamoDBClient:
    return cast("DynamoDBClient", aws.client("dynamodb", endpoint_url=endpoint_url))


@cache
def _s3(endpoint_url: str | None) -> S3Client:
    return cast("S3Client", aws.client("s3", endpoint_url=endpoint_url))


@cache
def _sfn(endpoint_url: str | None) -> SFNClient:
    return cast("SFNClient", aws.client("stepfunctions", endpoint_url=endpoint_url))


def codeartifact(
    settings: Settings, budget: Budget, *, api: bool = False, invocations: int | None = None
) -> CodeArtifactClient:
    """The CodeArtifact adapter of one invocation: its own call counter, no attempt that could outlast `budget`,
    and no write while the kill switch is off. An API request's (`api`) reads and writes get the timeouts
    that fit its 25 s. It paces itself to 1/`invocations` of the share (None: the deployment's
    concurrent invocations): a workflow step names how many of it its Map runs at once."""
    pacing = PacingPlan(share=settings.quota_share, invocations=invocations or settings.concurrent_invocations)

    def client(timeouts: Timeouts) -> Boto3Client:
        return _codeartifact_client(
            settings.codeartifact_endpoint, settings.max_attempts, pacing, settings.threads, timeouts
        )

    if api:
        reads, writes = client(API_READS), client(API_WRITES)
    else:
        reads = writes = client(Timeouts())
    return CodeArtifactClient(reads, writer=writes, threads=settings.threads, budget=budget, switch=switch(settings))


@cache
def _switch(name: str, endpoint_url: str | None, cache_seconds: float) -> DisposalSwitch:
    # One per process: warm invocations share its last read (at most cache_seconds old).
    parameter = SwitchParameter(name, aws.client("ssm", endpoint_url=endpoint_url))
    return DisposalSwitch(parameter, cache_seconds=cache_seconds)


def switch(settings: Settings) -> DisposalSwitch | None:
    """The deployment's kill switch, or None where there is none (local runs without the variable)."""
    if settings.switch_parameter is None:
        return None
    return _switch(settings.switch_parameter, settings.ssm_endpoint, settings.switch_cache_seconds)


def ledger(settings: Settings) -> LedgerTable | None:
    if settings.ledger_table is None:
        return None
    return LedgerTable(settings.ledger_table, _dynamodb(settings.dynamodb_endpoint))


def usage_store(settings: Settings) -> UsageTable | None:
    """The ledger as the usage recorder writes it, or None where there is no ledger table."""
    if settings.ledger_table is None:
        return None
    return UsageTable(settings.ledger_table, _dynamodb(settings.dynamodb_endpoint), threads=settings.threads)


@cache
def lookup_pacer() -> RatePacer:
    """The process's one pacer of LookupEvents: every attempt of every backfill in it waits for its turn."""
    return RatePacer(LOOKUP_EVENTS_PACE)


@cache
def _cloudtrail(endpoint_url: str | None, max_attempts: int) -> Any:
    return create_history_client(
        endpoint_url=endpoint_url, max_attempts=max_attempts, before_send=lookup_pacer().before_send
    )


def event_history(settings: Settings, budget: Budget) -> EventHistoryClient:
    """CloudTrail's event history for one invocation: paced with every other in the process, inside `budget`."""
    return EventHistoryClient(_cloudtrail(settings.cloudtrail_endpoint, settings.max_attempts), budget=budget)


def trail_objects(settings: Settings) -> TrailObjects:
    """The trail's bucket, read as a stream."""
    return TrailObjects(_s3(settings.s3_endpoint))


def holds(settings: Settings) -> HoldBook | None:
    """The deployment's holds, or None where there is no ledger table."""
    table = ledger(settings)
    return None if table is None else HoldBook(table)


def reports(settings: Settings) -> RunStore | None:
    """The reports bucket of the run workflow, or None where the deployment has none (local inline runs)."""
    if settings.reports_bucket is None:
        return None
    return RunStore(settings.reports_bucket, _s3(settings.s3_endpoint))


def state_machine(settings: Settings) -> StateMachine | None:
    """The run workflow's state machine, or None where the deployment has none."""
    if settings.state_machine_arn is None:
        return None
    return StateMachine(settings.state_machine_arn, _sfn(settings.sfn_endpoint))


def run_directory(settings: Settings) -> RunDirectory | None:
    """The workflow's runs (start, read, list, approve), or None without both the state machine and the bucket."""
    store, machine = reports(settings), state_machine(settings)
    return None if store is None or machine is None else RunDirectory(store, machine)
