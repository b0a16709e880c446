"""Named deploy-time constants: Lambda runtime and sizing, asset paths, defaults, and names shared with the function."""

import platform
import shutil
from pathlib import Path
from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_

from disposer.constants import (
    METRICS_NAMESPACE,
    RECORDER_HANDLER,
    RUN_EVENT_DETAIL_TYPE,
    RUN_EVENT_SOURCE,
    RUN_HANDLER,
    SERVICE_NAME,
)
from disposer.settings import (
    DEFAULT_MEASURE_BYTES,
    DEFAULT_PLAN_TTL_HOURS,
    DEFAULT_QUOTA_SHARE,
    DEFAULT_THREADS,
    ENV_CONCURRENT_INVOCATIONS,
    ENV_DOMAIN,
    ENV_DOMAIN_OWNER,
    ENV_LEDGER_TABLE,
    ENV_MEASURE_BYTES,
    ENV_PLAN_TTL_HOURS,
    ENV_POLICIES_FILE,
    ENV_QUOTA_SHARE,
    ENV_REPORTS_BUCKET,
    ENV_REPOSITORIES,
    ENV_STATE_MACHINE_ARN,
    ENV_SWITCH_PARAMETER,
    ENV_THREADS,
    ENV_USAGE_BUCKET,
    ENV_USAGE_IGNORE_PRINCIPALS,
    ENV_USAGE_PREFIX,
    ENV_USAGE_TRAIL,
    MAX_CONCURRENT_INVOCATIONS,
    MAX_PLAN_TTL_HOURS,
    MAX_THREADS,
    SWITCH_ENABLED,
)

# Shared with the Lambda package (imported through infra/__init__.py's sys.path entry).
__all__ = [
    "DEFAULT_MEASURE_BYTES",
    "DEFAULT_PLAN_TTL_HOURS",
    "ENV_PLAN_TTL_HOURS",
    "MAX_PLAN_TTL_HOURS",
    "DEFAULT_QUOTA_SHARE",
    "DEFAULT_THREADS",
    "MAX_THREADS",
    "ENV_CONCURRENT_INVOCATIONS",
    "ENV_DOMAIN",
    "ENV_DOMAIN_OWNER",
    "ENV_LEDGER_TABLE",
    "ENV_MEASURE_BYTES",
    "ENV_QUOTA_SHARE",
    "ENV_REPOSITORIES",
    "ENV_POLICIES_FILE",
    "ENV_REPORTS_BUCKET",
    "ENV_STATE_MACHINE_ARN",
    "ENV_SWITCH_PARAMETER",
    "SWITCH_ENABLED",
    "ENV_THREADS",
    "ENV_USAGE_BUCKET",
    "ENV_USAGE_IGNORE_PRINCIPALS",
    "ENV_USAGE_TRAIL",
    "ENV_USAGE_PREFIX",
    "METRICS_NAMESPACE",
    "RECORDER_HANDLER",
    "RUN_EVENT_DETAIL_TYPE",
    "RUN_EVENT_SOURCE",
    "SERVICE_NAME",
]

REPO_ROOT = Path(__file__).resolve().parent.parent
LAMBDA_ASSET_DIR = REPO_ROOT / "lambda"
LAMBDA_PACKAGE_DIR = LAMBDA_ASSET_DIR / "disposer"
LAMBDA_REQUIREMENTS = LAMBDA_ASSET_DIR / "requirements.txt"
# The deployment's policies file, copied into the asset root under this name: run events may run only these.
DEPLOYED_POLICIES_FILE = "deployed-policies.json"

# Lambda runtime. The bundled wheels are resolved for exactly this interpreter and platform, so the
# four values below change together.
LAMBDA_RUNTIME = lambda_.Runtime.PYTHON_3_13
LAMBDA_ARCHITECTURE = lambda_.Architecture.ARM_64
LAMBDA_PYTHON_VERSION = "3.13"
LAMBDA_PLATFORM = "manylinux2014_aarch64"
# The host platform, for the test that imports the bundled asset with a local Python 3.13.
HOST_PLATFORM = f"manylinux2014_{platform.machine()}"
# Lambda's Python, where this machine has it (pyenv), for import checks and the cold-start bench.
_PYENV_PYTHON_313 = Path.home() / ".pyenv" / "versions" / "3.13.0" / "bin" / "python3.13"
LAMBDA_PYTHON = str(_PYENV_PYTHON_313) if _PYENV_PYTHON_313.exists() else (shutil.which("python3.13") or "python3.13")

