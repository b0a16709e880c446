"""The events that announce a trail's new files to the recorder: S3 event notifications (and S3's test event)
and EventBridge's "Object Created", each as the body of an SQS message, in an SQS event as Lambda delivers it."""

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from local.trail.records import ACCOUNT, REGION

QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:trail-notices"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def s3_notification(bucket: str, *keys: str) -> dict[str, Any]:
    """S3's event notification of objects created (`ObjectCreated:Put`), each key URL-encoded as S3 sends it."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventTime": _now(),
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:AROAEXAMPLE:regionalDeliverySession"},
                "requestParameters": {"sourceIPAddress": "10.1.2.3"},
                "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xR"},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "trail-files",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": quote_plus(key, safe="/"),
                        "size": 1024,
                        "eTag": hashlib.md5(key.encode()).hexdigest(),  # noqa: S324 - an ETag, not a secret
                        "sequencer": "0055AED6DCD90281E5",
                    },
                },
            }
            for key in keys
        ]
    }


def s3_test_event(bucket: str) -> dict[str, Any]:
    """What S3 sends once when the notification is configured."""
    return {
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": _now(),
        "Bucket": bucket,
        "RequestId": "5582815E1AEA5ADF",
        "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
    }


def object_created(bucket: str, key: str) -> dict[str, Any]:
    """EventBridge's event of an object created (the bucket's EventBridge notifications on)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": ACCOUNT,
        "time": _now()[:19] + "Z",
        "region": REGION,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {"key": key, "size": 1024, "etag": "b1946ac92492d2347c6235b4d2611184", "sequencer": "0062E99A88"},
            "request-id": "N4N7GDK58NMKJ12R",
            "requester": ACCOUNT,
            "source-ip-address": "10.1.2.3",
            "reason": "PutObject",
        },
    }


def sqs_event(bodies: Sequence[dict[str, Any] | str]) -> dict[str, Any]:
    """An SQS event as Lambda delivers a batch: one record per body (a dict is sent as its JSON)."""
    return {"Records": [sqs_record(body) for body in bodies]}


def sqs_record(body: dict[str, Any] | str) -> dict[str, Any]:
    text = body if isinstance(body, str) else json.dumps(body)
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a" + uuid.uuid4().hex,
        "body": text,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1545082649183",
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1545082649185",
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(text.encode()).hexdigest(),  # noqa: S324 - SQS's own checksum
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": REGION,
    }
