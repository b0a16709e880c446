"""Names shared by the functions and the stack (infra/), so both sides agree on one spelling."""

SERVICE_NAME = "codeartifact-disposer"
METRICS_NAMESPACE = "CodeArtifactDisposal"

# The functions' entry points in the asset.
RUN_HANDLER = "disposer.handler.lambda_handler"
STEPS_HANDLER = "disposer.steps.lambda_handler"
# The usage recorder (deployed with the usageTrail context key): CloudTrail files, through SQS, into the ledger.
RECORDER_HANDLER = "disposer.recorder.lambda_handler"

# The EventBridge event that starts a retention-policy run (schedule rules and manual PutEvents).
RUN_EVENT_SOURCE = "codeartifact-disposer"
RUN_EVENT_DETAIL_TYPE = "Retention Policy Run"
# The source of events EventBridge itself sends (schedules); no PutEvents caller may use an aws. source,
# so only events with it may name their rule as the caller.
EVENTBRIDGE_SOURCE = "aws.events"

# CodeArtifact accepts at most this many versions in one Dispose/Update call.
MAX_VERSIONS_PER_CALL = 100

# Metric names (namespace METRICS_NAMESPACE), shared with the dashboard and alarms in infra/.
METRIC_RUNS = "Runs"
METRIC_VERSIONS_PLANNED = "VersionsPlanned"
METRIC_VERSIONS_KEPT = "VersionsKept"
METRIC_VERSIONS_DISPOSED = "VersionsDisposed"
METRIC_VERSIONS_FAILED = "VersionsFailed"
METRIC_BYTES_RECLAIMED = "BytesReclaimed"
METRIC_API_THROTTLES = "ApiThrottles"
METRIC_RUN_DURATION = "RunDuration"
METRIC_RUN_ABORTED = "RunAborted"
# Safety: versions a run archived (quarantine), disposed after their quarantine, and kept by a hold.
METRIC_VERSIONS_ARCHIVED = "VersionsArchived"
METRIC_QUARANTINE_DISPOSALS = "VersionsDisposedFromQuarantine"
METRIC_VERSIONS_HELD = "VersionsHeld"
# 1 for a run or request the kill switch stopped (before or during its writes).
METRIC_DISPOSALS_DISABLED = "DisposalsDisabled"
# Ledger items that do not parse (a hold that cannot be read), counted each time a request meets one.
METRIC_UNREADABLE_LEDGER_ITEMS = "UnreadableLedgerItems"
# Usage (keep.downloadedWithinDays): candidates a run kept because usage was unknown (a coverage gap).
METRIC_USAGE_UNKNOWN = "VersionsKeptUsageUnknown"
# The usage recorder, per invocation (dimension set [service]): files read whole, files that could not be
# read (never counted as processed, so their hour stays uncovered), records skipped as malformed, downloads
# that moved a version's last download forward, and digest files read (one an hour while the trail delivers).
METRIC_TRAIL_FILES_READ = "TrailFilesRead"
METRIC_TRAIL_FILES_UNREADABLE = "TrailFilesUnreadable"
METRIC_TRAIL_RECORDS_SKIPPED = "TrailRecordsSkipped"
METRIC_DOWNLOADS_RECORDED = "DownloadsRecorded"
METRIC_DIGESTS_READ = "DigestsRead"
# Dimension sets: the alarms watch the aggregate; the dashboard breaks down by policy and trigger.
METRIC_DIMENSIONS_AGGREGATE = ("service",)
METRIC_DIMENSIONS_BREAKDOWN = ("service", "policy", "trigger")
METRIC_DIMENSIONS_BY_ERROR = ("service", "errorCode")
