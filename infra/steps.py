"""StepsFunction: the Lambda that serves every Task of the run workflow (disposer.steps.lambda_handler).

The same asset, sizing, tracing and environment as the run function, another handler: the Payload's
"step" says which step of a run it takes (start, inventory, plan_shard, merge, await_approval,
apply_part, report). Its log group is an audit trail like the run function's: a workflow run's
decisions, disposals and report are written there. No reserved concurrency: the Map states'
MaxConcurrency (planConcurrency, workerConcurrency) caps how many run at once.
"""

from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from disposer.constants import STEPS_HANDLER
from disposer.settings import ENV_APPLY_CONCURRENCY, ENV_PLAN_CONCURRENCY
from infra.config import DisposerConfig
from infra.constants import DEPLOYED_POLICIES_FILE, ENV_POLICIES_FILE, STEPS_TIMEOUT
from infra.function import DisposerLambda, grant_codeartifact


class StepsFunction(DisposerLambda):
    """The steps function, allowed the CodeArtifact calls of a run on the configured scope.

    The ledger, the kill switch and the reports bucket grant it the rest (infra/ledger.py,
    infra/switch.py, infra/reports.py).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DisposerConfig,
        log_key: kms.IKey,
        code: lambda_.Code | None = None,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            config=config,
            log_key=log_key,
            code=code,
            handler=STEPS_HANDLER,
            timeout=STEPS_TIMEOUT,
            description="runs the steps of a retention-policy run (the run workflow's tasks)",
            # The Start step runs only the deployed policies, as the run function does; a shard takes its part
            # of the quota share as one of PlanShards' planConcurrency, a part as one of ApplyParts'.
            environment={
                ENV_POLICIES_FILE: DEPLOYED_POLICIES_FILE,
                ENV_PLAN_CONCURRENCY: str(config.plan_concurrency),
                ENV_APPLY_CONCURRENCY: str(config.worker_concurrency),
            },
        )
        grant_codeartifact(self, config)
