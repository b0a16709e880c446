"""The reports bucket, read and written: JSON documents and JSON Lines, each under a key of reports/layout.py.

Errors become ReportsError (transient: Step Functions retries the step); a missing key reads as None.
"""

import json
import tempfile
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from disposer.errors import ReportsError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
else:
    S3Client = Any

# JSON Lines are written from a file that stays in memory up to this size and spills to /tmp past it.
_SPOOL_BYTES = 16 * 1024 * 1024
_MISSING = {"NoSuchKey", "404", "NotFound"}
# Compact JSON. One encoder for every document and line: json.dumps with separators builds a new one per
# call, half the cost of a plan line (a run at scale writes one per version it covers).
_COMPACT = json.JSONEncoder(separators=(",", ":"))


class RunStore:
    """One bucket: what workflow runs keep."""

    def __init__(self, bucket: str, client: S3Client) -> None:
        self.bucket = bucket
        self._client = client

    def put_json(self, key: str, document: Any, *, only_if_new: bool = False) -> bool:
        """Write `document`; with `only_if_new`, only if nothing is there yet (False if something was)."""
        body = _COMPACT.encode(document).encode()
        extra: dict[str, Any] = {"IfNoneMatch": "*"} if only_if_new else {}
        try:
            self._client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/json", **extra)
        except ClientError as error:
            if only_if_new and _code(error) in {"PreconditionFailed", "412", "ConditionalRequestConflict"}:
                return False
            raise _failed("write", key, error) from error
        except BotoCoreError as error:
            raise _failed("write", key, error) from error
        return True

    def get_json(self, key: str) -> Any:
        """The document at `key`, or None if there is none."""
        body = self._get(key)
        return None if body is None else json.loads(body)

    def put_text(self, key: str, text: str, content_type: str) -> None:
        try:
            self._client.put_object(Bucket=self.bucket, Key=key, Body=text.encode(), ContentType=content_type)
        except (ClientError, BotoCoreError) as error:
            raise _failed("write", key, error) from error

    def put_lines(self, key: str, lines: Iterable[Any]) -> int:
        """Write each of `lines` as one compact JSON line; return how many (a large file never sits in memory)."""
        count = 0
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
            for line in lines:
                spool.write(_COMPACT.encode(line).encode() + b"\n")
                count += 1
            spool.seek(0)
            try:
                self._client.put_object(Bucket=self.bucket, Key=key, Body=spool, ContentType="application/x-ndjson")
            except (ClientError, BotoCoreError) as error:
                raise _failed("write", key, error) from error
        return count

    def lines(self, key: str) -> Iterator[Any]:
        """The JSON lines at `key`, streamed (none if the key does not exist)."""
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _code(error) in _MISSING:
                return
            raise _failed("read", key, error) from error
        except BotoCoreError as error:
            raise _failed("read", key, error) from error
        for raw in response["Body"].iter_lines():
            if raw.strip():
                yield json.loads(raw)

    def _get(self, key: str) -> bytes | None:
        try:
            return bytes(self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        except ClientError as error:
            if _code(error) in _MISSING:
                return None
            raise _failed("read", key, error) from error
        except BotoCoreError as error:
            raise _failed("read", key, error) from error


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


def _failed(verb: str, key: str, error: Exception) -> ReportsError:
    reason = _code(error) if isinstance(error, ClientError) else str(error)
    return ReportsError(f"could not {verb} {key} in the reports bucket: {reason}")
