"""ReportsBucket: encrypted with a key of the stack, private, TLS only, expiring; written by the deployment
alone, read by it and the operator roles alone; what each principal may do with it."""

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra.constants import ENV_REPORTS_BUCKET
from infra.stack import DisposerStack
from tests.iam import ACCOUNT, AwsCall, Role, denied_by_resource_policy
from tests.infra.cdk_testkit import (
    OPERATOR_ROLE_ARNS,
    granted,
    logical_id,
    only_resource,
    role_statements,
    run_function,
    steps_function,
)

OPERATOR = f"arn:aws:iam::{ACCOUNT}:role/PlatformOps"
READS = ("s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes")
WRITES = ("s3:PutObject", "s3:PutObjectAcl", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:AbortMultipartUpload")


def _bucket(stack: DisposerStack, template: Template) -> tuple[str, dict[str, Any]]:
    bucket_id = logical_id(stack.reports.bucket)
    resource: dict[str, Any] = template.to_json()["Resources"][bucket_id]
    return bucket_id, resource


def test_bucket_encrypted_with_a_rotating_retained_key_of_the_stack(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the reports bucket and its key
    stack = default_stack[1]
    _, bucket = _bucket(stack, template)
    key_id = logical_id(stack.reports.key)
    key = template.to_json()["Resources"][key_id]

    # WHEN / THEN SSE-KMS with the stack's own key (one data key per bucket), rotating, kept with the bucket
    assert bucket["Properties"]["BucketEncryption"] == {
        "ServerSideEncryptionConfiguration": [
            {
                "BucketKeyEnabled": True,
                "ServerSideEncryptionByDefault": {
                    "KMSMasterKeyID": {"Fn::GetAtt": [key_id, "Arn"]},
                    "SSEAlgorithm": "aws:kms",
                },
            }
        ]
    }
    assert key["Properties"]["EnableKeyRotation"] is True
    assert (key["DeletionPolicy"], bucket["DeletionPolicy"]) == ("Retain", "Retain")


@pytest.mark.parametrize(("template_fixture", "days"), [("template", 90), ("tuned_template", 30)])
def test_bucket_private_owner_enforced_unversioned_expiring(
    template_fixture: str, days: int, request: pytest.FixtureRequest
):
    # GIVEN the default deployment (reportsRetentionDays 90) and the tuned one (30)
    template: Template = request.getfixturevalue(template_fixture)
    bucket = only_resource(template, "AWS::S3::Bucket")[1]["Properties"]

    # WHEN / THEN every public access blocked, ACLs off, no versions, and every run file expires after the
    # configured days (an upload left incomplete after one)
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert "VersioningConfiguration" not in bucket
    assert bucket["LifecycleConfiguration"] == {
        "Rules": [
            {
                "Id": "ExpireRunFiles",
                "ExpirationInDays": days,
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                "Status": "Enabled",
            }
        ]
    }


def test_bucket_policy_refuses_plain_http_and_every_principal_but_the_deployment(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the bucket policy, evaluated as IAM does, and the deployment's three roles
    stack = default_stack[1]
    bucket_id, _ = _bucket(stack, template)
    policy = template.to_json()
    roles = [f"resource:{logical_id(role)}" for role in (stack.disposer.role, stack.steps.role, stack.workflow.role)]
    statements = only_resource(template, "AWS::S3::BucketPolicy")[1]["Properties"]["PolicyDocument"]["Statement"]

    # WHEN / THEN every request without TLS is refused
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
    )
    # AND only the two functions' roles and the state machine's read, write or delete objects: an operator,
    # even an administrator, is refused (explicit denies, which no identity policy overrides)
    report = f"resource:{bucket_id}/runs/r-1/report.json"
    for action in (*READS, *WRITES):
        assert denied_by_resource_policy(policy, bucket_id, action, OPERATOR, report), action
        for role in roles:
            assert not denied_by_resource_policy(policy, bucket_id, action, role, report), (action, role)
    # AND the bucket itself stays manageable by the account (its policy, its lifecycle)
    for action in ("s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutLifecycleConfiguration", "s3:ListBucket"):
        assert not denied_by_resource_policy(policy, bucket_id, action, OPERATOR, f"resource:{bucket_id}"), action
    # AND without operatorRoleArns no principal is let in by the policy itself
    assert not [s for s in statements if s["Effect"] == "Allow"]


def test_bucket_policy_operator_roles_read_but_never_write(
    tuned_stack: tuple[cdk.App, DisposerStack], tuned_template: Template
):
    # GIVEN the tuned deployment's two operator roles
    stack = tuned_stack[1]
    bucket_id, _ = _bucket(stack, tuned_template)
    policy = tuned_template.to_json()
    statements = only_resource(tuned_template, "AWS::S3::BucketPolicy")[1]["Properties"]["PolicyDocument"]["Statement"]

    # WHEN / THEN they may read run files (not denied, and let in by the bucket and the key), never write
    plan = f"resource:{bucket_id}/runs/r-1/plan.html"
    for operator in OPERATOR_ROLE_ARNS:
        for action in READS:
            assert not denied_by_resource_policy(policy, bucket_id, action, operator, plan), (action, operator)
        for action in WRITES:
            assert denied_by_resource_policy(policy, bucket_id, action, operator, plan), (action, operator)
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"AWS": list(OPERATOR_ROLE_ARNS)}
    assert (allow["Action"], allow["Resource"]) == (
        "s3:GetObject",
        {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/runs/*"]]},
    )
    key = tuned_template.to_json()["Resources"][logical_id(stack.reports.key)]["Properties"]["KeyPolicy"]
    (decrypt,) = [s for s in key["Statement"] if s.get("Sid") == "OperatorsDecryptRunFiles"]
    assert (decrypt["Principal"], decrypt["Action"]) == ({"AWS": list(OPERATOR_ROLE_ARNS)}, "kms:Decrypt")
    # AND another principal still may not read
    assert denied_by_resource_policy(policy, bucket_id, "s3:GetObject", OPERATOR, plan)


def test_bucket_policy_approval_tokens_read_by_the_functions_alone(
    tuned_stack: tuple[cdk.App, DisposerStack], tuned_template: Template
):
    # GIVEN a run's approval file, which holds the task token that approves the run (and
    # states:SendTaskSuccess has no resource-level permission to keep anyone else from using it)
    stack = tuned_stack[1]
    bucket_id, _ = _bucket(stack, tuned_template)
    policy = tuned_template.to_json()
    approval = f"resource:{bucket_id}/runs/r-1/approval.json"
    report = f"resource:{bucket_id}/runs/r-1/report.json"
    functions = [f"resource:{logical_id(role)}" for role in (stack.disposer.role, stack.steps.role)]
    machine = f"resource:{logical_id(stack.workflow.role)}"

    # WHEN / THEN only the two functions (the step that writes it, the API that checks an approval) read it:
    # neither the state machine nor an operator role, which still read every other run file
    for action in READS:
        for role in functions:
            assert not denied_by_resource_policy(policy, bucket_id, action, role, approval), (action, role)
        for other in (machine, *OPERATOR_ROLE_ARNS):
            assert denied_by_resource_policy(policy, bucket_id, action, other, approval), (action, other)
            assert not denied_by_resource_policy(policy, bucket_id, action, other, report), (action, other)


def test_functions_told_the_bucket_read_write_run_files_through_its_key(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN both functions
    stack = default_stack[1]
    bucket_id, _ = _bucket(stack, template)
    run_files = f"<{bucket_id}.Arn>/runs/*"
    key = f"<{logical_id(stack.reports.key)}.Arn>"
    for _, function in (run_function(template), steps_function(template)):
        statements = role_statements(template, function)

        # WHEN / THEN each is told the bucket, reads and writes run files, lists the bucket (a missing file is
        # then NoSuchKey, not AccessDenied), and uses the key through S3 only
        assert function["Environment"]["Variables"][ENV_REPORTS_BUCKET] == {"Ref": bucket_id}
        assert granted(statements, "s3:") == {
            ("s3:GetObject", run_files),
            ("s3:PutObject", run_files),
            ("s3:ListBucket", f"<{bucket_id}.Arn>"),
        }
        (use_key,) = [s for s in statements if s.get("Sid") == "UseTheReportsKey"]
        assert granted([use_key], "kms:") == {("kms:Decrypt", key), ("kms:GenerateDataKey", key)}
        assert use_key["Condition"] == {
            "StringEquals": {"kms:ViaService": {"Fn::Join": ["", ["s3.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}}
        }


def test_iam_check_holds_run_file_calls_to_each_role(template: Template):
    # GIVEN the roles as tests/iam.py reads them, and calls as its recorder describes them
    roles = {
        "run": Role.of(template.to_json(), "disposer.handler.lambda_handler"),
        "steps": Role.of(template.to_json(), "disposer.steps.lambda_handler"),
        "state-machine": Role.of_state_machine(template.to_json()),
    }

    def call(principal: str, action: str, resource: str) -> bool:
        return roles[principal].allows(AwsCall(principal, action, resource, False, ()))

    # WHEN / THEN a function reads and writes under runs/ (S3 using the bucket's key as it), lists the bucket
    for principal in ("run", "steps"):
        assert call(principal, "s3:GetObject", "{env:DISPOSER_REPORTS_BUCKET}/runs/r-1/report.json")
        assert call(principal, "s3:PutObject", "{env:DISPOSER_REPORTS_BUCKET}/runs/r-1/plan/0.jsonl")
        assert call(principal, "kms:Decrypt", "key-of:{env:DISPOSER_REPORTS_BUCKET}")
        assert call(principal, "s3:ListBucket", "{env:DISPOSER_REPORTS_BUCKET}")
        # AND nothing outside runs/, and no delete
        assert not call(principal, "s3:GetObject", "{env:DISPOSER_REPORTS_BUCKET}/other/x.json")
        assert not call(principal, "s3:DeleteObject", "{env:DISPOSER_REPORTS_BUCKET}/runs/r-1/report.json")
    # AND only the run function steers runs, on its own machine, and answers approvals
    machine = "arn:aws:states:us-east-1:111122223333:stateMachine:CodeArtifactDisposer-runs"
    execution = "arn:aws:states:us-east-1:111122223333:execution:CodeArtifactDisposer-runs:r-1"
    assert call("run", "states:StartExecution", "env:DISPOSER_STATE_MACHINE_ARN")
    assert call("run", "states:StartExecution", machine)
    assert call("run", "states:StopExecution", execution) and call("run", "states:DescribeExecution", execution)
    assert call("run", "states:SendTaskSuccess", "*")
    assert not call("run", "states:StopExecution", execution.replace("-runs:", "-other:"))
    assert not call("steps", "states:StartExecution", machine)
    # AND the state machine invokes steps, reads Map items and writes Map results
    assert call("state-machine", "lambda:InvokeFunction", f"resource:{steps_function(template)[0]}")
    bucket = only_resource(template, "AWS::S3::Bucket")[0]
    assert call("state-machine", "s3:GetObject", f"resource:{bucket}/runs/r-1/shards.json")
    assert call("state-machine", "s3:PutObject", f"resource:{bucket}/runs/r-1/map/manifest.json")
    # AND the approval token is the functions' alone: allowed to the state machine's role, its read is still
    # refused by the bucket policy
    assert call("steps", "s3:GetObject", "{env:DISPOSER_REPORTS_BUCKET}/runs/r-1/approval.json")
    assert not call("state-machine", "s3:GetObject", f"resource:{bucket}/runs/r-1/approval.json")


def test_outputs_reports_bucket_name(default_stack: tuple[cdk.App, DisposerStack], template: Template):
    # GIVEN / WHEN the stack outputs are read / THEN the operator finds the bucket
    outputs = template.to_json()["Outputs"]
    assert outputs["ReportsBucketName"]["Value"] == {"Ref": logical_id(default_stack[1].reports.bucket)}
