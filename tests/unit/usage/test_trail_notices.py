"""What an SQS message of the recorder's queue announces: the objects an S3 notification (keys URL-decoded) or an
EventBridge "Object Created" event names; nothing for S3's test event; None for anything else."""

import json

import pytest

from disposer.recorder.notices import TrailObject, read_notice
from local.trail.events import object_created, s3_notification, s3_test_event

KEY = "cloud trail/AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/01/a+b.json.gz"


def test_read_notice_s3_notification_decodes_each_key():
    # GIVEN S3's notification of two objects, keys URL-encoded (a space as `+`, a `+` as %2B)
    body = json.dumps(s3_notification("trail", KEY, "AWSLogs/x.json.gz"))
    assert "cloud+trail/" in body and "a%2Bb" in body
    # WHEN read / THEN the objects' real keys
    assert read_notice(body) == [TrailObject("trail", KEY), TrailObject("trail", "AWSLogs/x.json.gz")]


def test_read_notice_eventbridge_object_created_key_as_is():
    assert read_notice(json.dumps(object_created("trail", KEY))) == [TrailObject("trail", KEY)]


def test_read_notice_test_event_announces_nothing():
    assert read_notice(json.dumps(s3_test_event("trail"))) == []


def test_read_notice_only_objects_created():
    notice = s3_notification("trail", KEY)
    notice["Records"][0]["eventName"] = "ObjectRemoved:Delete"
    assert read_notice(json.dumps(notice)) == []


@pytest.mark.parametrize(
    "body",
    [
        "",
        "not json",
        "[]",
        json.dumps({"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": "trail"}}}]}),
        json.dumps({"source": "aws.s3", "detail-type": "Object Deleted", "detail": {}}),
        json.dumps({"Type": "Notification", "Message": "{}"}),
    ],
)
def test_read_notice_anything_else_is_no_notice(body: str):
    assert read_notice(body) is None
