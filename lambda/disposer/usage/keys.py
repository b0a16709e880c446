"""What an object of the trail's bucket is, from its key: a log file, a digest file, or something to ignore.

CloudTrail writes, after the trail's key prefix (`<root>`: `<prefix>/AWSLogs/[<org id>/]<account>`, the
organization's id for an organization trail):
- log files: `<root>/CloudTrail/<region>/YYYY/MM/DD/` then
  `<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<random>.json.gz`;
- digest files: `<root>/CloudTrail-Digest/<region>/YYYY/MM/DD/` then
  `<account>_CloudTrail-Digest_<region>_<trail>_<region>_<YYYYMMDDTHHmmssZ>.json.gz` (`_backfill` before
  `.json.gz` for a digest CloudTrail delivered late in place of a missing one).
Anything else (CloudTrail-Insight, config history, the bucket's test object) is ignored, and so are the files
of another region than the deployment's or another account than the domain owner's: a digest counts only
the files of its own account and region, so the coverage of the domain's events is that account's digests
in that region.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

_ACCOUNT = r"(?:(?P<org>o-[a-z0-9]{10,32})/)?(?P<account>\d{12})"
_DAY = r"(?P<region>[a-z0-9-]+)/\d{4}/\d{2}/\d{2}"
_LOG = re.compile(
    rf"AWSLogs/{_ACCOUNT}/CloudTrail/{_DAY}/(?P=account)_CloudTrail_(?P=region)_\d{{8}}T\d{{4}}Z_[A-Za-z0-9]+\.json\.gz"
)
_DIGEST = re.compile(
    rf"AWSLogs/{_ACCOUNT}/CloudTrail-Digest/{_DAY}/"
    r"(?P=account)_CloudTrail-Digest_(?P=region)_(?P<trail>.+)_(?P=region)_\d{8}T\d{6}Z(?:_backfill)?\.json\.gz"
)


class TrailFileKind(StrEnum):
    LOG = "log"
    DIGEST = "digest"


@dataclass(frozen=True, slots=True)
class TrailFile:
    """A log or digest file of the trail, and the account and region whose events it holds."""

    kind: TrailFileKind
    account: str
    region: str


@dataclass(frozen=True)
class TrailLayout:
    """Where the deployment's files are: the trail's key prefix ("" for none), its region and, when known, the
    domain owner's account."""

    prefix: str = ""
    region: str | None = None
    account: str | None = None
    # The trail's name: only its digests vouch for coverage (another trail writing to the same prefix does not).
    trail: str | None = None

    @property
    def root(self) -> str:
        """What every key of the trail starts with: the prefix and its `/` (CloudTrail adds the slash)."""
        prefix = self.prefix.strip("/")
        return f"{prefix}/AWSLogs/" if prefix else "AWSLogs/"


def classify_key(key: str, layout: TrailLayout) -> TrailFile | None:
    """The trail file `key` is, or None for an object the recorder ignores."""
    root = layout.root
    if not key.startswith(root):
        return None
    rest = key[len(root) - len("AWSLogs/") :]
    for kind, pattern in ((TrailFileKind.LOG, _LOG), (TrailFileKind.DIGEST, _DIGEST)):
        match = pattern.fullmatch(rest)
        if match is None:
            continue
        found = TrailFile(kind, match["account"], match["region"])
        if layout.region is not None and found.region != layout.region:
            return None
        if layout.account is not None and found.account != layout.account:
            return None
        if kind is TrailFileKind.DIGEST and layout.trail is not None and match["trail"] != layout.trail:
            return None
        return found
    return None
