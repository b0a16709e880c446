"""The run workflow's steps: one Lambda function serves every Task of the state machine (infra/workflow.py).

start -> inventory -> plan_shard (a Distributed Map) -> merge -> [await_approval -> inventory ...] ->
apply_part (a Distributed Map) -> report. Each step reads what it needs from the reports bucket, writes
what the next needs there, and returns the small run state the next state reads. The entry point is
`disposer.steps.lambda_handler`.
"""

from disposer.steps.handler import lambda_handler

__all__ = ["lambda_handler"]
