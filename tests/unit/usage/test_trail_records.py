"""One CloudTrail record into a download, or why not: each format's shape, the reads that are not downloads, the
deployment's domain, ignored principals (ARN globs), and records that do not parse (malformed, never fatal)."""

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from disposer.model.packages import PackageFormat, PackageRef
from disposer.model.usage import Download
from disposer.usage.cloudtrail import DownloadScope, Skipped, TrailDownload, read_download
from disposer.usage.principals import PrincipalGlobs
from local.trail.records import ACCOUNT, TrailRead, other_service_record, read_record

AT = datetime(2026, 3, 1, 5, 4, 3, tzinfo=UTC)
SCOPE = DownloadScope(domain="acme", domain_owner=ACCOUNT)
CI = f"arn:aws:sts::{ACCOUNT}:assumed-role/ci-builder/build-1"

# The CodeArtifact user guide's example of an npm download, as printed there (another domain, account, region).
GUIDE_NPM: dict[str, Any] = {
    "eventVersion": "1.05",
    "userIdentity": {
        "type": "AssumedRole",
        "principalId": "AIDACKCEVSQ6C2EXAMPLE",
        "arn": "arn:aws:sts::123456789012:assumed-role/Console/example",
        "accountId": "123456789012",
        "accessKeyId": "ASIAIJIOBJIBSREXAMPLE",
        "sessionContext": {
            "attributes": {"mfaAuthenticated": "false", "creationDate": "2018-12-17T02:05:16Z"},
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AIDACKCEVSQ6C2EXAMPLE",
                "arn": "arn:aws:iam::123456789012:role/Console",
                "accountId": "123456789012",
                "userName": "Console",
            },
        },
    },
    "eventTime": "2018-12-17T02:05:46Z",
    "eventSource": "codeartifact.amazonaws.com",
    "eventName": "ReadFromRepository",
    "awsRegion": "us-west-2",
    "sourceIPAddress": "205.251.233.50",
    "userAgent": "AWS Internal",
    "requestParameters": {
        "domainName": "example-domain",
        "domainOwner": "123456789012",
        "repositoryName": "example-repo",
        "packageName": "lodash",
        "packageFormat": "npm",
        "packageVersion": "4.17.11",
    },
    "responseElements": None,
    "additionalEventData": {"httpMethod": "GET", "requestUri": "/npm/lodash/-/lodash-4.17.11.tgz"},
    "requestID": "9f74b4f5-3607-4bb4-9229-ffffffffffff",
    "eventID": "c74e40dd-8847-4058-a14d-ffffffffffff",
    "readOnly": True,
    "eventType": "AwsApiCall",
    "recipientAccountId": "123456789012",
}


def test_read_download_of_the_user_guides_npm_record():
    # GIVEN the guide's record, and a deployment of its domain and owner
    scope = DownloadScope(domain="example-domain", domain_owner="123456789012")
    # WHEN it is read / THEN it is a download of lodash 4.17.11 by the Console role's session, at its eventTime
    assert read_download(GUIDE_NPM, scope) == TrailDownload(
        PackageRef("example-domain", "123456789012", "example-repo", PackageFormat.NPM, None, "lodash"),
        "4.17.11",
        Download(datetime(2018, 12, 17, 2, 5, 46, tzinfo=UTC), GUIDE_NPM["userIdentity"]["arn"]),
    )
    # AND the deployment of another domain (the owner's own) does not count it
    assert read_download(GUIDE_NPM, SCOPE) is Skipped.OTHER_DOMAIN


@pytest.mark.parametrize(
    ("package_format", "namespace", "package", "version", "expected_namespace"),
    [
        ("npm", None, "lodash", "4.17.21", None),
        ("npm", "acme", "ui-kit", "2.0.0-beta.1", "acme"),
        ("pypi", None, "requests", "2.31.0", None),
        ("maven", "com.acme.platform", "core-api", "1.4.2", "com.acme.platform"),
        ("nuget", None, "newtonsoft.json", "13.0.3", None),
        ("generic", "ci", "nightly", "2026.03.01", "ci"),
        ("cargo", None, "serde", "1.0.197", None),
        ("ruby", None, "rails", "7.1.3", None),
        ("swift", "apple", "swift-nio", "2.64.0", "apple"),
    ],
)
def test_read_download_of_each_format(package_format, namespace, package, version, expected_namespace):
    # GIVEN a download in the shape the local trail writes for the format (namespace = npm scope, groupId, ...)
    record = read_record(TrailRead(package_format, package, version, AT, namespace=namespace))
    # WHEN read / THEN the package's coordinates, the version, the time and the caller are the record's
    ref = PackageRef("acme", ACCOUNT, "releases", PackageFormat(package_format), expected_namespace, package)
    assert read_download(record, SCOPE) == TrailDownload(ref, version, Download(AT, CI))


