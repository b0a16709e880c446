"""The run report document: what `POST /plan` and `/apply` answer, what a run's `run report` record logs
(less the items), and what the CLI prints; one shape for every way a run is made."""

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from disposer.model.packages import PackageFormat, PackageVersionStatus
from disposer.model.runs import Trigger

# A /plan or /apply response lists at most this many items (dispose items first), and errors; totals
# count every version, and the plan records log them all.
MAX_REPORTED_ITEMS = 1_000
MAX_REPORTED_ERRORS = 100
# Lambda answers at most 6 MB. The listed items take at most ITEM_BYTES and the errors ERROR_BYTES of it,
# counted as they are sent (JSON escaped as ASCII, then escaped again as the proxy response's body
# string), so no name, reason or message, however long or strange, can push an answer over: the rest
# of the body is a few KB. A realistic item is ~1 KB, so the count is what binds.
ITEM_BYTES = 4_500_000
ERROR_BYTES = 500_000
# A reason (a hold's own reason is up to 500 characters) or an error message is cut beyond this.
MAX_REPORTED_TEXT = 1_000

Entry = TypeVar("Entry", bound=BaseModel)


def clipped(text: str | None) -> str | None:
    """`text`, cut to MAX_REPORTED_TEXT characters (marked with an ellipsis)."""
    return text if text is None or len(text) <= MAX_REPORTED_TEXT else text[: MAX_REPORTED_TEXT - 1] + "…"


def sent_size(entry: BaseModel) -> int:
    """The bytes `entry` takes in Lambda's response: at most its JSON escaped as ASCII, escaped again."""
    return len(json.dumps(json.dumps(entry.model_dump(mode="json", by_alias=True), separators=(",", ":"))))


def within(entries: Iterable[Entry], count: int, size: int | None) -> list[Entry]:
    """The first entries, at most `count` of them and `size` bytes as sent (None: no size bound)."""
    kept: list[Entry] = []
    spent = 0
    for entry in entries:
        if len(kept) == count:
            break
        spent += 0 if size is None else sent_size(entry)
        if size is not None and spent > size:
            break
        kept.append(entry)
    return kept


class ReportModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class RunItem(ReportModel):
    """One version in a run: the plan's decision and, once applied, what happened."""

    repository: str
    format: PackageFormat
    namespace: str | None
    package: str
    version: str
    revision: str | None
    status: PackageVersionStatus | None
    action: Literal["keep", "dispose", "archive"]
    reason: str
    outcome: Literal["disposed", "archived", "failed"] | None = None
    error_code: str | None = Field(default=None, alias="errorCode")
    error_message: str | None = Field(default=None, alias="errorMessage")
    published_time: datetime | None = Field(
        default=None,
        alias="publishedTime",
        description="when it was published, where the run learnt it (described, or remembered); null otherwise",
    )
    last_download: datetime | None = Field(
        default=None,
        alias="lastDownload",
        description="the last download recorded (a policy with keep.downloadedWithinDays); null: none or not read",
    )
    downloaded_by: str | None = Field(default=None, alias="downloadedBy", description="who made the last download")


class RunTotals(ReportModel):
    packages: int
    versions: int
    keep: int
    dispose: int
    # Defaults: a summary stored by an earlier version of the function (a run in flight across a deploy).
    archive: int = Field(default=0, description="versions put in quarantine (Archived now, disposed after the grace)")
    rules: dict[str, int] = Field(description="versions per deciding rule, e.g. keep:latest, dispose:older-than")


class RunError(ReportModel):
    scope: str = Field(description="the repository or package that could not be read")
    error_code: str = Field(alias="errorCode")
    error_message: str = Field(alias="errorMessage")


class RunReportBody(ReportModel):
    """`POST /plan`, `POST /apply` and scheduled runs: the plan, what was done, and what it cost."""

    run_id: str = Field(alias="runId")
    policy: str
    trigger: Trigger
    mode: Literal["plan", "apply"]
    as_of: datetime = Field(alias="asOf")
    items: list[RunItem] = Field(
        description="dispose and archive items first; at most 1,000 and 4.5 MB of them (see itemsTruncated)"
    )
    # Defaults: a summary stored by an earlier version of the function (a run in flight across a deploy).
    items_total: int = Field(default=0, alias="itemsTotal", description="every version the plan decided")
    items_truncated: bool = Field(
        default=False, alias="itemsTruncated", description="items lists fewer than itemsTotal"
    )
    items_omitted: int = Field(alias="itemsOmitted", description="itemsTotal less the items listed")
    totals: RunTotals
    max_disposals_per_run: int | None = Field(alias="maxDisposalsPerRun")
    cap_exceeded: bool = Field(alias="capExceeded")
    max_disposals_percent: int | None = Field(default=None, alias="maxDisposalsPercent")
    percent_exceeded: bool = Field(default=False, alias="percentExceeded")
    plan_digest: str | None = Field(
        default=None,
        alias="planDigest",
        description="identifies the plan's writes: pass it as expectedPlanDigest to apply exactly it",
    )
    outcomes: dict[str, int] = Field(description="disposed, or the error code, per version acted on")
    errors: list[RunError] = Field(description="at most 100 (see errorsOmitted)")
    errors_omitted: int = Field(default=0, alias="errorsOmitted", description="errors not listed")
    calls: dict[str, int] = Field(description="CodeArtifact calls made, per operation")
    throttles: int = Field(description="CodeArtifact answers of ThrottlingException (each was retried)")
    bytes_reclaimed: int | None = Field(
        alias="bytesReclaimed", description="asset bytes of the versions disposed; null when not measured"
    )
    duration_seconds: float = Field(alias="durationSeconds")
    aborted: bool
    aborted_reason: str | None = Field(alias="abortedReason")
    disposals_disabled: bool = Field(
        default=False, alias="disposalsDisabled", description="the kill switch stopped its writes"
    )
    plan_location: str | None = Field(
        default=None,
        alias="planLocation",
        description="where the full plan is kept (JSON Lines in the reports bucket), when it is kept",
    )

    def summary(self) -> dict[str, Any]:
        """Every figure but the items (the plan and audit records carry those), as JSON values."""
        return self.model_dump(mode="json", by_alias=True, exclude={"items"})
