"""validate(): what the interpreter refuses, naming it; and the run workflow's definition as valid ASL for
moto's own parser too (local/asl/validation.py)."""

import json
import re
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local.asl.errors import DefinitionError
from local.asl.validation import validate

WORKFLOW = json.loads((Path(__file__).parent / "definitions" / "run_workflow.json").read_text())
PASS = {"Type": "Pass", "End": True}


def single(state, **more):
    return {"StartAt": "Only", "States": {"Only": state, **more}}


def test_validate_accepts_the_run_workflow():
    validate(WORKFLOW)


DISTRIBUTED = {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}
CSV_READER = {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "CSV"}}
TWO_TESTS = {"Variable": "$.a", "StringEquals": "x", "NumericEquals": 1, "Next": "Only"}
ALL_FIRST = [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["E"]}]
INVOKE = "arn:aws:states:::lambda:invoke"


@pytest.mark.parametrize(
    ("definition", "named"),
    [
        (single({"Type": "Parallel", "Branches": [], "End": True}), "States.Only: Parallel states are not supported"),
        ({"QueryLanguage": "JSONata", **single(PASS)}, "QueryLanguage 'JSONata' is not supported"),
        (single({**PASS, "Assign": {"x": 1}}), "field 'Assign': variables is not supported"),
        (single({**PASS, "Output": {}}), "field 'Output': JSONata is not supported"),
        (single({"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": True}), "sendMessage' is not"),
        (single({"Type": "Pass", "Next": "Nowhere"}), "Next 'Nowhere' is not a state"),
        (single({"Type": "Pass"}), "needs either Next or End: true"),
        (single(PASS, Orphan=PASS), "States.Orphan: no state transitions to this state"),
        (single({**PASS, "InputPath": "$..deep"}), "unsupported JSONPath '$..deep'"),
        (single({**PASS, "ResultPath": "$.a[*]"}), "is not a reference path"),
        (single({**PASS, "Parameters": {"x.$": "States.MathRandom(1, 2)"}}), "function 'States.MathRandom'"),
        (single({**PASS, "Parameters": {"x.$": "nothing"}}), "Parameters.x.$: 'nothing' is neither a path nor"),
        (single({"Type": "Choice", "Choices": [TWO_TESTS]}), "exactly one test"),
        (single({"Type": "Wait", "End": True}), "needs exactly one of Seconds"),
        (single({"Type": "Task", "Resource": INVOKE, "End": True, "Retry": ALL_FIRST}), "States.ALL must appear alone"),
        (
            single({"Type": "Map", "ItemProcessor": single(PASS), "ToleratedFailureCount": 1, "End": True}),
            "ToleratedFailureCount is for a DISTRIBUTED Map only",
        ),
        (
            single({"Type": "Map", "ItemProcessor": {**single(PASS), "ProcessorConfig": DISTRIBUTED}, "End": True,
                    "ItemReader": CSV_READER}),
            "InputType 'CSV' is not supported",
        ),
        (
            single({"Type": "Map", "ItemProcessor": {**single(PASS), "ProcessorConfig": DISTRIBUTED}, "End": True,
                    "ResultWriter": {"WriterConfig": {}}}),
            "WriterConfig is not supported",
        ),
    ],
)  # fmt: skip
def test_validate_refuses_naming_what_and_where(definition, named):
    with pytest.raises(DefinitionError) as raised:
        validate(definition)
    assert named in str(raised.value)


def test_validate_lists_every_problem_at_once():
    definition = single({"Type": "Pass", "Next": "A"}, B={"Type": "Nope"})
    with pytest.raises(DefinitionError) as raised:
        validate(definition)
    assert str(raised.value).splitlines()[1:] == [
        "States.Only: Next 'A' is not a state",
        "States.B: unknown Type 'Nope'",
        "States.B: no state transitions to this state",
    ]


def around_moto_parser_gaps(definition):
    """The definition with the two valid constructs moto's ASL parser does not know rewritten: a Distributed Map's
    ExecutionType EXPRESS (it knows STANDARD only) and an integer ToleratedFailurePercentage (it wants 100.0)."""
    text = json.dumps(definition).replace('"ExecutionType": "EXPRESS"', '"ExecutionType": "STANDARD"')
    return re.sub(r'("ToleratedFailurePercentage": )(\d+)([,}])', r"\g<1>\g<2>.0\g<3>", text)


def test_moto_parser_accepts_the_run_workflow_definition():
    """moto's Step Functions with its ASL parser on (execute_state_machine) builds the definition as
    CreateStateMachine does, and accepts this one once two gaps of its parser are stepped around.

    Where moto differs from AWS. Its parser refuses two valid constructs (around_moto_parser_gaps), answers
    a refusal with an empty error code rather than InvalidDefinition, and accepts some invalid definitions
    (a Next naming no state, which AWS and validate() refuse). Its executions differ more: Lambda tasks invoke
    moto's Lambda, which runs function code only in Docker (not available here), so it cannot run the
    project's steps function in-process; and without the parser (moto's default) an execution runs nothing
    and reports static data. Hence local/asl.
    """
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions", region_name="us-east-1")
        role = "arn:aws:iam::123456789012:role/run-workflow"
        # GIVEN moto's parser refuses the two constructs it does not know
        with pytest.raises(ClientError) as raised:
            client.create_state_machine(name="as-is", definition=json.dumps(WORKFLOW), roleArn=role)
        message = raised.value.response["Error"]["Message"]
        assert "EXPRESS" in message and "ToleratedFailurePercentage" in message
        # WHEN
        definition = around_moto_parser_gaps(WORKFLOW)
        created = client.create_state_machine(name="run-workflow", definition=definition, roleArn=role)
        # THEN
        described = client.describe_state_machine(stateMachineArn=created["stateMachineArn"])
        assert json.loads(described["definition"]) == json.loads(definition)