def test_read_download_npm_scope_with_its_at_sign_is_the_apis_namespace():
    record = read_record(TrailRead("npm", "ui-kit", "1.0.0", AT, namespace="@acme"))
    found = read_download(record, SCOPE)
    assert isinstance(found, TrailDownload) and found.ref.namespace == "acme"


def test_read_download_format_in_upper_case_still_reads():
    record = read_record(TrailRead("pypi", "requests", "2.31.0", AT))
    record["requestParameters"]["packageFormat"] = "PYPI"
    found = read_download(record, SCOPE)
    assert isinstance(found, TrailDownload) and found.ref.format is PackageFormat.PYPI


@pytest.mark.parametrize(
    "record",
    [
        pytest.param(read_record(TrailRead("npm", "lodash", None, AT)), id="metadata read (no version)"),
        pytest.param(read_record(TrailRead("npm", "lodash", "4.17.21", AT), error_code="ResourceNotFoundException")),
        pytest.param(read_record(TrailRead("npm", "lodash", "4.17.21", AT), event_name="GetPackageVersionReadme")),
        pytest.param(other_service_record(AT, 0), id="sts AssumeRole"),
        pytest.param(other_service_record(AT, 2), id="kms Decrypt"),
    ],
)
def test_read_download_other_reads_are_not_downloads(record: dict[str, Any]):
    assert read_download(record, SCOPE) is Skipped.NOT_A_DOWNLOAD


@pytest.mark.parametrize(
    ("read", "scope"),
    [
        (TrailRead("npm", "lodash", "1.0.0", AT, domain="other"), SCOPE),
        (TrailRead("npm", "lodash", "1.0.0", AT, domain_owner="444455556666"), SCOPE),
        # No domainOwner in the request: the account the record was delivered to owns the domain.
        (TrailRead("npm", "lodash", "1.0.0", AT, domain_owner=None, account="444455556666"), SCOPE),
    ],
)
def test_read_download_of_another_domain_or_owner_is_skipped(read: TrailRead, scope: DownloadScope):
    assert read_download(read_record(read), scope) is Skipped.OTHER_DOMAIN


def test_read_download_without_domain_owner_takes_the_recipient_account():
    found = read_download(read_record(TrailRead("npm", "lodash", "1.0.0", AT, domain_owner=None)), SCOPE)
    assert isinstance(found, TrailDownload) and found.ref.domain_owner == ACCOUNT


def test_read_download_unscoped_deployment_counts_any_domain():
    record = read_record(TrailRead("npm", "lodash", "1.0.0", AT, domain="other", domain_owner="444455556666"))
    assert isinstance(read_download(record, DownloadScope()), TrailDownload)


@pytest.mark.parametrize(
    ("glob", "read", "ignored"),
    [
        # A role glob matches the session's role (sessionIssuer.arn), whatever the session or account.
        ("arn:aws:iam::*:role/scanner", TrailRead("npm", "a", "1", AT, role="scanner", session="x"), True),
        ("arn:aws:iam::*:role/scanner", TrailRead("npm", "a", "1", AT, role="scanner-2"), False),
        ("arn:aws:iam::*:role/scan?er", TrailRead("npm", "a", "1", AT, role="scanner"), True),
        # A glob of the session's own ARN.
        ("arn:aws:sts::*:assumed-role/ci-builder/nightly-*", TrailRead("npm", "a", "1", AT, session="nightly-7"), True),
        ("arn:aws:sts::*:assumed-role/ci-builder/nightly-*", TrailRead("npm", "a", "1", AT, session="build-7"), False),
        # An IAM user.
        (f"arn:aws:iam::{ACCOUNT}:user/mirror", TrailRead("npm", "a", "1", AT, user="mirror"), True),
        # Matched whole and case-sensitively: a prefix or another case is not a match.
        ("arn:aws:iam::*:role/Scanner", TrailRead("npm", "a", "1", AT, role="scanner"), False),
        ("arn:aws:iam::*:role/scan", TrailRead("npm", "a", "1", AT, role="scanner"), False),
        # Characters of regular expressions are literal.
        ("arn:aws:iam::*:role/scan.er", TrailRead("npm", "a", "1", AT, role="scanner"), False),
    ],
)
def test_read_download_ignored_principals_by_glob(glob: str, read: TrailRead, ignored: bool):
    scope = DownloadScope(domain="acme", ignored=PrincipalGlobs(["arn:aws:iam::*:role/other", glob]))
    found = read_download(read_record(read), scope)
    assert (found is Skipped.IGNORED_PRINCIPAL) == ignored
    assert ignored or isinstance(found, TrailDownload)


