"""The first step: read what started the run, refuse what may not run, and claim the run id once.

A run starts from a run event (a schedule rule, or PutEvents: the same rules as the run function's, in
runs/event_input.py) or from an API request, named by `{"runId": ...}` alone: the API wrote the request
to the reports bucket, which only the functions may write, so StartExecution by anyone else runs
nothing. EventBridge delivers at least once: a second execution for the same event finds the run
claimed and ends at once (`duplicate`).
"""

from datetime import datetime
from typing import Any

from disposer import clock
from disposer.budget import Budget
from disposer.errors import RunNotFoundError
from disposer.model.workflow import ApprovalWindow, RunRecord, RunRequestRecord, RunState
from disposer.observability import logger
from disposer.reports import layout
from disposer.reports.store import RunStore
from disposer.retention.loader import parse_policy
from disposer.retention.policy import PolicyMode, RetentionPolicy
from disposer.runs.event_input import caller_of, read_run_event
from disposer.runs.guards import MAX_EVENT_AGE, check_clock
from disposer.safety.scope import Scope
from disposer.settings import Settings
from disposer.steps.common import store_of


def start(payload: dict[str, Any], settings: Settings, budget: Budget) -> dict[str, Any]:
    store = store_of(settings)
    record = _record(payload["input"], str(payload["executionArn"]), settings, store)
    logger.append_keys(run_id=record.run_id)
    policy = parse_policy(record.policy)
    Scope.of(settings).check(
        domain=policy.domain, domain_owner=policy.domain_owner, repository=policy.literal_repository
    )
    state = RunState(
        run_id=record.run_id,
        bucket=store.bucket,
        policy=policy.name,
        mode="apply" if policy.mode is PolicyMode.APPLY else "plan",
        approval=_window(policy),
        shards_key=layout.shards_key(record.run_id),
        parts_key=layout.parts_key(record.run_id),
        map_results_prefix=layout.map_results_prefix(record.run_id),
    )
    if not store.put_json(layout.run_key(record.run_id), record.model_dump(by_alias=True), only_if_new=True):
        claimed = store.get_json(layout.run_key(record.run_id)) or {}
        if claimed.get("executionArn") != record.execution_arn:
            logger.warning("run already started", run_id=record.run_id, execution=claimed.get("executionArn"))
            return state.model_copy(update={"duplicate": True}).dump()
    logger.info("run started", policy=policy.name, trigger=record.trigger, caller=record.caller)
    return state.dump()


def _record(raw: dict[str, Any], execution_arn: str, settings: Settings, store: RunStore) -> RunRecord:
    started = clock.now().isoformat()
    if raw.keys() == {"runId"}:
        request = _request(store, str(raw["runId"]))
        # Only the API's own execution, named by the run id, runs a request, and only while it is fresh: a
        # request left behind (its start failed) is never run later by someone else.
        if execution_arn.rpartition(":")[2] != request.run_id:
            raise RunNotFoundError(f"run {request.run_id} is started by the API's execution of that name only")
        check_clock(datetime.fromisoformat(request.as_of), wall=clock.now(), max_age=MAX_EVENT_AGE)
        return RunRecord(
            run_id=request.run_id,
            execution_arn=execution_arn,
            policy=request.policy,
            as_of=request.as_of,
            started_at=started,
            trigger="api",
            caller=request.caller,
            expected_plan_digest=request.expected_plan_digest,
        )
    event, policy = read_run_event(raw, settings)
    return RunRecord(
        run_id=event.id,
        execution_arn=execution_arn,
        policy=_document(policy),
        as_of=event.time.isoformat(),
        started_at=started,
        trigger="schedule",
        caller=caller_of(event),
    )


def _request(store: RunStore, run_id: str) -> RunRequestRecord:
    document = store.get_json(layout.request_key(run_id)) if layout.RUN_ID.fullmatch(run_id) else None
    if document is None:
        logger.error("run refused", error_code=RunNotFoundError.code, run_id=run_id)
        raise RunNotFoundError(f"no request for run {run_id!r} in the reports bucket: only the API starts runs by id")
    return RunRequestRecord.model_validate(document)


def _document(policy: RetentionPolicy) -> dict[str, Any]:
    return policy.model_dump(mode="json", by_alias=True, exclude_none=True)


def _window(policy: RetentionPolicy) -> ApprovalWindow | None:
    if policy.approval is None or not policy.approval.required:
        return None
    return ApprovalWindow(timeout_seconds=policy.approval.timeout_hours * 3600)
