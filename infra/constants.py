"""Named deploy-time constants: Lambda runtime and sizing, asset paths, defaults, and names shared with the function."""

import platform
import shutil
from pathlib import Path
from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_

from disposer.constants import (
    METRICS_NAMESPACE,
    RUN_EVENT_DETAIL_TYPE,
    RUN_EVENT_SOURCE,
    RUN_HANDLER,
    SERVICE_NAME,
    WORKER_HANDLER,
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
    ENV_REPOSITORIES,
    ENV_RUN_TABLE,
    ENV_SWITCH_PARAMETER,
    ENV_THREADS,
    ENV_WORK_QUEUE_URL,
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
    "ENV_RUN_TABLE",
    "ENV_SWITCH_PARAMETER",
    "SWITCH_ENABLED",
    "ENV_THREADS",
    "ENV_WORK_QUEUE_URL",
    "METRICS_NAMESPACE",
    "RUN_EVENT_DETAIL_TYPE",
    "RUN_EVENT_SOURCE",
    "SERVICE_NAME",
    "WORKER_HANDLER",
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
# Scheduled runs may page through large repositories; API calls are cut at 29 s by API Gateway anyway.
LAMBDA_TIMEOUT = Duration.minutes(15)
# Async (EventBridge) invocations: each schedule firing is one run, so a failed run (aborted by its
# cap, say) is not repeated but goes straight to the failed-runs queue; a stale one is dropped after
# 6 h because the plan it would apply is pinned to what it saw when it started.
LAMBDA_ASYNC_RETRY_ATTEMPTS = 0
LAMBDA_ASYNC_MAX_EVENT_AGE = Duration.hours(6)
# Failed async runs wait here for an operator; 14 days is SQS's maximum retention.
FAILED_RUNS_RETENTION = Duration.days(14)

# Fan-out (infra/fanout.py). The worker applies a batch of up to WORKER_BATCH_SIZE messages of up to
# 400 versions each (disposer/fanout.py), one after another; with measureBytes every version costs a
# paced ListPackageVersionAssets call, at share x 200 / (workerConcurrency + 1) per second: 4,000
# versions take 2 minutes at the defaults and 7 at workerConcurrency 10. Hence Lambda's maximum, so
# that a full batch finishes rather than times out and is redelivered.
WORKER_TIMEOUT = Duration.minutes(15)
WORKER_BATCH_SIZE = 10
# AWS recommends a visibility timeout of at least six times the function timeout for an SQS event
# source, so that a message is not redelivered while a throttled or retried batch still holds it.
WORK_QUEUE_VISIBILITY_TIMEOUT = Duration.seconds(6 * WORKER_TIMEOUT.to_seconds())
# Three receives, then the message is a poison message: parked in the DLQ (alarm WorkDeadLetters).
WORK_MAX_RECEIVE_COUNT = 3
WORK_DLQ_RETENTION = Duration.days(14)
# The run table's key and TTL attribute (disposer/run_table.py).
RUN_TABLE_PARTITION_KEY = "pk"
RUN_TABLE_TTL_ATTRIBUTE = "expires_at"
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
DEFAULT_FAN_OUT = True
# The SQS event source's maximum concurrency: AWS accepts 2 to 1000; 999 so that the workers plus the
# run function stay within the 1000 invocations the handler's settings accept.
DEFAULT_WORKER_CONCURRENCY = 2
MIN_WORKER_CONCURRENCY = 2
MAX_WORKER_CONCURRENCY = 999
