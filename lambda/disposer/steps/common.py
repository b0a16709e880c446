"""What every step shares: the reports bucket, the run's record, and its context."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from disposer import services
from disposer.errors import RunNotFoundError, WorkflowRequiredError
from disposer.model.runs import RunContext
from disposer.model.workflow import RunRecord, RunState
from disposer.reports import layout
from disposer.reports.store import RunStore
from disposer.retention.loader import parse_policy
from disposer.retention.policy import PolicyMode, RetentionPolicy
from disposer.settings import Settings


def store_of(settings: Settings) -> RunStore:
    store = services.reports(settings)
    if store is None:
        raise WorkflowRequiredError("the workflow's steps need the reports bucket (DISPOSER_REPORTS_BUCKET)")
    return store


@dataclass(frozen=True)
class Run:
    """One workflow run as a step sees it: its record and policy, and the bucket that keeps it."""

    record: RunRecord
    policy: RetentionPolicy
    store: RunStore

    @classmethod
    def load(cls, store: RunStore, run_id: str) -> "Run":
        document = store.get_json(layout.run_key(run_id))
        if document is None:
            raise RunNotFoundError(f"run {run_id} has no record in the reports bucket: it was never started")
        record = RunRecord.model_validate(document)
        return cls(record, parse_policy(record.policy), store)

    @property
    def run_id(self) -> str:
        return self.record.run_id

    @property
    def as_of(self) -> datetime:
        return datetime.fromisoformat(self.record.as_of)

    @property
    def applies(self) -> bool:
        return self.policy.mode is PolicyMode.APPLY

    def context(self) -> RunContext:
        return RunContext(
            run_id=self.run_id,
            trigger=self.record.trigger,
            caller=self.record.caller,
            dry_run=not self.applies,
            policy=self.policy.name,
        )

    def location(self, key: str) -> str:
        return layout.location(self.store.bucket, key)


def state_of(payload: dict[str, Any]) -> RunState:
    return RunState.model_validate(payload["run"])
