"""Every SQS queue of the stack is encrypted (SQS-managed keys) and refuses requests without TLS."""

from typing import Any

from aws_cdk import aws_sqs as sqs
from constructs import Construct


def secure_queue(scope: Construct, construct_id: str, **props: Any) -> sqs.Queue:
    """An SQS queue with the stack's encryption and TLS settings; `props` add the rest."""
    return sqs.Queue(scope, construct_id, encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True, **props)
