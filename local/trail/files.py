"""A trail's deliveries into (moto's) S3: gzipped log files and hourly digest files, with CloudTrail's key layout.

Gaps are made on purpose: an hour delivered without its digest, or a digest that lists a log file never
delivered (`undelivered`), as a lost delivery would leave them.
"""

import gzip
import hashlib
import json
import random
import string
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from local.trail.records import ACCOUNT, REGION, stamp

TRAIL = "management-events"
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class HourFiles:
    """What one hour's delivery left in the bucket: its log files, the ones its digest lists but were never
    delivered, and its digest (None: left out)."""

    log_files: tuple[str, ...]
    undelivered: tuple[str, ...]
    digest: str | None


@dataclass
class TrailWriter:
    """Delivers a trail's files for one account and region under `prefix` (an organization trail's: `org`)."""

    s3: Any
    bucket: str
    prefix: str = ""
    account: str = ACCOUNT
    region: str = REGION
    org: str | None = None
    trail: str = TRAIL
    seed: int = 0
    _random: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    @property
    def root(self) -> str:
        parts = [self.prefix.strip("/")] if self.prefix.strip("/") else []
        parts += ["AWSLogs", *([self.org] if self.org else []), self.account]
        return "/".join(parts)

    def log_key(self, delivered: datetime) -> str:
        suffix = "".join(self._random.choices(string.ascii_letters + string.digits, k=16))
        name = f"{self.account}_CloudTrail_{self.region}_{delivered:%Y%m%dT%H%MZ}_{suffix}.json.gz"
        return f"{self.root}/CloudTrail/{self.region}/{delivered:%Y/%m/%d}/{name}"

    def digest_key(self, end: datetime) -> str:
        name = f"{self.account}_CloudTrail-Digest_{self.region}_{self.trail}_{self.region}_{end:%Y%m%dT%H%M%SZ}.json.gz"
        return f"{self.root}/CloudTrail-Digest/{self.region}/{end:%Y/%m/%d}/{name}"

    def put_log_file(self, records: Sequence[dict[str, Any]], delivered: datetime, *, deliver: bool = True) -> str:
        """A log file holding `records`, delivered at `delivered` (only named, not written, unless `deliver`)."""
        key = self.log_key(delivered)
        if deliver:
            self.put(key, gzip.compress(json.dumps({"Records": list(records)}).encode()))
        return key

    def put(self, key: str, body: bytes) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)

    def put_digest(self, start: datetime, listed: Sequence[str], end: datetime | None = None) -> str:
        """The digest of [start, end) (an hour by default) listing `listed`, delivered at its end."""
        end = end or start + HOUR
        key = self.digest_key(end)
        self.put(key, gzip.compress(json.dumps(self.digest_document(key, start, end, listed)).encode()))
        return key

    def digest_document(self, key: str, start: datetime, end: datetime, listed: Sequence[str]) -> dict[str, Any]:
        """A digest file's JSON, as CloudTrail writes it (the hashes and signature are placeholders)."""
        files = [
            {
                "s3Bucket": self.bucket,
                "s3Object": log_key,
                "hashValue": hashlib.sha256(log_key.encode()).hexdigest(),
                "hashAlgorithm": "SHA-256",
                "newestEventTime": stamp(end - timedelta(minutes=5)),
                "oldestEventTime": stamp(start),
            }
            for log_key in listed
        ]
        return {
            "awsAccountId": self.account,
            "digestStartTime": stamp(start),
            "digestEndTime": stamp(end),
            "digestS3Bucket": self.bucket,
            "digestS3Object": key,
            "digestPublicKeyFingerprint": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
            "digestSignatureAlgorithm": "SHA256withRSA",
            "newestEventTime": stamp(end) if listed else None,
            "oldestEventTime": stamp(start) if listed else None,
            "previousDigestS3Bucket": self.bucket,
            "previousDigestS3Object": self.digest_key(start),
            "previousDigestHashValue": hashlib.sha256(start.isoformat().encode()).hexdigest(),
            "previousDigestHashAlgorithm": "SHA-256",
            "previousDigestSignature": "00" * 256,
            "logFiles": files,
        }

    def deliver_hour(
        self,
        start: datetime,
        batches: Sequence[Sequence[dict[str, Any]]],
        *,
        digest: bool = True,
        undelivered: int = 0,
    ) -> HourFiles:
        """An hour's log files (one per batch of records, every few minutes), and its digest listing them all,
        with `undelivered` more listed but never delivered. `digest` False: the hour's digest is left out."""
        step = HOUR / (len(batches) + undelivered + 1)
        times = [start + step * (i + 1) for i in range(len(batches) + undelivered)]
        delivered = [self.put_log_file(batch, at) for batch, at in zip(batches, times, strict=False)]
        missing = [self.put_log_file([], at, deliver=False) for at in times[len(batches) :]]
        digest_key = self.put_digest(start, [*delivered, *missing]) if digest else None
        return HourFiles(tuple(delivered), tuple(missing), digest_key)


def gzipped_records(records: Iterable[dict[str, Any]], *, level: int = 6) -> Iterator[bytes]:
    """A log file's gzipped bytes, piece by piece, from records made one at a time (a file of any size)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    yield compressor.compress(b'{"Records":[')
    for index, record in enumerate(records):
        yield compressor.compress((b"," if index else b"") + json.dumps(record).encode())
    yield compressor.compress(b"]}")
    yield compressor.flush()
