"""ReportsBucket: the S3 bucket that keeps every workflow run's files under `runs/<runId>/`.

What a run keeps there (the steps function writes them, the API reads them back): its request and
run record, its shards and their plans (every item, keeps too), the plan page, its parts and their
outcomes, the approval it waits for, and its report. Objects expire after `reportsRetentionDays`;
the record of what was disposed stays in the audit trails (the functions' log groups).

Who may touch objects: only the two functions' roles and the state machine's role write or delete, and
only they and the configured operator roles (`operatorRoleArns`) read; a run's approval file, which
holds the task token that approves it, only the two functions read (explicit denies in the bucket
policy, which no identity policy overrides). Bucket-level actions are not denied: the account can
always manage the bucket and its policy.
"""

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.config import DisposerConfig
from infra.constants import ENV_REPORTS_BUCKET, SERVICE_NAME
from infra.function import DisposerLambda

RUNS_PREFIX = "runs/"
# The file a run waiting for approval writes its task token to (the await_approval step): whoever reads
# it, and may states:SendTaskSuccess (no resource-level permission exists for it), could approve the run.
APPROVAL_FILES = f"{RUNS_PREFIX}*/approval.json"
# Exactly what each principal does with objects (tests/iam.py holds the functions' calls to it). The
# functions read and write a run's files; ListBucket makes a read of a missing file answer NoSuchKey
# (404), as the code expects, instead of AccessDenied.
FUNCTION_OBJECT_ACTIONS = ("s3:GetObject", "s3:PutObject")
FUNCTION_BUCKET_ACTIONS = ("s3:ListBucket",)
# The state machine reads a Map's items (ItemReader, s3:getObject) and writes its results (ResultWriter,
# multipart uploads it may have to abort): what Step Functions documents for both.
STATE_MACHINE_OBJECT_ACTIONS = (
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListMultipartUploadParts",
    "s3:AbortMultipartUpload",
)
OPERATOR_OBJECT_ACTIONS = ("s3:GetObject",)
# With SSE-KMS, S3 decrypts for a reader and generates data keys for a writer as that principal.
KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")
# Denied to every principal the bucket policy does not name (wildcards: every current and future
# variant, ACLs, tags and versions included).
READ_ACTIONS = ("s3:GetObject*",)
WRITE_ACTIONS = ("s3:PutObject*", "s3:DeleteObject*", "s3:AbortMultipartUpload", "s3:RestoreObject")


class ReportsBucket(Construct):
    """The reports bucket and its key; `grant_*` give a role its object access, `admit` writes the policy."""

    def __init__(self, scope: Construct, construct_id: str, *, config: DisposerConfig) -> None:
        super().__init__(scope, construct_id)
        self.operator_role_arns = config.operator_role_arns
        # A key of the stack: reading a report takes kms:Decrypt on it as well as s3:GetObject, and every
        # use is in CloudTrail. Retained with the bucket, whose objects it must still decrypt.
        self.key = kms.Key(
            self,
            "ReportsKey",
            description=f"{SERVICE_NAME}: encrypts the reports bucket (run plans, parts and reports)",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
            pending_window=Duration.days(30),
        )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            # One data key per bucket, not per object: a Map reads and writes many small objects.
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            # A run never rewrites a file another step still needs: versions would keep nothing of use.
            versioned=False,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireRunFiles",
                    expiration=Duration.days(config.reports_retention_days),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            # Reports outlive the stack, like the audit trails; an empty bucket is free.
            removal_policy=RemovalPolicy.RETAIN,
        )

    @property
    def runs_arn(self) -> str:
        """The ARN of every object under runs/."""
        return self.bucket.arn_for_objects(f"{RUNS_PREFIX}*")

    def grant_function(self, function: DisposerLambda) -> None:
        """A function is told the bucket, reads and writes run files (and tells a missing one from a forbidden one)."""
        function.function.add_environment(ENV_REPORTS_BUCKET, self.bucket.bucket_name)
        role = function.role
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ReadWriteRunFiles", actions=list(FUNCTION_OBJECT_ACTIONS), resources=[self.runs_arn]
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ListRunFiles", actions=list(FUNCTION_BUCKET_ACTIONS), resources=[self.bucket.bucket_arn]
            )
        )
        self._grant_key(role)

    def grant_state_machine(self, role: iam.IRole) -> None:
        """The state machine reads Map items and writes Map results under runs/."""
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ReadMapItemsWriteMapResults",
                actions=list(STATE_MACHINE_OBJECT_ACTIONS),
                resources=[self.runs_arn],
            )
        )
        self._grant_key(role)

    def _grant_key(self, role: iam.IRole) -> None:
        # Through S3 only: the key is of no use to the role for anything else.
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="UseTheReportsKey",
                actions=list(KEY_ACTIONS),
                resources=[self.key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{Stack.of(self).region}.amazonaws.com"}},
            )
        )

    def admit(self, *, functions: Sequence[iam.IRole], state_machine: iam.IRole) -> None:
        """The bucket policy: only the deployment writes, only it and the operator roles read, only the functions
        read approval tokens; operators are let in."""
        function_arns = [role.role_arn for role in functions]
        writer_arns = [*function_arns, state_machine.role_arn]
        reader_arns = [*writer_arns, *self.operator_role_arns]
        self._deny(sid="OnlyTheDeploymentReadsRunFiles", actions=READ_ACTIONS, except_for=reader_arns)
        self._deny(sid="OnlyTheDeploymentWritesRunFiles", actions=WRITE_ACTIONS, except_for=writer_arns)
        self._deny(
            sid="OnlyTheFunctionsReadApprovalTokens",
            actions=READ_ACTIONS,
            except_for=function_arns,
            objects=APPROVAL_FILES,
        )
        if not self.operator_role_arns:
            return
        operators = [iam.ArnPrincipal(arn) for arn in self.operator_role_arns]
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OperatorsReadRunFiles",
                principals=operators,
                actions=list(OPERATOR_OBJECT_ACTIONS),
                resources=[self.runs_arn],
            )
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OperatorsDecryptRunFiles",
                principals=operators,
                actions=["kms:Decrypt"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={"StringEquals": {"kms:ViaService": f"s3.{Stack.of(self).region}.amazonaws.com"}},
            )
        )

    def _deny(self, *, sid: str, actions: Sequence[str], except_for: Sequence[str], objects: str = "*") -> None:
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid=sid,
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=list(actions),
                resources=[self.bucket.arn_for_objects(objects)],
                conditions={"ArnNotEquals": {"aws:PrincipalArn": list(except_for)}},
            )
        )
