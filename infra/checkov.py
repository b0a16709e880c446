"""Every checkov finding the stack does not fix, skipped in the template itself with its one-line reason.

checkov reads `Metadata.checkov.skip` on each resource, so `cdk synth` output scanned by anyone gives
the same verdict as the test that scans it (tests/infra/test_template_scans.py). Everything else
checkov asks for is fixed in the stack: the log groups, the audit trail among them, are encrypted
with the stack's own key (infra/encryption.py).
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
            "async runs that fail go to the FailedRuns on-failure destination (which keeps the error too); the "
            "worker's failed messages go to the work queue's DLQ; a function DLQ would duplicate either",
        ),
        CheckovSkip(
            "CKV_AWS_117",
            "it calls only AWS APIs (CodeArtifact, DynamoDB, SQS) over TLS and holds no network resource: a VPC "
            "would need a NAT gateway or five interface endpoints and protect nothing more",
        ),
        CheckovSkip(
            "CKV_AWS_173",
            "the environment holds no secret (domain, repository and resource names, pacing figures); a CMK would "
            "add a KMS call to every cold start and protect nothing",
        ),
        CheckovSkip(
            "CKV_AWS_115",
            "the worker's concurrency is capped by its SQS event source (workerConcurrency); a reservation equal to "
            "it would only make Lambda throttle the poller",
            applies=lambda resource: (
                isinstance(resource, lambda_.CfnFunction) and resource.reserved_concurrent_executions is None
            ),
        ),
    ),
    "AWS::SQS::Queue": (
        CheckovSkip(
            "CKV_AWS_27",
            "encrypted at rest with SQS-managed keys (SqsManagedSseEnabled) and TLS-only; work messages are "
            "references (run id, part) and failed runs their events, nothing a CMK would protect further",
        ),
    ),
    "AWS::DynamoDB::Table": (
        CheckovSkip(
            "CKV_AWS_119",
            "encrypted at rest with an AWS owned key; the tables hold run coordination and what the service "
            "remembers (publish times, holds, quarantine records), no secret, and only the functions write them",
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
