"""Request and response contracts of the holds routes (field names as in the CodeArtifact API)."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import AwareDatetime, Field, field_validator

from disposer import clock
from disposer.api.models import ApiModel, PackageRequest
from disposer.model.holds import Hold, UnreadableHold
from disposer.model.packages import PackageFormat, PackageRef

MAX_HOLD_DAYS = 366
MAX_HOLD_REASON = 500
# A literal version, or a glob of versions: CodeArtifact's version characters plus `*` and `?`.
HOLD_VERSION_PATTERN = r"^[^#/\s]{1,255}$"


class HoldRequest(PackageRequest):
    """`POST /holds`: which versions of one package, until when, and why."""

    version: Annotated[str, Field(pattern=HOLD_VERSION_PATTERN, description="a version, or a glob (* and ?)")]
    until: AwareDatetime = Field(description=f"ISO 8601 with a zone, in the future, at most {MAX_HOLD_DAYS} days ahead")
    reason: Annotated[str, Field(min_length=1, max_length=MAX_HOLD_REASON)]

    @field_validator("package", "namespace")
    @classmethod
    def _literal(cls, name: str | None) -> str | None:
        if name is not None and ("*" in name or "?" in name):
            raise ValueError("must name one package literally (no * or ?): a hold is on one package that exists")
        return name

    @field_validator("until")
    @classmethod
    def _ahead(cls, until: datetime) -> datetime:
        now = clock.now()
        if until <= now:
            raise ValueError(f"must be in the future (it is {now.isoformat(timespec='seconds')} now)")
        if until > now + timedelta(days=MAX_HOLD_DAYS):
            raise ValueError(f"must be at most {MAX_HOLD_DAYS} days ahead")
        return until.astimezone(UTC)

    @field_validator("reason")
    @classmethod
    def _said(cls, reason: str) -> str:
        if not reason.strip():
            raise ValueError("must say why (not only spaces)")
        return reason.strip()

    def to_hold(self, *, hold_id: str, created_by: str, created_at: datetime) -> Hold:
        return Hold(hold_id, self.ref, self.version, self.until, self.reason, created_by, created_at)


class HoldBody(ApiModel):
    hold_id: str = Field(alias="holdId")
    domain: str
    domain_owner: str | None = Field(alias="domainOwner")
    repository: str
    format: PackageFormat
    namespace: str | None
    package: str
    version: str
    until: datetime
    reason: str
    created_by: str = Field(alias="createdBy")
    created_at: datetime = Field(alias="createdAt")

    @classmethod
    def of(cls, hold: Hold) -> "HoldBody":
        return cls(
            hold_id=hold.hold_id,
            **_coordinates(hold.ref),
            version=hold.version,
            until=hold.until,
            reason=hold.reason,
            created_by=hold.created_by,
            created_at=hold.created_at,
        )


def _coordinates(ref: PackageRef) -> dict[str, Any]:
    """A package's fields as a hold's body names them."""
    return {
        "domain": ref.domain,
        "domain_owner": ref.domain_owner,
        "repository": ref.repository,
        "format": ref.format,
        "namespace": ref.namespace,
        "package": ref.package,
    }


class HoldResponse(ApiModel):
    hold: HoldBody


class UnreadableHoldBody(ApiModel):
    """An item of the holds partition that does not parse: what is wrong, and the package it names when
    that can be read (it then holds every version of it). Only DELETE /holds/{holdId}/override removes it."""

    hold_id: str = Field(alias="holdId")
    problem: str
    domain: str | None = None
    domain_owner: str | None = Field(default=None, alias="domainOwner")
    repository: str | None = None
    format: PackageFormat | None = None
    namespace: str | None = None
    package: str | None = None

    @classmethod
    def of(cls, entry: UnreadableHold) -> "UnreadableHoldBody":
        coordinates = {} if entry.ref is None else _coordinates(entry.ref)
        return cls(hold_id=entry.hold_id, problem=entry.problem, **coordinates)


class HoldsResponse(ApiModel):
    """One page of GET /holds: the holds in force, the unreadable items, and the next page's token (if any)."""

    holds: list[HoldBody]
    unreadable: list[UnreadableHoldBody] = Field(default_factory=list)
    next_token: str | None = Field(default=None, alias="nextToken")

    @classmethod
    def of(cls, entries: Sequence[Hold | UnreadableHold], next_token: str | None) -> "HoldsResponse":
        return cls(
            holds=[HoldBody.of(entry) for entry in entries if isinstance(entry, Hold)],
            unreadable=[UnreadableHoldBody.of(entry) for entry in entries if isinstance(entry, UnreadableHold)],
            next_token=next_token,
        )


class HoldRemovedResponse(ApiModel):
    """DELETE /holds/{holdId} (and its override): the hold removed (or the unreadable item), and by whom."""

    hold: HoldBody | None = None
    unreadable: UnreadableHoldBody | None = None
    removed_by: str | None = Field(alias="removedBy")
    override: bool

    @classmethod
    def of(cls, entry: Hold | UnreadableHold, *, removed_by: str | None, override: bool) -> "HoldRemovedResponse":
        if isinstance(entry, UnreadableHold):
            return cls(unreadable=UnreadableHoldBody.of(entry), removed_by=removed_by, override=override)
        return cls(hold=HoldBody.of(entry), removed_by=removed_by, override=override)