LAMBDA_HANDLER = RUN_HANDLER
# One vCPU: Lambda gives CPU in proportion to memory, a whole vCPU at 1,769 MB. A run is CPU-bound in
# places (botocore, one audit record per version, one GIL), and was measured at 100 packages x 120
# versions: 7.2 s at 512 MB, 3.8 to 4.1 s at 1,024 MB, 2.1 to 2.4 s here, 2.1 to 2.2 s at 3,538 MB (two
# vCPUs: little more for Python threads). The memory itself is not what a run needs (under 200 MB at
# 110,700 versions); at arm64 prices a 2 s run costs about $0.00005 either way.
LAMBDA_MEMORY_MB = 1769
# API calls end within their own budget, before API Gateway's 29 s, whatever the timeout says.
LAMBDA_TIMEOUT = Duration.minutes(15)

# The steps function (STEPS_HANDLER) serves every Task of the run workflow (infra/workflow_definition.py);
# the handler reads the Payload's "step". Lambda's maximum: a shard of packages plans, or a part applies,
# within it.
STEPS_TIMEOUT = Duration.minutes(15)

# The usage recorder (RECORDER_HANDLER, infra/usage.py): a batch of up to 10 queue messages, one trail file
# each, read and written to the ledger one file at a time. It waits on S3 and DynamoDB more than it computes,
# so it gets a third of a vCPU's memory; 512 MB is for one file's records parsed at once.
RECORDER_MEMORY_MB = 512
RECORDER_TIMEOUT = Duration.minutes(5)
RECORDER_BATCH_SIZE = 10
# At most this many recorder invocations at once, whatever the backlog (a trail turned on for a busy
# account, a redrive): the rest wait in the queue, leaving the account's concurrency to the run functions.
RECORDER_MAX_CONCURRENCY = 5
# Lambda's advice for an SQS event source: a visibility timeout of at least six times the function's timeout,
# so a message is not handed out again while a throttled or retried invocation still holds it.
USAGE_QUEUE_VISIBILITY = Duration.seconds(6 * int(RECORDER_TIMEOUT.to_seconds()))
USAGE_QUEUE_RETENTION = Duration.days(14)
# A trail file that fails this many receives goes to the dead-letter queue (its hour then stays uncovered).
USAGE_MAX_RECEIVE_COUNT = 5

# The ledger table's keys and TTL attribute (disposer/ledger/table.py).
LEDGER_PARTITION_KEY = "pk"
LEDGER_SORT_KEY = "sk"
LEDGER_TTL_ATTRIBUTE = "expires_at"

# Top-level packages the Lambda Python runtime provides (boto3 and its dependencies): the asset ships
# none of boto3/botocore, and the import test puts exactly these next to the bundle.
RUNTIME_PROVIDED_PACKAGES = ("boto3", "botocore", "s3transfer", "urllib3", "dateutil", "six", "jmespath")

API_STAGE_NAME = "v1"
DEFAULT_STACK_NAME = "CodeArtifactDisposer"
DEFAULT_LOG_RETENTION_DAYS = 30
# The function's log group is the audit trail of irreversible disposals: kept a year by default.
DEFAULT_AUDIT_LOG_RETENTION_DAYS = 365
DEFAULT_LOG_LEVEL: Final = "INFO"
DEFAULT_RESERVED_CONCURRENCY = 5
DEFAULT_API_RATE_LIMIT = 10.0
DEFAULT_API_BURST_LIMIT = 20
# Relative paths are resolved against REPO_ROOT, not the working directory.
DEFAULT_POLICIES_FILE = "policies.json"
# The run workflow's Map states: PlanShards plans this many shards at once, ApplyParts applies
# workerConcurrency parts at once. Each steps invocation paces itself to 1/max(both) of the share, and
# the handler's settings accept at most MAX_CONCURRENT_INVOCATIONS.
DEFAULT_PLAN_CONCURRENCY = 10
MAX_PLAN_CONCURRENCY = 100
DEFAULT_WORKER_CONCURRENCY = 2
MAX_WORKER_CONCURRENCY = MAX_CONCURRENT_INVOCATIONS
# The reports bucket keeps every run's shards, plan, parts, approval and report this long (S3 lifecycle).
DEFAULT_REPORTS_RETENTION_DAYS = 90
MAX_REPORTS_RETENTION_DAYS = 3650
# The notifications the run workflow puts on the default event bus (infra/workflow_definition.py): the
# source, and each detail-type by the state that sends it.
NOTIFICATION_SOURCE = "codeartifact.disposer"
RUN_PLANNED = "Run Planned"
APPROVAL_NEEDED = "Approval Needed"
VERSIONS_QUARANTINED = "Versions Quarantined"
RUN_FINISHED = "Run Finished"
RUN_ABORTED = "Run Aborted"
NOTIFICATION_DETAIL_TYPES = (RUN_PLANNED, APPROVAL_NEEDED, VERSIONS_QUARANTINED, RUN_FINISHED, RUN_ABORTED)
