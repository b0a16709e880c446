"""What an SQS message of the recorder's queue announces: the S3 objects created, whichever way S3 said so.

- an S3 event notification, `{"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
  "s3": {"bucket": {"name"}, "object": {"key"}}}]}`, its key URL-encoded (`+` for a space);
- the `s3:TestEvent` S3 sends when the notification is configured: nothing to read;
- an EventBridge "Object Created" event of `aws.s3` (`detail.bucket.name`, `detail.object.key`, not encoded).
Only the fields the recorder needs are required; anything else in the shapes is left alone.
"""

import json
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote_plus

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError


@dataclass(frozen=True, slots=True)
class TrailObject:
    bucket: str
    key: str


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class _Bucket(_Model):
    name: str = Field(min_length=1)


class _Object(_Model):
    key: str = Field(min_length=1)


class _Entity(_Model):
    bucket: _Bucket
    object_: _Object = Field(alias="object")


class _Record(_Model):
    event_source: str = Field(alias="eventSource")
    event_name: str = Field(default="", alias="eventName")
    s3: _Entity | None = None


class _Notification(_Model):
    records: list[_Record] = Field(alias="Records")


class _TestEvent(_Model):
    event: Literal["s3:TestEvent"] = Field(alias="Event")


class _ObjectCreated(_Model):
    source: Literal["aws.s3"]
    detail_type: Literal["Object Created"] = Field(alias="detail-type")
    detail: _Entity


_BODY: TypeAdapter[_Notification | _TestEvent | _ObjectCreated] = TypeAdapter(
    _Notification | _TestEvent | _ObjectCreated
)


def read_notice(body: str) -> list[TrailObject] | None:
    """The objects a message's body announces as created ([] for a test event), or None if it is no notice."""
    try:
        notice = _BODY.validate_python(json.loads(body))
    except (ValueError, ValidationError):
        return None
    if isinstance(notice, _TestEvent):
        return []
    if isinstance(notice, _ObjectCreated):
        return [TrailObject(notice.detail.bucket.name, notice.detail.object_.key)]
    return [
        TrailObject(record.s3.bucket.name, unquote_plus(record.s3.object_.key))
        for record in notice.records
        if record.s3 is not None and record.event_source == "aws:s3" and record.event_name.startswith("ObjectCreated:")
    ]
