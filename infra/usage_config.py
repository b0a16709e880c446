"""The `usageTrail` context key: the CloudTrail trail whose download events the usage recorder keeps.

Checked at synth against the rules AWS applies later (S3 bucket names, KMS key ARNs), and against
what the stack builds from the values: the prefix becomes part of an IAM resource ARN and of an
EventBridge prefix match, so IAM's wildcards are refused in it; the principals reach the recorder
as one comma-separated variable, so a comma is refused in them.
"""

import ipaddress
import json
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel

from infra.context_values import dedupe, split_names

# Where CloudTrail writes under the trail's prefix: <prefix>/AWSLogs/<account>/CloudTrail[-Digest]/...
TRAIL_FOLDER = "AWSLogs/"
# CloudTrail's own limit on a trail's S3KeyPrefix.
MAX_PREFIX_LENGTH = 200

# General purpose bucket naming rules (Amazon S3 User Guide, "Bucket naming rules").
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_RESERVED_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
# arn:partition:service:region:account:resource, `*` and `?` allowed as in IAM's ArnLike; no space.
_PRINCIPAL_GLOB = re.compile(r"arn:[a-z*?-]+:[a-z0-9*?-]+:[a-z0-9*?-]*:[0-9*?]{1,12}:[!-~]+")
# A key's ARN, never an alias's: IAM authorizes kms:Decrypt against the key itself.
_KEY_ARN = re.compile(
    r"arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/"
    r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})"
)


def _check_bucket(name: str) -> str:
    problem = None
    if not _BUCKET.fullmatch(name):
        problem = "3 to 63 lowercase letters, digits, dots and hyphens, beginning and ending with a letter or digit"
    elif ".." in name:
        problem = "no two adjacent dots"
    elif name.startswith(_RESERVED_BUCKET_PREFIXES) or name.endswith(_RESERVED_BUCKET_SUFFIXES):
        problem = "not a prefix or suffix S3 reserves (xn--, sthree-, amzn-s3-demo-, -s3alias, --ol-s3, ...)"
    elif _is_ip_address(name):
        problem = "not an IP address"
    if problem:
        raise ValueError(f"must be an S3 bucket name: {problem}")
    return name


def _is_ip_address(name: str) -> bool:
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return False
    return True


def _normalize_prefix(prefix: str) -> str:
    """The key prefix before `AWSLogs/`: "" or ending with one "/" (CloudTrail takes the trail's prefix without)."""
    if prefix.startswith("/"):
        raise ValueError("must not start with '/' (give the trail's S3 key prefix as CloudTrail shows it)")
    if any(char in prefix for char in "*?"):
        raise ValueError("must not contain '*' or '?' (it is part of the recorder's IAM resource ARN)")
    if len(prefix) > MAX_PREFIX_LENGTH:
        raise ValueError(f"must be at most {MAX_PREFIX_LENGTH} characters (CloudTrail's limit)")
    stripped = prefix.rstrip("/")
    if stripped == TRAIL_FOLDER.rstrip("/") or stripped.endswith(f"/{TRAIL_FOLDER.rstrip('/')}"):
        raise ValueError(f"must be the trail's prefix, the part before {TRAIL_FOLDER} (leave {TRAIL_FOLDER} out)")
    return f"{stripped}/" if stripped else ""


def _check_principal(glob: str) -> str:
    if "," in glob:
        raise ValueError("must not contain ',' (the recorder reads the list comma-separated): put '?' in its place")
    if not _PRINCIPAL_GLOB.fullmatch(glob):
        raise ValueError(
            "must be an ARN or an ARN glob ('*' and '?'), like arn:aws:sts::111122223333:assumed-role/Scanner/*"
        )
    return glob


def _check_key_arn(arn: str) -> str:
    if not _KEY_ARN.fullmatch(arn):
        raise ValueError("must be a KMS key ARN, arn:aws:kms:REGION:ACCOUNT:key/KEY-ID (not an alias)")
    return arn


BucketName = Annotated[str, AfterValidator(_check_bucket)]
PrincipalGlob = Annotated[str, Field(max_length=2048), AfterValidator(_check_principal)]
KeyArn = Annotated[str, AfterValidator(_check_key_arn)]


class UsageTrail(BaseModel):
    """An existing trail's bucket (in the deployment's account and region), its prefix and what to ignore."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True)

    bucket: BucketName
    prefix: Annotated[str, AfterValidator(_normalize_prefix)] = ""
    # Callers whose reads are not downloads (scanners, mirrors): their events do not count.
    ignore_principals: Annotated[tuple[PrincipalGlob, ...], BeforeValidator(split_names), AfterValidator(dedupe)] = ()
    # The trail's SSE-KMS key, if it has one: the recorder decrypts its files with it, through S3 only.
    kms_key_arn: KeyArn | None = None
    # The trail's name: only its digest files vouch for coverage, not another trail's in the same prefix.
    trail_name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$")] | None = None

    @property
    def logs_prefix(self) -> str:
        """The prefix of every object the trail writes: its log files and its digests."""
        return f"{self.prefix}{TRAIL_FOLDER}"


def parse_usage_trail(value: object) -> object:
    """`-c usageTrail='{"bucket": ...}'` passes JSON text; false or empty text means no trail, like no key."""
    if value is False or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise ValueError('must be a JSON object like {"bucket": "my-trail-bucket"}') from None
    return value
