"""CDK stack and constructs that deploy the CodeArtifact disposal service."""

import sys
from pathlib import Path

# The Lambda asset root is also the import root of the Lambda package. On sys.path before any infra
# module loads, it lets the stack share names (disposer.constants) and validate policies
# (disposer.retention.policy) with the Lambda's own code, so each has exactly one spelling.
_LAMBDA_ASSET_ROOT = str(Path(__file__).resolve().parent.parent / "lambda")
if _LAMBDA_ASSET_ROOT not in sys.path:
    sys.path.insert(0, _LAMBDA_ASSET_ROOT)
