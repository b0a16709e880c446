"""The recorder's direct invocation that starts a backfill, and its answer.

    {"backfill": {"from": "2026-11-01T00:00:00Z", "to": "2026-11-02T00:00:00Z"}}
    -> {"hoursCovered": 24, "downloadsRecorded": 310, "next": null, "hoursFailed": []}
    -> {"error": {"code": "InvalidBackfillRange", "message": "backfill.from: ..."}}

The caller names hours only, never what they hold: the function reads event history itself. Whoever may
invoke the recorder (lambda:InvokeFunction) may start one. `next` is the first hour not tried (null: the
range was read to its end); `hoursFailed` the hours tried and left uncovered, to try again.
"""

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from disposer.errors import BackfillRangeError, DisposerError
from disposer.recorder.backfill import BackfillResult


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class BackfillHours(_Model):
    start: AwareDatetime = Field(alias="from")
    end: AwareDatetime = Field(alias="to")


class BackfillEvent(_Model):
    backfill: BackfillHours


class FailedHourBody(_Model):
    hour: datetime
    error_code: str = Field(alias="errorCode")
    error_message: str = Field(alias="errorMessage")


class BackfillAnswer(_Model):
    hours_covered: int = Field(alias="hoursCovered")
    downloads_recorded: int = Field(alias="downloadsRecorded")
    next: datetime | None
    hours_failed: list[FailedHourBody] = Field(default_factory=list, alias="hoursFailed")

    @classmethod
    def of(cls, result: BackfillResult) -> "BackfillAnswer":
        return cls(
            hours_covered=result.hours_covered,
            downloads_recorded=result.downloads_recorded,
            next=result.next,
            hours_failed=[
                FailedHourBody(hour=failed.hour, error_code=failed.code, error_message=failed.message)
                for failed in result.failed
            ],
        )

    def document(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


def is_backfill(event: Any) -> bool:
    """Whether an event asks for a backfill (any other is an SQS batch)."""
    return isinstance(event, dict) and "backfill" in event


def read_backfill(event: Any) -> BackfillHours:
    """The hours a backfill event asks for; BackfillRangeError naming the field if it is not the shape above."""
    try:
        return BackfillEvent.model_validate(event).backfill
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'event'}: {e['msg']}" for e in error.errors())
        raise BackfillRangeError(problems) from None


def error_document(error: DisposerError) -> dict[str, Any]:
    return {"error": {"code": error.code, "message": error.message}}
