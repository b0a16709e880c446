"""RunWorkflow: the run state machine's definition, read back from the template, and how it is run."""

import json
from collections.abc import Iterator
from typing import Any

import aws_cdk as cdk
import boto3
import pytest
from aws_cdk.assertions import Template
from moto import mock_aws

from infra.constants import NOTIFICATION_SOURCE
from infra.names import bounded_name
from infra.stack import DisposerStack
from tests.infra.cdk_testkit import (
    granted,
    logical_id,
    only_resource,
    role_statements,
    state_machine_definition,
    state_machine_definition_text,
    steps_function,
)

TRANSIENT = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]
TRANSIENT_RETRY = {"ErrorEquals": TRANSIENT, "IntervalSeconds": 2, "MaxAttempts": 6, "BackoffRate": 2}
TO_REPORT = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "Report"}]
INVOKE = "arn:<AWS::Partition>:states:::lambda:invoke"
PUT_EVENTS = "arn:<AWS::Partition>:states:::events:putEvents"
# Where each state goes: Next (or End), a Choice's rules in order and its Default.
TRANSITIONS: dict[str, Any] = {
    "Start": "IsDuplicate",
    "IsDuplicate": ([("$.duplicate", "AlreadyStarted")], "Inventory"),
    "AlreadyStarted": None,
    "Inventory": "PlanShards",
    "PlanShards": "Merge",
    "Merge": "AnnouncePlanned",
    "AnnouncePlanned": "Planned",
    "Planned": (
        [("$.aborted", "Report"), ("$.mode", "Report"), ("$.approvalNeeded", "AnnounceApproval")],
        "ApplyParts",
    ),
    "AnnounceApproval": "AskApproval",
    "AskApproval": "Inventory",
    "ApplyParts": "Report",
    "Report": "Finished",
    "Finished": ([("$.aborted", "AnnounceAborted"), ("$.quarantined", "AnnounceQuarantined")], "AnnounceFinished"),
    "AnnounceQuarantined": "AnnounceFinished",
    "AnnounceFinished": "Done",
    "Done": None,
    "AnnounceAborted": "Aborted",
    "Aborted": None,
}


