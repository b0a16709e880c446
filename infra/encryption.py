"""LogEncryption: the customer managed key every log group of the stack is encrypted with.

The function log groups are the audit trail of irreversible disposals; with a key of the stack's own,
reading them takes kms:Decrypt on it as well as logs read access, and every use of the key is in
CloudTrail. The key is retained with the log groups it protects: deleting it would make a retained
audit trail unreadable.
"""

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.constants import SERVICE_NAME


class LogEncryption(Construct):
    """A rotating KMS key that CloudWatch Logs may use for this account's log groups in this region."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.key = kms.Key(
            self,
            "LogKey",
            description=f"{SERVICE_NAME}: encrypts the stack's log groups (the audit trail and the API logs)",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
            pending_window=Duration.days(30),
        )
        # CloudWatch Logs encrypts with the key itself, for log groups of this account and region only
        # (the encryption context names the log group).
        log_groups = stack.format_arn(
            service="logs", resource="log-group", resource_name="*", arn_format=ArnFormat.COLON_RESOURCE_NAME
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchLogsForThisAccountsLogGroups",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_groups}},
            )
        )