def test_read_download_aws_service_caller_has_no_principal():
    record = read_record(TrailRead("npm", "lodash", "1.0.0", AT))
    record["userIdentity"] = {"type": "AWSService", "invokedBy": "codebuild.amazonaws.com"}
    found = read_download(record, DownloadScope(ignored=PrincipalGlobs(["*"])))
    # An unknown caller is matched by no glob, not even `*`: its download counts, with no principal.
    assert isinstance(found, TrailDownload) and found.download == Download(AT, None)


def _broken(change: str) -> dict[str, Any]:
    record = copy.deepcopy(read_record(TrailRead("maven", "core", "1.0.0", AT, namespace="com.acme")))
    params = record["requestParameters"]
    if change == "unknown format":
        params["packageFormat"] = "conda"
    elif change == "no repository":
        del params["repositoryName"]
    elif change == "package not a string":
        params["packageName"] = ["core"]
    elif change == "version with #":
        params["packageVersion"] = "1.0#2"
    elif change == "empty version":
        params["packageVersion"] = ""
    elif change == "bad time":
        record["eventTime"] = "yesterday"
    elif change == "time without zone":
        record["eventTime"] = "2026-03-01T05:04:03"
    elif change == "parameters not an object":
        record["requestParameters"] = "domainName=acme"
    return record


@pytest.mark.parametrize(
    "change",
    [
        "unknown format",
        "no repository",
        "package not a string",
        "version with #",
        "empty version",
        "bad time",
        "time without zone",
        "parameters not an object",
    ],
)
def test_read_download_malformed_download_is_skipped_as_malformed(change: str):
    assert read_download(_broken(change), SCOPE) is Skipped.MALFORMED


@pytest.mark.parametrize("record", [None, 42, "ReadFromRepository", ["a"]])
def test_read_download_record_not_an_object_is_malformed(record: Any):
    assert read_download(record, SCOPE) is Skipped.MALFORMED


def test_read_download_an_asset_fetched_through_the_api_is_a_download_too():
    # GIVEN a GetPackageVersionAsset call (how generic packages are downloaded), named by the API's fields
    record = read_record(TrailRead("generic", "nightly", "2026.03.01", AT, namespace="ci"))
    record["eventName"] = "GetPackageVersionAsset"
    record["requestParameters"] = {
        "domain": "acme",
        "domainOwner": "111122223333",
        "repository": "releases",
        "format": "generic",
        "namespace": "ci",
        "package": "nightly",
        "packageVersion": "2026.03.01",
        "asset": "nightly.tar.gz",
    }
    # WHEN / THEN it counts as that version's download: counting it can only keep more
    found = read_download(record, SCOPE)
    assert not isinstance(found, Skipped)
    assert (found.ref.format, found.ref.namespace, found.ref.package, found.version) == (
        "generic",
        "ci",
        "nightly",
        "2026.03.01",
    )


@pytest.mark.parametrize(
    ("package_format", "name", "version", "stored_name", "stored_version"),
    [
        ("nuget", "Newtonsoft.JSON", "12.0.03.0", "newtonsoft.json", "12.0.3"),
        ("pypi", "Pigeon_CLI", "1.0", "pigeon-cli", "1.0"),
        ("npm", "lodash", "4.17.21", "lodash", "4.17.21"),
    ],
)
def test_read_download_names_the_package_and_version_as_codeartifact_stores_them(
    package_format: str, name: str, version: str, stored_name: str, stored_version: str
):
    # GIVEN a download the caller spelled its own way (the API and pip accept names and versions not normalized)
    found = read_download(read_record(TrailRead(package_format, name, version, AT)), SCOPE)
    # THEN it is recorded under the name and version CodeArtifact lists, which is what a run looks up
    assert not isinstance(found, Skipped)
    assert (found.ref.package, found.version) == (stored_name, stored_version)
