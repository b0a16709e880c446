"""The kill switch: one SSM String parameter, `enabled` when the stack creates it, that every write of
both functions checks (disposer/safety/switch.py). Set it to anything else, or delete it, and every
write stops within 10 seconds, mid-run included, without a redeploy:

    aws ssm put-parameter --name <SwitchParameterName> --value disabled --overwrite
"""

from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from infra.constants import ENV_SWITCH_PARAMETER, SWITCH_ENABLED
from infra.function import DisposerLambda

# Exactly the call disposer/safety/switch.py makes, for each function.
SWITCH_ACTIONS = ("ssm:GetParameter",)


class KillSwitch(Construct):
    """The switch parameter, its name given to `functions`, and their read grant on it."""

    def __init__(
        self, scope: Construct, construct_id: str, *, stack_name: str, functions: list[DisposerLambda]
    ) -> None:
        super().__init__(scope, construct_id)
        self.parameter = ssm.StringParameter(
            self,
            "Parameter",
            parameter_name=f"/{stack_name}/disposals",
            string_value=SWITCH_ENABLED,
            description=f"Kill switch: {SWITCH_ENABLED!r} allows disposals; any other value stops every write",
        )
        for function in functions:
            function.function.add_environment(ENV_SWITCH_PARAMETER, self.parameter.parameter_name)
            function.role.add_to_policy(
                iam.PolicyStatement(
                    sid="ReadTheKillSwitch", actions=list(SWITCH_ACTIONS), resources=[self.parameter.parameter_arn]
                )
            )
