"""Every checkov finding the stack does not fix, skipped in the template itself with its one-line reason.

checkov reads `Metadata.checkov.skip` on each resource, so `cdk synth` output scanned by anyone gives
the same verdict as the test that scans it (tests/infra/test_template_scans.py). Everything else
checkov asks for is fixed in the stack: the log groups, the audit trail among them, are encrypted
with the stack's own key (infra/encryption.py), the reports bucket with a key of its own (infra/reports.py).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aws_cdk import CfnResource, Stack
from aws_cdk import aws_lambda as lambda_


@dataclass(frozen=True)
class CheckovSkip:
    check: str
    reason: str
    # Whether the skip applies to a resource of its type; default: every one.
    applies: Callable[[CfnResource], bool] = lambda _: True


SKIPS: Mapping[str, tuple[CheckovSkip, ...]] = {
    "AWS::Lambda::Function": (
        CheckovSkip(
            "CKV_AWS_116",
            "the functions are invoked synchronously (the run function by API Gateway, the steps function by Step "
            "Functions, which retries and catches its errors into the run's report, the usage recorder by its SQS "
            "event source mapping, whose queue has a dead-letter queue of its own): a function's DLQ receives only "
            "asynchronous invocations, and there are none",
        ),
        CheckovSkip(
            "CKV_AWS_117",
            "it calls only AWS APIs (CodeArtifact, DynamoDB, S3, SSM, Step Functions) over TLS and holds no network "
            "resource: a VPC would need a NAT gateway or six interface endpoints and protect nothing more",
        ),
        CheckovSkip(
            "CKV_AWS_173",
            "the environment holds no secret (domain, repository and resource names, pacing figures); a CMK would "
            "add a KMS call to every cold start and protect nothing",
        ),
        CheckovSkip(
            "CKV_AWS_115",
            "the steps function is capped by the run workflow's Map states (planConcurrency, workerConcurrency), "
            "and a reservation would hold that much of the account's concurrency while no run is on; the run "
            "function reserves reservedConcurrency unless it is false (an account still at the new-account quota); "
            "the usage recorder is capped by its event source mapping's maximum concurrency",
            applies=lambda resource: (
                isinstance(resource, lambda_.CfnFunction) and resource.reserved_concurrent_executions is None
            ),
        ),
    ),
    "AWS::DynamoDB::Table": (
        CheckovSkip(
            "CKV_AWS_119",
            "encrypted at rest with an AWS owned key; the ledger holds what the service remembers (publish times, "
            "holds, quarantine records), no secret, and only the functions write it",
        ),
    ),
    "AWS::S3::Bucket": (
        CheckovSkip(
            "CKV_AWS_18",
            "the reports bucket's policy fixes who may read and write run files and every use of its KMS key is in "
            "CloudTrail; server access logs would need a second bucket, unencrypted by KMS; turn on CloudTrail S3 "
            "data events where each read must be audited",
        ),
        CheckovSkip(
            "CKV_AWS_21",
            "run files are written by one run and expire after reportsRetentionDays; only the deployment's roles may "
            "write or delete them (bucket policy), so versions would keep copies nobody reads",
        ),
    ),
    "AWS::SQS::Queue": (
        CheckovSkip(
            "CKV_AWS_27",
            "the usage recorder's queues are encrypted at rest with SQS managed keys (SqsManagedSseEnabled); a KMS key "
            "would have to admit S3 and EventBridge to send, and the messages hold the trail's object keys, no secret",
        ),
    ),
    "AWS::ApiGateway::Stage": (
        CheckovSkip(
            "CKV_AWS_120",
            "no response may be cached: every call plans against, or disposes from, the live repository",
        ),
    ),
}


def skip_acknowledged_checks(stack: Stack) -> None:
    """Write each applicable skip into its resource's `Metadata.checkov.skip`."""
    for construct in stack.node.find_all():
        if not isinstance(construct, CfnResource):
            continue
        skips = [
            {"id": skip.check, "comment": skip.reason}
            for skip in SKIPS.get(construct.cfn_resource_type, ())
            if skip.applies(construct)
        ]
        if skips:
            construct.add_metadata("checkov", {"skip": skips})
