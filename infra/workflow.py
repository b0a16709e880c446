"""RunWorkflow: the Step Functions state machine that carries out every scheduled and asynchronous run.

The states are in infra/workflow_definition.py. The machine is Standard (a run may wait days for an
approval), traced with X-Ray, and logs every event, without execution data (run states name packages
and carry approval tokens), to a log group encrypted with the stack's log key. Its role may invoke the
steps function, put the run notifications on the default bus, run its Maps' child executions, and
read and write run files in the reports bucket, nothing else.
"""

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.config import DisposerConfig
from infra.constants import ENV_STATE_MACHINE_ARN, SERVICE_NAME
from infra.function import DisposerFunction
from infra.names import bounded_name
from infra.reports import ReportsBucket
from infra.steps import StepsFunction
from infra.workflow_definition import run_definition

# Step Functions names are at most 80 characters.
STATE_MACHINE_NAME_MAX_LENGTH = 80
# What the API does with runs (tests/iam.py holds its calls to these): start one (its request written to
# the bucket first) and list them, on the machine; read and stop one, on its executions.
RUN_CONTROL_ACTIONS = ("states:StartExecution", "states:ListExecutions")
EXECUTION_ACTIONS = ("states:DescribeExecution", "states:StopExecution")
# Approving or refusing a run answers its AskApproval task by token; these actions have no resource type.
APPROVAL_ACTIONS = ("states:SendTaskSuccess", "states:SendTaskFailure")


class RunWorkflow(Construct):
    """The run state machine and its execution log group; `grant_control` lets the API steer its runs."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DisposerConfig,
        steps: StepsFunction,
        reports: ReportsBucket,
        log_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        self.state_machine_name = bounded_name(config.stack_name, "runs", max_length=STATE_MACHINE_NAME_MAX_LENGTH)
        # Under /aws/vendedlogs/: Step Functions' log delivery then needs no per-group entry in the
        # account's 5,120-character CloudWatch Logs resource policy. Operational history, not the audit trail.
        self.log_group = logs.LogGroup(
            self,
            "ExecutionLogs",
            log_group_name=f"/aws/vendedlogs/states/{self.state_machine_name}",
            retention=config.log_retention,
            encryption_key=log_key,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=self.state_machine_name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            comment=f"{SERVICE_NAME}: one retention-policy run, from its event to its report",
            definition_body=sfn.DefinitionBody.from_chainable(
                run_definition(
                    self,
                    steps=steps.function,
                    plan_concurrency=config.plan_concurrency,
                    apply_concurrency=config.worker_concurrency,
                )
            ),
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
            tracing_enabled=True,
        )
        self.role: iam.IRole = self.state_machine.role
        reports.grant_state_machine(self.role)

    @property
    def execution_arns(self) -> str:
        """arn:...:execution:<machine name>:* (every execution of this machine)."""
        return Stack.of(self).format_arn(
            service="states",
            resource="execution",
            resource_name=f"{self.state_machine_name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )

    def grant_control(self, function: DisposerFunction) -> None:
        """The run function is told the machine, starts, lists, reads and stops its runs, and answers approvals."""
        function.function.add_environment(ENV_STATE_MACHINE_ARN, self.state_machine.state_machine_arn)
        role = function.role
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="StartAndListRuns",
                actions=list(RUN_CONTROL_ACTIONS),
                resources=[self.state_machine.state_machine_arn],
            )
        )
        # StopExecution is authorized on the execution, not on the machine.
        role.add_to_principal_policy(
            iam.PolicyStatement(sid="ReadAndStopRuns", actions=list(EXECUTION_ACTIONS), resources=[self.execution_arns])
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(sid="AnswerApprovals", actions=list(APPROVAL_ACTIONS), resources=["*"])
        )
