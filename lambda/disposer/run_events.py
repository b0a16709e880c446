"""Run events given to the run function itself: the policy is run in this invocation, as one shard.

A deployment's schedules start the run workflow instead (steps/); this is how local runs, the tests and
the benchmarks run a policy from an event, through the same pipeline. Which events may run which
policy, and who the caller is, is decided in runs/event_input.py for both.
"""

from typing import Any

from disposer import services
from disposer.budget import Budget
from disposer.errors import DisposalsDisabledError
from disposer.model.runs import RunContext
from disposer.observability import logger
from disposer.retention.policy import PolicyMode
from disposer.runs.event_input import caller_of, read_run_event
from disposer.runs.executors import InlineExecutor
from disposer.runs.pipeline import RunRequest, execute
from disposer.runs.planner import PolicyPlanner
from disposer.safety.scope import Scope
from disposer.settings import Settings


def run_event(raw: dict[str, Any], settings: Settings, budget: Budget) -> dict[str, Any]:
    """Run the policy the event may run, as its `mode` says; return the run's report.

    An event that runs nothing is refused loudly: an error record, and the invocation fails. So does a run
    that failed; one the kill switch stopped is reported and returns.
    """
    event, policy = read_run_event(raw, settings)
    Scope.of(settings).check(
        domain=policy.domain, domain_owner=policy.domain_owner, repository=policy.literal_repository
    )
    apply = policy.mode is PolicyMode.APPLY
    context = RunContext(
        run_id=event.id, trigger="schedule", caller=caller_of(event), dry_run=not apply, policy=policy.name
    )
    logger.append_keys(policy=policy.name)
    codeartifact, ledger = services.codeartifact(settings, budget), services.ledger(settings)
    report = execute(
        RunRequest(
            context=context,
            source=PolicyPlanner(codeartifact, policy, event.time, Scope.of(settings).allows_repository, ledger),
            codeartifact=codeartifact,
            executor=InlineExecutor(codeartifact, measure=settings.measure_bytes, ledger=ledger) if apply else None,
            cap=policy.max_disposals_per_run,
            max_percent=policy.max_disposals_percent,
            early_start=True,
        )
    )
    # Someone turned writes off on purpose: the run planned and is reported aborted (RunAborted and
    # DisposalsDisabled metrics, and their alarm); the invocation itself succeeds.
    if not isinstance(report.error, DisposalsDisabledError):
        report.raise_error()
    return report.to_body().model_dump(mode="json", by_alias=True)
