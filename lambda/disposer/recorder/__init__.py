"""The usage recorder: CloudTrail's log and digest files, announced by S3 through SQS, read into the ledger.

Each log file's downloads move their versions' last download forward; each file read whole, and each digest,
counts toward the trail's coverage (ledger/usage_store.py). The entry point is
`disposer.recorder.lambda_handler`.
"""

from disposer.recorder.handler import lambda_handler

__all__ = ["lambda_handler"]
