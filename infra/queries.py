"""Saved CloudWatch Logs Insights queries on the function's log group (the audit trail); plain strings, no CDK.

The records they read are written by the function (Powertools Logger, JSON, fields top level):
- one per version acted on: message "version outcome", audit true, run_id, trigger, policy, caller,
  repository, format, namespace, package, version, reason, outcome ("disposed", "failed",
  "would dispose"), error_code, error_message, ... (disposer/observability/audit.py);
- one per run, POST /dispose calls included (policy "on-demand"): message "run report", runId,
  policy, trigger, mode, totals, outcomes, calls, durationSeconds, aborted, abortedReason, ...
  (disposer/runs/report.py; level ERROR when aborted).
Every record of an invocation also has correlation_id: API Gateway's request id for API calls (the
same value as run_id/runId), the event id for scheduled runs (likewise).

Logs Insights has no query parameters, and a saved query stores no time range: the operator picks
the range in the console, and replaces RUN_ID_PLACEHOLDER in the run query with a run id.
"""

from dataclasses import dataclass

AUDIT_MESSAGE = "version outcome"
RUN_REPORT_MESSAGE = "run report"
RUN_ID_PLACEHOLDER = "REPLACE-WITH-RUN-ID"
# Logs Insights returns at most 10,000 rows.
MAX_ROWS = 10_000

_DISPOSED = f'filter message = "{AUDIT_MESSAGE}" and outcome = "disposed"'
_FAILED = f'filter message = "{AUDIT_MESSAGE}" and outcome = "failed"'


@dataclass(frozen=True)
class SavedQuery:
    """One saved query: its id in the stack, its title in the console, its Logs Insights text."""

    id: str
    title: str
    lines: tuple[str, ...]

    @property
    def query_string(self) -> str:
        return "\n| ".join(self.lines)


DISPOSED_VERSIONS = SavedQuery(
    id="DisposedVersions",
    title="What was disposed (pick Last 7 days)",
    lines=(
        "fields @timestamp, caller, trigger, policy, repository, format, namespace, package, version, reason, run_id",
        _DISPOSED,
        "sort @timestamp desc",
        f"limit {MAX_ROWS}",
    ),
)

DISPOSALS_BY_CALLER = SavedQuery(
    id="DisposalsByCaller",
    title="Disposals by caller",
    lines=(
        _DISPOSED,
        "stats count(*) as disposed, count_distinct(run_id) as runs by caller, trigger",
        "sort disposed desc",
    ),
)

FAILURES_BY_ERROR_CODE = SavedQuery(
    id="FailuresByErrorCode",
    title="Failures by error code",
    lines=(
        _FAILED,
        "stats count(*) as failures, count_distinct(run_id) as runs, latest(error_message) as lastMessage"
        " by error_code, repository",
        "sort failures desc",
    ),
)

RUN_BY_ID = SavedQuery(
    id="RunById",
    title=f"One run by run id (replace {RUN_ID_PLACEHOLDER})",
    lines=(
        "fields @timestamp, level, message, trigger, policy, caller, package, version, outcome, error_code,"
        " totals.dispose, totals.keep, durationSeconds, aborted, abortedReason, @message",
        f'filter run_id = "{RUN_ID_PLACEHOLDER}" or runId = "{RUN_ID_PLACEHOLDER}"'
        f' or correlation_id = "{RUN_ID_PLACEHOLDER}"',
        "sort @timestamp asc",
        f"limit {MAX_ROWS}",
    ),
)

SAVED_QUERIES: tuple[SavedQuery, ...] = (DISPOSED_VERSIONS, DISPOSALS_BY_CALLER, FAILURES_BY_ERROR_CODE, RUN_BY_ID)

# The dashboard's log widget: the latest disposals, newest first.
LATEST_DISPOSALS = SavedQuery(
    id="LatestDisposals",
    title="Latest disposals",
    lines=(
        "fields @timestamp, caller, policy, repository, package, version, reason",
        _DISPOSED,
        "sort @timestamp desc",
        "limit 50",
    ),
)
