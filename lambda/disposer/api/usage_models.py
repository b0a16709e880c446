"""Request and response contracts of `POST /usage`: one package's last downloads and the trail's coverage."""

from datetime import datetime
from typing import Annotated

from pydantic import Field, StrictInt

from disposer.api.models import ApiModel, PackageRequest
from disposer.retention.policy import MAX_DOWNLOAD_WINDOW_DAYS
from disposer.runs.usage import UsageReport

DEFAULT_USAGE_DAYS = 30


class UsageRequest(PackageRequest):
    """`POST /usage`: which package, and how many days back (the window a policy's keep.downloadedWithinDays
    would look at)."""

    days: Annotated[StrictInt, Field(ge=1, le=MAX_DOWNLOAD_WINDOW_DAYS)] = DEFAULT_USAGE_DAYS


class VersionDownload(ApiModel):
    version: str
    last_download: datetime = Field(alias="lastDownload")
    downloaded_by: str | None = Field(alias="downloadedBy", description="the caller's ARN; null if unknown")
    within_window: bool = Field(alias="withinWindow", description="downloaded within the window asked for")


class CoverageBody(ApiModel):
    window_start: datetime = Field(alias="windowStart")
    window_end: datetime = Field(alias="windowEnd", description="an hour before now: the last hour is still arriving")
    covered: bool = Field(description="every log file of the window was recorded: no download can have been missed")
    gap: str | None = Field(description="why not, when not: what a policy's plan would say (kept: usage unknown)")


class UsageResponse(ApiModel):
    days: int
    coverage: CoverageBody
    versions: list[VersionDownload] = Field(
        description="every version with a recorded download, the latest first; a version absent had none recorded"
    )

    @classmethod
    def of(cls, report: UsageReport, days: int) -> "UsageResponse":
        versions = [
            VersionDownload(
                version=version,
                last_download=download.at,
                downloaded_by=download.principal,
                within_window=download.at >= report.window_start,
            )
            for version, download in sorted(report.downloads.items(), key=lambda pair: pair[1].at, reverse=True)
        ]
        coverage = CoverageBody(
            window_start=report.window_start, window_end=report.window_end, covered=report.gap is None, gap=report.gap
        )
        return cls(days=days, coverage=coverage, versions=versions)
