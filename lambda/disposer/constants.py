"""Names shared by the Lambda code and the CDK stack, so both sides agree on one spelling."""

SERVICE_NAME = "codeartifact-disposer"
METRICS_NAMESPACE = "CodeArtifactDisposal"

# Environment variables the stack sets and the handler reads (see settings.py).
ENV_DOMAIN = "DISPOSER_DOMAIN"
ENV_DOMAIN_OWNER = "DISPOSER_DOMAIN_OWNER"
ENV_REPOSITORIES = "DISPOSER_REPOSITORIES"
ENV_MAX_ATTEMPTS = "DISPOSER_MAX_ATTEMPTS"
ENV_QUOTA_SHARE = "DISPOSER_QUOTA_SHARE"
ENV_CONCURRENT_INVOCATIONS = "DISPOSER_CONCURRENT_INVOCATIONS"
ENV_THREADS = "DISPOSER_THREADS"
# Set together to fan a scheduled run's disposals out to the worker function (see fanout.py).
ENV_WORK_QUEUE_URL = "DISPOSER_WORK_QUEUE_URL"
ENV_RUN_TABLE = "DISPOSER_RUN_TABLE"
WORKER_HANDLER = "disposer.worker.lambda_handler"

# The EventBridge event that starts a retention-policy run (schedule rules and manual PutEvents).
RUN_EVENT_SOURCE = "codeartifact-disposer"
RUN_EVENT_DETAIL_TYPE = "Retention Policy Run"

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
# Dimension sets: the alarms watch the aggregate; the dashboard breaks down by policy and trigger.
METRIC_DIMENSIONS_AGGREGATE = ("service",)
METRIC_DIMENSIONS_BREAKDOWN = ("service", "policy", "trigger")
METRIC_DIMENSIONS_BY_ERROR = ("service", "errorCode")
ENV_MEASURE_BYTES = "DISPOSER_MEASURE_BYTES"
