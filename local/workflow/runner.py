"""One local run of the workflow: the definition as synthesized, the steps function in process, moto for S3,
DynamoDB, SSM and EventBridge, the emulator for CodeArtifact, and a local Step Functions endpoint, so that
approvals go through the same Step Functions calls as in AWS.

What the environment does not name (the reports bucket, the ledger table) is created in moto here, as
the demo does; only the endpoints are needed.
"""

import json
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import boto3

from disposer import services
from disposer.constants import RUN_EVENT_DETAIL_TYPE
from disposer.reports import layout
from disposer.reports.store import RunStore
from disposer.settings import Settings
from local.asl import Clock, Environment, Execution, StepFunctions, SystemClock, local_stepfunctions
from local.events import LOCAL_ACCOUNT, LOCAL_REGION, LambdaContext, process_clock
from local.tables import create_ledger_table
from local.workflow.definition import STEPS_FUNCTION, workflow_definition

Decision = Literal["approve", "reject"]
LOCAL_BUCKET = "disposer-reports-local"
LOCAL_LEDGER = "disposer-ledger-local"
MACHINE_NAME = "CodeArtifactDisposer-runs"
# The steps function's timeout in AWS: each invocation here gets the same budget.
STEP_TIMEOUT_MS = 900_000
OPERATOR = f"arn:aws:sts::{LOCAL_ACCOUNT}:assumed-role/PlatformOps/local"


@dataclass
class RunResult:
    """A finished local run: its execution, its report (None if none was written) and the events it put."""

    execution: Execution
    report: dict[str, Any] | None
    events: list[dict[str, Any]]
    shards: int

    @property
    def aborted(self) -> bool:
        return self.report is not None and bool(self.report.get("aborted"))

    def summary(self) -> dict[str, Any]:
        """The one JSON line `python -m local.workflow` prints."""
        report = self.report or {}
        return {
            "runId": report.get("runId"),
            "status": self.execution.status.value,
            "planDigest": report.get("planDigest"),
            "totals": report.get("totals"),
            "outcomes": report.get("outcomes"),
            "shards": self.shards,
            "aborted": self.aborted,
            "abortedReason": report.get("abortedReason"),
            "planLocation": report.get("planLocation"),
            "error": self.execution.error,
            "events": [entry["DetailType"] for entry in self.events],
        }


@dataclass
class LocalWorkflow:
    """The state machine and everything around it, for as long as the `local_workflow` context lasts."""

    service: StepFunctions
    machine_arn: str
    store: RunStore
    events: list[dict[str, Any]] = field(default_factory=list)

    def run(
        self,
        policy: str,
        *,
        as_of: datetime | None = None,
        decision: Decision | None = None,
        shard_packages: int | None = None,
        event: dict[str, Any] | None = None,
    ) -> RunResult:
        """Run deployed policy `policy` as its schedule would, now or at `as_of` (the functions' clock then reads
        that time too), in shards of `shard_packages`; answer an approval as `decision` says (None: leave it
        to its timeout). `event` replaces the run event (a redelivered one, say)."""
        event = event or run_event(policy, as_of or datetime.now(UTC))
        first = len(self.events)
        sizes = {"DISPOSER_SHARD_PACKAGES": str(shard_packages)} if shard_packages else {}
        with process_clock(as_of) if as_of is not None else _nothing(), _environment(sizes):
            # Named by the run id, as the API names the runs it starts (a redelivered event gets a name of its own).
            name = event["id"] if first_start(self.service, self.machine_arn, event["id"]) else str(uuid.uuid4())
            execution = self.service.start_execution(self.machine_arn, json.dumps(event), name=name)
            if decision is not None:
                self._decide(execution, event["id"], decision)
            execution.wait()
        report = self.store.get_json(layout.report_key(event["id"]))
        shards = self.store.get_json(layout.shards_key(event["id"])) or []
        return RunResult(execution, report, self.events[first:], len(shards))

    def _decide(self, execution: Execution, run_id: str, decision: Decision) -> None:
        """Wait for the run to end, or to ask for an approval, then answer it as `decision` says, through the
        same use case as the API's POST /runs/{runId}/approve and /reject (Step Functions' task token)."""
        while not execution.wait(timeout=0.05):
            approval = self.store.get_json(layout.approval_key(run_id))
            if approval is None:
                continue
            directory = services.run_directory(Settings.from_environment())
            assert directory is not None, "local_workflow names the state machine and the bucket"
            if decision == "approve":
                directory.approve(run_id, str(approval["planDigest"]), OPERATOR)
            else:
                directory.reject(run_id, OPERATOR, "rejected in a local run")
            return


