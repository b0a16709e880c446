"""Fixtures of the integration tier: the real handlers against the emulator over HTTP and moto in server
mode, with every AWS call a function makes held to its role in the synthesized stack."""

import copy
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from disposer import services
from disposer.settings import Settings
from local.launcher import moto_process
from local.tables import create_ledger_table
from tests.iam import ACCOUNT, RECORDER, missing_permissions, synthesized
from tests.integration.seeds import API_SEED
from tests.workflow_runs import MACHINE, AnsweringMachine, Runs, make_workflow


@pytest.fixture(autouse=True)
def iam_allows_every_call() -> Iterator[None]:
    """Fail the test if a function made an AWS call that its role in the synthesized stack does not allow."""
    RECORDER.take()
    yield
    missing = missing_permissions(RECORDER.take(), synthesized)
    if missing:
        pytest.fail("IAM would refuse:\n" + "\n".join(missing), pytrace=False)


@pytest.fixture
def seed() -> dict[str, Any]:
    """The API tests' domain (tests/integration/seeds.py); retention tests override it."""
    return copy.deepcopy(API_SEED)


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """moto in server mode on a free loopback port, for DynamoDB, SSM, S3 and EventBridge."""
    with moto_process() as url:
        yield url


@pytest.fixture
def ledger_name(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A ledger table of its own in moto, and the functions configured to use it; its name."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", moto_url)
    name = f"ledger-{uuid.uuid4().hex[:8]}"
    create_ledger_table(boto3.client("dynamodb", endpoint_url=moto_url), name)
    monkeypatch.setenv("DISPOSER_LEDGER_TABLE", name)
    return name


@dataclass
class Switch:
    """The kill switch parameter of one test, in moto."""

    ssm: Any
    name: str

    def set(self, value: str) -> None:
        self.ssm.put_parameter(Name=self.name, Value=value, Type="String", Overwrite=True)

    def off(self) -> None:
        self.set("disabled")

    def on(self) -> None:
        self.set("enabled")


@pytest.fixture
def switch(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Switch:
    """A kill switch of its own in moto, enabled, read afresh at every write (cache 0 s unless a test says)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", moto_url)
    name = f"/disposer-{uuid.uuid4().hex[:8]}/disposals"
    ssm = boto3.client("ssm", endpoint_url=moto_url)
    ssm.put_parameter(Name=name, Value="enabled", Type="String")
    monkeypatch.setenv("DISPOSER_SWITCH_PARAMETER", name)
    monkeypatch.setenv("DISPOSER_SWITCH_CACHE_SECONDS", "0")
    return Switch(ssm, name)


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Runs]:
    """A reports bucket and a state machine in moto's in-process mock, the function configured to use them.
    The machine has the stack's account and name, so its executions are the ones the stack's grants name;
    the answers sent to waiting runs are kept (tests/workflow_runs.py)."""
    monkeypatch.setenv("MOTO_ACCOUNT_ID", ACCOUNT)
    with mock_aws():
        workflow = make_workflow(machine=stack_machine_name())
        monkeypatch.setenv("DISPOSER_REPORTS_BUCKET", workflow.bucket)
        monkeypatch.setenv("DISPOSER_STATE_MACHINE_ARN", workflow.machine_arn)
        answers: list[dict[str, Any]] = []
        made = services.state_machine

        def answering(settings: Settings) -> AnsweringMachine | None:
            machine = made(settings)
            return None if machine is None else AnsweringMachine(machine, answers)

        monkeypatch.setattr(services, "state_machine", answering)
        yield Runs(workflow, answers)


def stack_machine_name() -> str:
    """The run state machine's name in the synthesized stack (the tests' own where the stack has none)."""
    names = [
        resource["Properties"].get("StateMachineName")
        for resource in synthesized(False)["Resources"].values()
        if resource["Type"] == "AWS::StepFunctions::StateMachine"
    ]
    return names[0] if names and isinstance(names[0], str) else MACHINE


# Every AWS call a function makes in this tier is recorded, and checked against its role in the stack.
RECORDER.install()
