"""One CloudTrail record: a download of a version of the deployment's domain, or why it is not one.

A download is a `ReadFromRepository` event (a package manager's read) or a `GetPackageVersionAsset` call (the
API's, how generic packages are fetched) of `codeartifact.amazonaws.com` with no `errorCode` and a
`packageVersion` (without one it is a metadata read: a package manager listing versions, not fetching one).
Its time is `eventTime`; its principal `userIdentity.arn`. A record that claims to be a download but does not
parse (a field missing or of the wrong type, a format this service does not know, a name CodeArtifact would
refuse) is MALFORMED: skipped and counted, never fatal, since one odd record must not cost a file's others.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from disposer.model.names import canonical_namespace, canonical_package, canonical_version
from disposer.model.packages import PackageFormat, PackageRef
from disposer.model.usage import Download
from disposer.usage.principals import PrincipalGlobs

EVENT_SOURCE = "codeartifact.amazonaws.com"
EVENT_NAME = "ReadFromRepository"
# The API call that fetches one asset of a version (how generic packages are downloaded, and what any
# script may call for any format): a download too, named by the API's own request fields. Counting it can
# only keep more versions, never fewer.
ASSET_EVENT_NAME = "GetPackageVersionAsset"
# Every event that is a download, as event history is asked for them (one name a query).
DOWNLOAD_EVENTS = (EVENT_NAME, ASSET_EVENT_NAME)
# Where each event names the package: ReadFromRepository's fields, and the API request's.
_FIELDS = {
    EVENT_NAME: ("domainName", "repositoryName", "packageFormat", "packageNamespace", "packageName"),
    ASSET_EVENT_NAME: ("domain", "repository", "format", "namespace", "package"),
}
# CodeArtifact's own constraint on names and versions (model/packages.py); the ledger's keys rely on no `#`.
_NAME = re.compile(r"[^#/\s]{1,255}")


class Skipped(StrEnum):
    """Why a record is not a download the ledger keeps."""

    NOT_A_DOWNLOAD = "not a download"  # another event, an error, or a metadata read (no version)
    OTHER_DOMAIN = "another domain"
    IGNORED_PRINCIPAL = "an ignored principal"
    MALFORMED = "malformed"


@dataclass(frozen=True, slots=True)
class TrailDownload:
    """One download read from the trail: the package, its version, and when and by whom."""

    ref: PackageRef
    version: str
    download: Download


@dataclass(frozen=True)
class DownloadScope:
    """Which downloads count: the deployment's domain (None: any) and its owner's account (None: any), and the
    callers to ignore."""

    domain: str | None = None
    domain_owner: str | None = None
    ignored: PrincipalGlobs = field(default_factory=lambda: PrincipalGlobs(()))


class _Malformed(ValueError):
    """A download record that does not parse."""


def read_download(record: Any, scope: DownloadScope) -> TrailDownload | Skipped:
    """The download `record` is, or why it is not one."""
    if not isinstance(record, dict):
        return Skipped.MALFORMED
    if record.get("eventSource") != EVENT_SOURCE or record.get("eventName") not in _FIELDS:
        return Skipped.NOT_A_DOWNLOAD
    if record.get("errorCode") is not None:
        return Skipped.NOT_A_DOWNLOAD
    params = record.get("requestParameters")
    if not isinstance(params, dict):
        return Skipped.MALFORMED
    if params.get("packageVersion") is None:
        return Skipped.NOT_A_DOWNLOAD
    try:
        found = _download(record, params, _FIELDS[record["eventName"]])
    except _Malformed:
        return Skipped.MALFORMED
    ref = found.ref
    if scope.domain is not None and ref.domain != scope.domain:
        return Skipped.OTHER_DOMAIN
    if scope.domain_owner is not None and ref.domain_owner != scope.domain_owner:
        return Skipped.OTHER_DOMAIN
    if scope.ignored.match(found.download.principal, _role_arn(record)):
        return Skipped.IGNORED_PRINCIPAL
    return found


def _download(record: dict[str, Any], params: dict[str, Any], fields: tuple[str, ...]) -> TrailDownload:
    """The download of a record that claims to be one; _Malformed if it does not parse."""
    domain, repository, format_field, namespace_field, package = fields
    try:
        package_format = PackageFormat(_text(params, format_field).lower())
    except ValueError as error:
        raise _Malformed(str(error)) from None
    namespace = params.get(namespace_field) or None
    if namespace is not None:
        # As CodeArtifact stores it (an npm scope without its `@`): a caller may spell it otherwise.
        namespace = _name(canonical_namespace(package_format, _name(namespace)))
    owner = params.get("domainOwner", record.get("recipientAccountId"))
    ref = PackageRef(
        domain=_text(params, domain),
        domain_owner=None if owner is None else _text({"owner": owner}, "owner"),
        repository=_text(params, repository),
        format=package_format,
        namespace=namespace,
        package=canonical_package(package_format, _name(params.get(package))),
    )
    version = canonical_version(package_format, _name(params.get("packageVersion")))
    return TrailDownload(ref, version, Download(_time(record), _principal(record)))


def _text(values: dict[str, Any], key: str) -> str:
    value = values.get(key)
    if not isinstance(value, str) or not value:
        raise _Malformed(f"{key} is not a non-empty string")
    return value


def _name(value: Any) -> str:
    if not isinstance(value, str) or _NAME.fullmatch(value) is None:
        raise _Malformed(f"not a name CodeArtifact accepts: {value!r}")
    return value


def _time(record: dict[str, Any]) -> datetime:
    """The event's time, aware and in UTC (CloudTrail writes `2026-11-25T03:04:05Z`)."""
    try:
        moment = datetime.fromisoformat(_text(record, "eventTime"))
    except ValueError as error:
        raise _Malformed(str(error)) from None
    if moment.tzinfo is None:
        raise _Malformed("eventTime has no time zone")
    return moment.astimezone(UTC)


def _principal(record: dict[str, Any]) -> str | None:
    """The caller's ARN (an AWS service calling on its own has none: None)."""
    identity = record.get("userIdentity")
    arn = identity.get("arn") if isinstance(identity, dict) else None
    return arn if isinstance(arn, str) and arn else None


def _role_arn(record: dict[str, Any]) -> str | None:
    """For an assumed role's session, the role's own ARN (arn:aws:iam::<account>:role/<path><name>)."""
    identity = record.get("userIdentity")
    context = identity.get("sessionContext") if isinstance(identity, dict) else None
    issuer = context.get("sessionIssuer") if isinstance(context, dict) else None
    arn = issuer.get("arn") if isinstance(issuer, dict) else None
    return arn if isinstance(arn, str) and arn else None
