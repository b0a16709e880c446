"""Which objects of the trail's bucket the recorder reads: CloudTrail's log and digest files of the deployment's
region and the domain owner's account, under the trail's prefix; everything else is ignored."""

import pytest

from disposer.usage.keys import TrailFile, TrailFileKind, TrailLayout, classify_key

ACCOUNT = "111122223333"
LOG = (
    f"AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/2026/03/01/"
    f"{ACCOUNT}_CloudTrail_us-east-1_20260301T0535Z_cVxTTvQIpLvFtCs8.json.gz"
)
DIGEST = (
    f"AWSLogs/{ACCOUNT}/CloudTrail-Digest/us-east-1/2026/03/01/"
    f"{ACCOUNT}_CloudTrail-Digest_us-east-1_management-events_us-east-1_20260301T060012Z.json.gz"
)
LAYOUT = TrailLayout(region="us-east-1", account=ACCOUNT)


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        (LOG, TrailFileKind.LOG),
        (DIGEST, TrailFileKind.DIGEST),
        (DIGEST.replace(".json.gz", "_backfill.json.gz"), TrailFileKind.DIGEST),
        # An organization trail puts the organization's id before the account.
        (LOG.replace("AWSLogs/", "AWSLogs/o-exampleorgid/"), TrailFileKind.LOG),
        (DIGEST.replace("AWSLogs/", "AWSLogs/o-exampleorgid/"), TrailFileKind.DIGEST),
        # A trail's name may hold underscores and dashes.
        (DIGEST.replace("management-events", "org_trail-2"), TrailFileKind.DIGEST),
    ],
)
def test_classify_key_log_and_digest_files(key: str, kind: TrailFileKind):
    assert classify_key(key, LAYOUT) == TrailFile(kind, ACCOUNT, "us-east-1")


@pytest.mark.parametrize(
    "key",
    [
        # CloudTrail Insights, AWS Config's history, the bucket's test object, a folder marker.
        LOG.replace("/CloudTrail/", "/CloudTrail-Insight/").replace("_CloudTrail_", "_CloudTrail-Insight_"),
        f"AWSLogs/{ACCOUNT}/Config/us-east-1/2026/3/1/ConfigHistory/{ACCOUNT}_Config_us-east-1_ConfigHistory.json.gz",
        "AWSLogs/ConfigWritabilityCheckFile",
        f"AWSLogs/{ACCOUNT}/",
        # Not quite CloudTrail's names: the account of the name differs from the folder's, no .gz, no random part.
        LOG.replace(f"/{ACCOUNT}_CloudTrail", "/444455556666_CloudTrail"),
        LOG.removesuffix(".gz"),
        LOG.replace("_cVxTTvQIpLvFtCs8", ""),
        # Another region, another account.
        LOG.replace("us-east-1", "eu-west-1"),
        DIGEST.replace("us-east-1", "eu-west-1"),
        LOG.replace(ACCOUNT, "444455556666"),
        DIGEST.replace(ACCOUNT, "444455556666"),
        # Under a prefix the deployment does not name.
        f"other/{LOG}",
    ],
)
def test_classify_key_anything_else_is_ignored(key: str):
    assert classify_key(key, LAYOUT) is None


@pytest.mark.parametrize("prefix", ["cloudtrail", "cloudtrail/", "/cloudtrail/", "logs/cloudtrail"])
def test_classify_key_under_the_trails_prefix(prefix: str):
    layout = TrailLayout(prefix=prefix, region="us-east-1", account=ACCOUNT)
    folder = prefix.strip("/")
    assert classify_key(f"{folder}/{LOG}", layout) == TrailFile(TrailFileKind.LOG, ACCOUNT, "us-east-1")
    # THEN the same file without the prefix, or under a longer one, is not the trail's
    assert classify_key(LOG, layout) is None
    assert classify_key(f"{folder}-old/{LOG}", layout) is None


def test_classify_key_without_a_known_account_or_region_reads_any():
    key = LOG.replace(ACCOUNT, "444455556666").replace("us-east-1", "eu-west-1")
    assert classify_key(key, TrailLayout()) == TrailFile(TrailFileKind.LOG, "444455556666", "eu-west-1")


def test_classify_key_with_the_trails_name_only_its_digests_count():
    folder = f"AWSLogs/{ACCOUNT}/CloudTrail-Digest/us-east-1/2026/03/01/"
    ours = f"{folder}{ACCOUNT}_CloudTrail-Digest_us-east-1_mgmt_us-east-1_20260301T060012Z.json.gz"
    theirs = ours.replace("_mgmt_", "_data-events_")
    named = TrailLayout(region="us-east-1", account=ACCOUNT, trail="mgmt")
    assert classify_key(ours, named) == TrailFile(TrailFileKind.DIGEST, ACCOUNT, "us-east-1")
    assert classify_key(theirs, named) is None
    # Log files carry no trail's name: they add downloads, and only a digest of the trail vouches for them.
    log = f"AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/2026/03/01/{ACCOUNT}_CloudTrail_us-east-1_20260301T0535Z_abc.json.gz"
    assert classify_key(log, named) is not None
