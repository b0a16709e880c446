"""Where each thing a workflow run keeps lives in the reports bucket: every key derives from the run id."""

import re

from disposer.model.workflow import RUN_ID_PATTERN

PREFIX = "runs"
# A run id names keys (and executions): nothing but what a run id is may reach a key.
RUN_ID = re.compile(RUN_ID_PATTERN)


def run_prefix(run_id: str) -> str:
    return f"{PREFIX}/{run_id}/"


def request_key(run_id: str) -> str:
    """An API-started run's request, written by the API before it starts the execution."""
    return f"{run_prefix(run_id)}request.json"


def run_key(run_id: str) -> str:
    """Who started the run, on which policy, and its execution (the start step claims the run by writing it)."""
    return f"{run_prefix(run_id)}run.json"


def inventory_key(run_id: str) -> str:
    return f"{run_prefix(run_id)}inventory.json"


def shards_key(run_id: str) -> str:
    return f"{run_prefix(run_id)}shards.json"


def shard_key(run_id: str, shard: int) -> str:
    return f"{run_prefix(run_id)}shards/{shard:05d}.json"


def plan_prefix(run_id: str) -> str:
    """The full plan: one JSON Lines file per shard, in package order."""
    return f"{run_prefix(run_id)}plan/"


def plan_lines_key(run_id: str, shard: int) -> str:
    return f"{plan_prefix(run_id)}{shard:05d}.jsonl"


def shard_summary_key(run_id: str, shard: int) -> str:
    return f"{run_prefix(run_id)}shard-summaries/{shard:05d}.json"


def plan_page_key(run_id: str) -> str:
    return f"{run_prefix(run_id)}plan.html"


def merged_key(run_id: str) -> str:
    """The merged plan's report (no items), made by the merge step and completed by the report step."""
    return f"{run_prefix(run_id)}merged.json"


def parts_key(run_id: str) -> str:
    return f"{run_prefix(run_id)}parts.json"


def part_key(run_id: str, part: int) -> str:
    return f"{run_prefix(run_id)}parts/{part:05d}.json"


def outcome_key(run_id: str, part: int) -> str:
    return f"{run_prefix(run_id)}outcomes/{part:05d}.json"


def approval_key(run_id: str) -> str:
    return f"{run_prefix(run_id)}approval.json"


def report_key(run_id: str) -> str:
    return f"{run_prefix(run_id)}report.json"


def map_results_prefix(run_id: str) -> str:
    return f"{run_prefix(run_id)}map-results"


def location(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}"
