"""A run workflow in moto for the tests: a reports bucket and a state machine, the files the steps write, and
a state machine that records the answers sent to waiting tasks.

moto's Step Functions starts, describes, lists and stops executions, and accepts SendTaskSuccess and
SendTaskFailure without doing anything: `AnsweringMachine` wraps the real adapter and keeps each answer,
so a test sees what was sent through the same calls."""

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import boto3
import pytest

from disposer import aws, clock
from disposer.model.executions import Execution
from disposer.model.workflow import RunRecord
from disposer.reports import layout
from disposer.reports.store import RunStore
from disposer.stepfunctions.machine import StateMachine

BUCKET = "disposer-reports"
MACHINE = "disposer-runs"
ROLE = "arn:aws:iam::123456789012:role/disposer-runs"
REQUESTER = "arn:aws:sts::111122223333:assumed-role/Developers/dana"
POLICY = {
    "name": "prune-ui",
    "domain": "acme",
    "repository": "releases",
    "mode": "apply",
    "select": {"olderThanDays": 90},
    "keep": {"latest": 3},
}
DIGEST = "v1:0123456789abcdef0123456789abcdef"
OTHER_DIGEST = "v1:ffffffffffffffffffffffffffffffff"
TOTALS = {"packages": 2, "versions": 18, "keep": 10, "dispose": 8, "archive": 0, "rules": {"dispose:older-than": 8}}


@dataclass
class AnsweringMachine:
    """The state machine adapter, its answers to waiting tasks kept (then sent, to moto, as they would be)."""

    machine: StateMachine
    answers: list[dict[str, Any]] = field(default_factory=list)

    def execution_arn(self, name: str) -> str:
        return self.machine.execution_arn(name)

    def start(self, name: str, document: Mapping[str, Any]) -> str:
        return self.machine.start(name, document)

    def describe(self, execution_arn: str) -> Execution | None:
        return self.machine.describe(execution_arn)

    def list_executions(
        self, *, status: str | None, limit: int, token: str | None
    ) -> tuple[list[Execution], str | None]:
        return self.machine.list_executions(status=status, limit=limit, token=token)

    def send_task_success(self, token: str, output: Mapping[str, Any]) -> None:
        self.answers.append({"success": token, "output": dict(output)})
        self.machine.send_task_success(token, output)

    def send_task_failure(self, token: str, *, error: str, cause: str) -> None:
        self.answers.append({"failure": token, "error": error, "cause": cause})
        self.machine.send_task_failure(token, error=error, cause=cause)


@dataclass
class Workflow:
    """The bucket and the machine of one test, with boto3 clients to seed and read them independently."""

    s3: Any
    sfn: Any
    machine_arn: str
    bucket: str = BUCKET

    @property
    def store(self) -> RunStore:
        return RunStore(self.bucket, aws.client("s3"))

    def execution_arn(self, name: str) -> str:
        return f"{self.machine_arn.replace(':stateMachine:', ':execution:')}:{name}"

    def answering(self) -> AnsweringMachine:
        return AnsweringMachine(StateMachine(self.machine_arn, aws.client("stepfunctions")))

    def read(self, key: str) -> Any:
        try:
            return json.loads(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        except self.s3.exceptions.NoSuchKey:
            return None

    def write(self, key: str, document: Any) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=json.dumps(document).encode())

    def execute(self, name: str, document: dict[str, Any]) -> str:
        """An execution started as EventBridge or the API would start it; its ARN."""
        return str(
            self.sfn.start_execution(stateMachineArn=self.machine_arn, name=name, input=json.dumps(document))[
                "executionArn"
            ]
        )

    def started(self, run_id: str, execution_arn: str, *, trigger: str = "api", caller: str = REQUESTER) -> None:
        """run.json, as the start step writes it."""
        now = clock.now().isoformat()
        record = RunRecord(
            run_id=run_id,
            execution_arn=execution_arn,
            policy=POLICY,
            as_of=now,
            started_at=now,
            trigger=trigger,  # type: ignore[arg-type]
            caller=caller,
        )
        self.write(layout.run_key(run_id), record.model_dump(by_alias=True))

    def awaiting(
        self, run_id: str, *, token: str = "task-token-1", expires_in: timedelta = timedelta(hours=24)
    ) -> None:
        """approval.json, as the await_approval step writes it."""
        now = clock.now()
        self.write(
            layout.approval_key(run_id),
            {
                "token": token,
                "planDigest": DIGEST,
                "totals": TOTALS,
                "requestedAt": now.isoformat(),
                "expiresAt": (now + expires_in).isoformat(),
            },
        )


@dataclass
class Runs:
    """A workflow the function is configured to use, and the answers sent to its waiting runs."""

    workflow: Workflow
    answers: list[dict[str, Any]]


def make_workflow(endpoint_url: str | None = None, *, bucket: str = BUCKET, machine: str = MACHINE) -> Workflow:
    """The bucket and the machine, in whatever moto the caller started (at `endpoint_url`: moto's server)."""
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint_url)
    s3.create_bucket(Bucket=bucket)
    sfn = boto3.client("stepfunctions", region_name="us-east-1", endpoint_url=endpoint_url)
    definition = {"StartAt": "Wait", "States": {"Wait": {"Type": "Pass", "End": True}}}
    arn = sfn.create_state_machine(name=machine, definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    return Workflow(s3, sfn, str(arn), bucket)


@pytest.fixture
def workflow() -> Iterator[Workflow]:
    """A reports bucket and a state machine in moto's in-process mock."""
    from moto import mock_aws

    with mock_aws():
        yield make_workflow()