def _states(definition: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every state, those of the Maps' item processors included."""
    for name, state in definition["States"].items():
        yield name, state
        if "ItemProcessor" in state:
            yield from _states(state["ItemProcessor"])


def _rule(choice: dict[str, Any]) -> tuple[str, str]:
    condition = choice.get("Not", choice)
    return condition["Variable"], choice["Next"]


def test_definition_states_and_transitions_as_specified(template: Template):
    # GIVEN the synthesized definition
    definition = state_machine_definition(template)
    states = definition["States"]

    # WHEN / THEN it starts at Start, has exactly the specified states, and each goes where the spec says
    assert definition["StartAt"] == "Start"
    assert set(states) == set(TRANSITIONS)
    for name, expected in TRANSITIONS.items():
        state = states[name]
        if isinstance(expected, tuple):
            assert state["Type"] == "Choice", name
            assert ([_rule(choice) for choice in state["Choices"]], state["Default"]) == expected, name
        elif expected is None:
            assert state["Type"] in {"Succeed", "Fail"} and "Next" not in state, name
        else:
            assert state["Next"] == expected, name
    assert {name for name, state in states.items() if state["Type"] == "Succeed"} == {"AlreadyStarted", "Done"}


def test_definition_choices_test_the_run_state_exactly(template: Template):
    # GIVEN the three Choices
    states = state_machine_definition(template)["States"]

    # WHEN / THEN each rule is the specified comparison: a duplicate, an abort or quarantine (not null),
    # plan mode, an approval needed
    assert states["IsDuplicate"]["Choices"] == [
        {"Variable": "$.duplicate", "BooleanEquals": True, "Next": "AlreadyStarted"}
    ]
    assert states["Planned"]["Choices"] == [
        {"Not": {"Variable": "$.aborted", "IsNull": True}, "Next": "Report"},
        {"Variable": "$.mode", "StringEquals": "plan", "Next": "Report"},
        {"Variable": "$.approvalNeeded", "BooleanEquals": True, "Next": "AnnounceApproval"},
    ]
    assert states["Finished"]["Choices"] == [
        {"Not": {"Variable": "$.aborted", "IsNull": True}, "Next": "AnnounceAborted"},
        {"Not": {"Variable": "$.quarantined", "IsNull": True}, "Next": "AnnounceQuarantined"},
    ]
    assert states["Aborted"] == {
        "Type": "Fail",
        "Error": "RunAborted",
        "Cause": "the run was aborted: its report says why",
    }


def test_definition_every_lambda_task_invokes_the_steps_function_with_transient_retries(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN every Task that invokes Lambda, at the top level and in the Maps
    steps = f"<{steps_function(template)[0]}.Arn>"
    tasks = {
        name: state
        for name, state in _states(state_machine_definition(template))
        if "lambda:invoke" in state.get("Resource", "")
    }

    # WHEN / THEN they are the seven steps, each invoking the steps function by its ARN (Fn::GetAtt,
    # which a local interpreter resolves), retrying Lambda's transient errors as specified
    assert set(tasks) == {"Start", "Inventory", "PlanShard", "Merge", "AskApproval", "ApplyPart", "Report"}
    for name, task in tasks.items():
        assert task["Parameters"]["FunctionName"] == steps, name
        assert task["Retry"][-1] == TRANSIENT_RETRY, name
    raw = json.dumps(only_resource(template, "AWS::StepFunctions::StateMachine")[1]["Properties"]["DefinitionString"])
    assert json.dumps({"Fn::GetAtt": [steps_function(template)[0], "Arn"]}) in raw
    # AND a step's answer is its Payload, except where the state keeps its input (a shard, a part) or
    # puts the answer aside (the approval)
    assert {name for name, task in tasks.items() if task.get("OutputPath") == "$.Payload"} == {
        "Start",
        "Inventory",
        "Merge",
        "Report",
    }
    assert all(task["Resource"] == INVOKE for name, task in tasks.items() if name != "AskApproval")
    assert (tasks["PlanShard"]["ResultPath"], tasks["ApplyPart"]["ResultPath"]) == (None, None)


def test_definition_payloads_name_each_step(template: Template):
    # GIVEN the Lambda tasks' parameters
    tasks = dict(_states(state_machine_definition(template)))

    # WHEN / THEN each names its step and passes what the step needs
    assert tasks["Start"]["Parameters"]["Payload"] == {
        "step": "start",
        "input.$": "$",
        "executionArn.$": "$$.Execution.Id",
    }
    for name, step in (("Inventory", "inventory"), ("Merge", "merge"), ("Report", "report")):
        assert tasks[name]["Parameters"]["Payload"] == {"step": step, "run.$": "$"}, name
    assert tasks["PlanShard"]["Parameters"]["Payload.$"] == "$"
    assert tasks["ApplyPart"]["Parameters"]["Payload"] == {
        "step": "apply_part",
        "run.$": "$.run",
        "part.$": "$.part",
        "attempt.$": "$$.State.RetryCount",
    }
    # AND a part asked to come back later is retried first, with a longer wait
    assert tasks["ApplyPart"]["Retry"] == [
        {"ErrorEquals": ["RetryLaterError", "ReportsError"], "IntervalSeconds": 30, "MaxAttempts": 5, "BackoffRate": 2},
        TRANSIENT_RETRY,
    ]


def test_definition_approval_waits_for_the_task_token_with_the_runs_timeout(template: Template):
    # GIVEN AskApproval
    ask = state_machine_definition(template)["States"]["AskApproval"]

    # WHEN / THEN it invokes the step with the task token and waits for SendTask*, for as long as the run says
    assert ask["Resource"] == "arn:<AWS::Partition>:states:::lambda:invoke.waitForTaskToken"
    assert ask["Parameters"]["Payload"] == {"step": "await_approval", "run.$": "$", "token.$": "$$.Task.Token"}
    assert ask["TimeoutSecondsPath"] == "$.approval.timeoutSeconds"
    assert ask["ResultPath"] == "$.approved"
    assert "OutputPath" not in ask and "TimeoutSeconds" not in ask


def test_definition_failures_after_start_are_reported(template: Template):
    # GIVEN every state with a Catch
    caught = {name: state["Catch"] for name, state in _states(state_machine_definition(template)) if "Catch" in state}

    # WHEN / THEN every error after Start lands in $.failure and goes to Report; Start (a refused input
    # fails the execution) and Report itself catch nothing
    assert caught == dict.fromkeys(("Inventory", "PlanShards", "Merge", "AskApproval", "ApplyParts"), TO_REPORT)


@pytest.mark.parametrize(("template_fixture", "plan", "apply"), [("template", 10, 2), ("tuned_template", 20, 5)])
def test_definition_maps_are_distributed_over_the_runs_files(
    template_fixture: str, plan: int, apply: int, request: pytest.FixtureRequest
):
    # GIVEN the default deployment and one with planConcurrency 20, workerConcurrency 5
    states = state_machine_definition(request.getfixturevalue(template_fixture))["States"]
    shards, parts = states["PlanShards"], states["ApplyParts"]

    # WHEN / THEN both are distributed Maps, shards in Express children, parts in Standard ones, at most
    # the configured number at once
    assert shards["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}
    assert parts["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    assert (shards["MaxConcurrency"], parts["MaxConcurrency"]) == (plan, apply)
    # AND each reads a JSON array named by the run state from the run's bucket, and writes its results back
    for state, key in ((shards, "$.shardsKey"), (parts, "$.partsKey")):
        assert state["ItemReader"] == {
            "Resource": "arn:<AWS::Partition>:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON"},
            "Parameters": {"Bucket.$": "$.bucket", "Key.$": key},
        }
        assert state["ResultWriter"] == {
            "Resource": "arn:<AWS::Partition>:states:::s3:putObject",
            "Parameters": {"Bucket.$": "$.bucket", "Prefix.$": "$.mapResultsPrefix"},
        }
        assert state["ResultPath"] is None
    assert shards["ItemSelector"] == {"step": "plan_shard", "run.$": "$", "shard.$": "$$.Map.Item.Value"}
    assert parts["ItemSelector"] == {"run.$": "$", "part.$": "$$.Map.Item.Value"}
    # AND every part runs whatever others do (the report accounts for a part that never finished)
    assert parts["ToleratedFailurePercentage"] == 100 and "ToleratedFailurePercentage" not in shards
    # AND each is labelled, so its child executions' metrics have a stable ARN (the dashboard's Map runs)
    assert (shards["Label"], parts["Label"]) == ("PlanShards", "ApplyParts")


def test_definition_announcements_put_each_detail_type_on_the_default_bus(template: Template):
    # GIVEN every putEvents task
    announcements = {
        name: state
        for name, state in state_machine_definition(template)["States"].items()
        if state.get("Resource") == PUT_EVENTS
    }

    # WHEN / THEN one entry each, source codeartifact.disposer, the default bus (no EventBusName), the
    # notification's detail from the run state, and the run state kept
    details = {}
    for name, state in announcements.items():
        (entry,) = state["Parameters"]["Entries"]
        assert set(entry) == {"Source", "DetailType", "Detail.$"}, name
        assert entry["Source"] == NOTIFICATION_SOURCE == "codeartifact.disposer"
        assert state["ResultPath"] is None, name
        details[name] = (entry["DetailType"], entry["Detail.$"])
    assert details == {
        "AnnouncePlanned": ("Run Planned", "$.event"),
        "AnnounceApproval": ("Approval Needed", "$.event"),
        "AnnounceQuarantined": ("Versions Quarantined", "$.quarantined"),
        "AnnounceFinished": ("Run Finished", "$.event"),
        "AnnounceAborted": ("Run Aborted", "$.event"),
    }


def test_state_machine_standard_traced_logs_every_event_without_data_to_an_encrypted_group(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the state machine and its log group
    stack = default_stack[1]
    machine = only_resource(template, "AWS::StepFunctions::StateMachine")[1]["Properties"]
    log_group_id = logical_id(stack.workflow.log_group)
    log_group = template.to_json()["Resources"][log_group_id]

    # WHEN / THEN Standard (a run may wait days for approval), named after the stack, X-Ray on, every
    # event logged but no execution data (run states name packages and carry approval tokens)
    assert machine["StateMachineType"] == "STANDARD"
    assert machine["StateMachineName"] == "CodeArtifactDisposer-runs"
    assert machine["TracingConfiguration"] == {"Enabled": True}
    assert machine["LoggingConfiguration"] == {
        "Destinations": [{"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": [log_group_id, "Arn"]}}}],
        "IncludeExecutionData": False,
        "Level": "ALL",
    }
    # AND the log group is a vended-logs group, kept logRetentionDays, encrypted with the stack's log key
    assert log_group["Properties"]["LogGroupName"] == "/aws/vendedlogs/states/CodeArtifactDisposer-runs"
    assert log_group["Properties"]["RetentionInDays"] == 30
    assert log_group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [logical_id(stack.log_encryption.key), "Arn"]}


def test_state_machine_name_bounded_for_a_long_stack_name():
    # GIVEN a stack name as long as the config allows / WHEN the machine is named / THEN within 80, stable
    long_name = "A" + "b" * 127
    name = bounded_name(long_name, "runs", max_length=80)
    assert len(name) == 80 and name == bounded_name(long_name, "runs", max_length=80)
    assert name.startswith("Abbb")


def _machine_grants(template: Template) -> set[tuple[str, str]]:
    (role_id,) = [
        logical_id
        for logical_id, role in template.find_resources("AWS::IAM::Role").items()
        if role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        == {"Service": "states.amazonaws.com"}
    ]
    statements = role_statements(template, {"Role": {"Fn::GetAtt": [role_id, "Arn"]}})
    return granted(statements, "")


def test_state_machine_role_invokes_steps_puts_events_runs_its_maps_and_uses_run_files_only(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the state machine role's grants
    stack = default_stack[1]
    grants = _machine_grants(template)
    steps = f"<{steps_function(template)[0]}.Arn>"
    machine_ref = f"<{logical_id(stack.workflow.state_machine)}>"
    # CDK names the executions by splitting the machine's ARN
    machine = f'{{"Fn::Select":[6,{{"Fn::Split":[":",{{"Ref":"{logical_id(stack.workflow.state_machine)}"}}]}}]}}'
    run_files = f"<{logical_id(stack.reports.bucket)}.Arn>/runs/*"
    by_action: dict[str, set[str]] = {}
    for action, resource in grants:
        by_action.setdefault(action, set()).add(resource)

    # WHEN / THEN it invokes the steps function only (CDK adds its versions), puts events on the default bus
    assert by_action.pop("lambda:InvokeFunction") == {steps, f"{steps}:*"}
    assert by_action.pop("events:PutEvents") == {
        "arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:event-bus/default"
    }
    # AND reads Map items and writes Map results under runs/ of the reports bucket, through its key
    for action in ("s3:GetObject", "s3:PutObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"):
        assert by_action.pop(action) == {run_files}, action
    key = f"<{logical_id(stack.reports.key)}.Arn>"
    assert (by_action.pop("kms:Decrypt"), by_action.pop("kms:GenerateDataKey")) == ({key}, {key})
    # AND starts, reads, stops and redrives its own Maps' child executions, nothing of another machine
    assert by_action.pop("states:StartExecution") == {machine_ref}
    for action in ("states:DescribeExecution", "states:StopExecution", "states:RedriveExecution"):
        resources = by_action.pop(action)
        assert resources and all(f":execution:{machine}" in resource for resource in resources), action
    # AND the rest is X-Ray and the log delivery, which have no resource-level permissions
    assert {resource for resources in by_action.values() for resource in resources} == {"*"}
    assert {action.split(":")[0] for action in by_action} == {"logs", "xray"}


def _resolved_definition(template: Template) -> str:
    text = state_machine_definition_text(template)
    steps_arn = "arn:aws:lambda:us-east-1:123456789012:function:steps"
    return text.replace("<AWS::Partition>", "aws").replace(f"<{steps_function(template)[0]}.Arn>", steps_arn)


@mock_aws
def test_moto_accepts_the_definition(template: Template):
    # GIVEN the definition with the partition and the steps function's ARN filled in, as CloudFormation would
    definition = _resolved_definition(template)
    iam = boto3.client("iam", region_name="us-east-1")
    role = iam.create_role(
        RoleName="runs",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ]
            }
        ),
    )["Role"]["Arn"]
    sfn = boto3.client("stepfunctions", region_name="us-east-1")

    # WHEN moto creates the state machine from it
    arn = sfn.create_state_machine(
        name="CodeArtifactDisposer-runs", definition=definition, roleArn=role, type="STANDARD"
    )["stateMachineArn"]

    # THEN it is accepted and reads back unchanged
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert json.loads(described["definition"]) == json.loads(definition)
    assert json.loads(definition)["States"]["ApplyParts"]["ItemReader"]["Parameters"]["Key.$"] == "$.partsKey"
