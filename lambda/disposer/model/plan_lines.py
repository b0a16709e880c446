"""A plan item as one JSON object: the lines of a workflow run's full plan (JSON Lines), its shards' writes and
its parts, read back field for field as the same PlanItem."""

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from disposer.model.packages import PackageFormat, PackageRef, PackageVersionStatus
from disposer.model.plans import Action, PlanItem, Rule
from disposer.model.usage import Download


def item_line(item: PlanItem) -> dict[str, Any]:
    """The item as the plan's JSON Lines show it (camelCase, as the API names each field)."""
    ref = item.ref
    return {
        "domain": ref.domain,
        "domainOwner": ref.domain_owner,
        "repository": ref.repository,
        "format": ref.format.value,
        "namespace": ref.namespace,
        "package": ref.package,
        "version": item.version,
        "revision": item.revision,
        "status": None if item.status is None else item.status.value,
        "action": item.action.value,
        "rule": item.rule.value,
        "reason": item.reason,
        "expectedStatus": None if item.expected_status is None else item.expected_status.value,
        "publishedTime": None if item.published_time is None else item.published_time.isoformat(),
        "lastDownload": None if item.last_download is None else item.last_download.at.isoformat(),
        "downloadedBy": None if item.last_download is None else item.last_download.principal,
    }


def item_of(line: dict[str, Any]) -> PlanItem:
    """The PlanItem `item_line` was given (ValueError or KeyError for anything else)."""
    ref = PackageRef(
        line["domain"],
        line["domainOwner"],
        line["repository"],
        PackageFormat(line["format"]),
        line["namespace"],
        line["package"],
    )
    status, expected, published = line["status"], line["expectedStatus"], line["publishedTime"]
    return PlanItem(
        ref=ref,
        version=line["version"],
        revision=line["revision"],
        status=None if status is None else PackageVersionStatus(status),
        action=Action(line["action"]),
        rule=Rule(line["rule"]),
        reason=line["reason"],
        expected_status=None if expected is None else PackageVersionStatus(expected),
        published_time=None if published is None else datetime.fromisoformat(published),
        last_download=_download(line),
    )


def _download(line: dict[str, Any]) -> Download | None:
    # Absent from the lines of a plan made before downloads were recorded.
    at = line.get("lastDownload")
    return None if at is None else Download(datetime.fromisoformat(at), line.get("downloadedBy"))


def ref_line(ref: PackageRef) -> list[str | None]:
    """A package's six coordinates, in a list (a shard names its packages this way)."""
    return [ref.domain, ref.domain_owner, ref.repository, ref.format.value, ref.namespace, ref.package]


def ref_of(line: list[str | None]) -> PackageRef:
    domain, owner, repository, package_format, namespace, package = line
    if domain is None or repository is None or package_format is None or package is None:
        raise ValueError(f"not a package: {line!r}")
    return PackageRef(domain, owner, repository, PackageFormat(package_format), namespace, package)


def items_of(lines: Iterable[dict[str, Any]]) -> Iterator[PlanItem]:
    return (item_of(line) for line in lines)