@contextmanager
def local_workflow(
    policies_file: Path,
    *,
    shard_packages: int | None = None,
    functions: Mapping[str, Any] | None = None,
    clock: Clock | None = None,
) -> Iterator[LocalWorkflow]:
    """The workflow ready to run policies of `policies_file`; the environment's endpoints must point at the
    emulator (AWS_ENDPOINT_URL_CODEARTIFACT) and moto (AWS_ENDPOINT_URL). `functions` replaces the steps
    function (a test that makes one invocation crash, as Lambda can); `clock` the Step Functions' clock (a
    FakeClock lets a task's timeout pass at once)."""
    with ExitStack() as stack:
        stack.enter_context(_environment(_settings(policies_file, shard_packages)))
        events: list[dict[str, Any]] = []
        moto = os.environ.get("AWS_ENDPOINT_URL")
        environment = Environment(
            functions=functions or {STEPS_FUNCTION: steps_function},
            s3=boto3.client("s3", endpoint_url=moto),
            put_events=_recorder(events, boto3.client("events", endpoint_url=moto)),
            region=LOCAL_REGION,
            account=LOCAL_ACCOUNT,
            clock=clock or SystemClock(),
        )
        service = StepFunctions(environment)
        machine = service.create_state_machine(MACHINE_NAME, workflow_definition())
        url = stack.enter_context(local_stepfunctions(service))
        stack.enter_context(_environment({"AWS_ENDPOINT_URL_SFN": url, "DISPOSER_STATE_MACHINE_ARN": machine.arn}))
        store = RunStore(os.environ["DISPOSER_REPORTS_BUCKET"], boto3.client("s3", endpoint_url=moto))
        yield LocalWorkflow(service, machine.arn, store, events)
        service.close()


def steps_function(event: Any) -> Any:
    """The steps function's handler, as Lambda calls it."""
    from disposer.steps import lambda_handler

    context = LambdaContext(function_name=STEPS_FUNCTION, remaining_time_in_millis=STEP_TIMEOUT_MS)
    return lambda_handler(event, context)


def _settings(policies_file: Path, shard_packages: int | None) -> dict[str, str]:
    """The steps function's environment: the deployment's, with what it does not name made in moto."""
    moto = os.environ.get("AWS_ENDPOINT_URL")
    settings = {"DISPOSER_POLICIES_FILE": str(policies_file.resolve())}
    if shard_packages is not None:
        settings["DISPOSER_SHARD_PACKAGES"] = str(shard_packages)
    if not os.environ.get("DISPOSER_REPORTS_BUCKET"):
        s3 = boto3.client("s3", endpoint_url=moto)
        if LOCAL_BUCKET not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
            s3.create_bucket(Bucket=LOCAL_BUCKET)
        settings["DISPOSER_REPORTS_BUCKET"] = LOCAL_BUCKET
    if not os.environ.get("DISPOSER_LEDGER_TABLE"):
        dynamodb = boto3.client("dynamodb", endpoint_url=moto)
        if LOCAL_LEDGER not in dynamodb.list_tables()["TableNames"]:
            create_ledger_table(dynamodb, LOCAL_LEDGER)
        settings["DISPOSER_LEDGER_TABLE"] = LOCAL_LEDGER
    return settings


def _recorder(events: list[dict[str, Any]], client: Any) -> Any:
    def put_events(entries: list[dict[str, Any]]) -> Mapping[str, Any]:
        events.extend(entries)
        answer: Mapping[str, Any] = client.put_events(Entries=entries)
        return answer

    return put_events


def run_event(policy: str, at: datetime) -> dict[str, Any]:
    """What a schedule rule delivers (the deployed policy named), as EventBridge stamps it."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": RUN_EVENT_DETAIL_TYPE,
        "source": "aws.events",
        "account": LOCAL_ACCOUNT,
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": LOCAL_REGION,
        "resources": [f"arn:aws:events:{LOCAL_REGION}:{LOCAL_ACCOUNT}:rule/local-{policy}"],
        "detail": {"name": policy},
    }


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def first_start(service: StepFunctions, machine_arn: str, name: str) -> bool:
    """True if no execution of the machine has this name yet."""
    return all(execution.name != name for execution in service.list_executions(machine_arn))
