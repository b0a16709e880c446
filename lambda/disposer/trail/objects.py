"""S3 objects of the trail's bucket read as a stream of bytes, so a large log file is never held whole.

An object that is not there (deleted, or a key that never existed) will not appear on a later try: it is
TrailFileUnreadableError, reported and dropped. Anything else (a throttle, a fault, the connection lost in
the middle of the body, access refused) is TrailUnavailableError, and the file's message is delivered again.
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from disposer.errors import TrailFileUnreadableError, TrailUnavailableError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
else:
    S3Client = Any

# Bytes asked of the body at a time: large enough that the per-read overhead vanishes, small against memory.
READ_BYTES = 256 * 1024
_GONE = {"NoSuchKey", "404", "NotFound"}


class TrailObjects:
    """GetObject of the trail's files (ports.TrailFiles)."""

    def __init__(self, client: S3Client) -> None:
        self._client = client

    def chunks(self, bucket: str, key: str) -> Iterator[bytes]:
        """The object's bytes, READ_BYTES at a time, as S3 sends them."""
        try:
            answer = self._client.get_object(Bucket=bucket, Key=key)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in _GONE:
                raise TrailFileUnreadableError(f"{key} is not in the bucket {bucket} ({code})") from None
            raise TrailUnavailableError(f"the trail's bucket could not be read ({key}): {error}") from error
        except BotoCoreError as error:
            raise TrailUnavailableError(f"the trail's bucket could not be read ({key}): {error}") from error
        body = answer["Body"]
        try:
            yield from body.iter_chunks(READ_BYTES)
        except (BotoCoreError, ClientError) as error:
            raise TrailUnavailableError(f"the trail's bucket stopped sending {key}: {error}") from error
        finally:
            body.close()
