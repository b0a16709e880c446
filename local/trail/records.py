"""CloudTrail records as a trail delivers them: CodeArtifact's downloads and the reads that are not downloads, and
other services' events, which make up most of a real file.

A download is shaped as the CodeArtifact user guide's npm example ("A log entry for fetching an npm package
version"): `ReadFromRepository` of `codeartifact.amazonaws.com`, an assumed role's identity, the package in
`requestParameters` (`packageNamespace` only where the format has one: npm's scope, Maven's groupId,
generic's namespace) and the URL path the package manager asked for in `additionalEventData`.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ACCOUNT = "111122223333"
REGION = "us-east-1"
DOMAIN = "acme"
REPOSITORY = "releases"
ROLE = "ci-builder"


@dataclass(frozen=True)
class TrailRead:
    """One read of a package: its coordinates, when, and who (a role's session, or an IAM user)."""

    format: str
    package: str
    version: str | None
    at: datetime
    namespace: str | None = None
    role: str = ROLE
    session: str = "build-1"
    user: str | None = None
    repository: str = REPOSITORY
    domain: str = DOMAIN
    domain_owner: str | None = ACCOUNT
    account: str = ACCOUNT

    @property
    def principal(self) -> str:
        """The caller's ARN as CloudTrail writes it in `userIdentity.arn`."""
        if self.user is not None:
            return f"arn:aws:iam::{self.account}:user/{self.user}"
        return f"arn:aws:sts::{self.account}:assumed-role/{self.role}/{self.session}"


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def identity(read: TrailRead) -> dict[str, Any]:
    if read.user is not None:
        return {
            "type": "IAMUser",
            "principalId": "AIDACKCEVSQ6C2EXAMPLE",
            "arn": read.principal,
            "accountId": read.account,
            "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
            "userName": read.user,
        }
    return {
        "type": "AssumedRole",
        "principalId": f"AROACKCEVSQ6C2EXAMPLE:{read.session}",
        "arn": read.principal,
        "accountId": read.account,
        "accessKeyId": "ASIAIJIOBJIBSREXAMPLE",
        "sessionContext": {
            "attributes": {"mfaAuthenticated": "false", "creationDate": stamp(read.at)},
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROACKCEVSQ6C2EXAMPLE",
                "arn": f"arn:aws:iam::{read.account}:role/{read.role}",
                "accountId": read.account,
                "userName": read.role,
            },
        },
    }


def request_uri(read: TrailRead) -> str:
    """The path the package manager asked for (a download's asset, or the package's metadata)."""
    name, version, namespace = read.package, read.version, read.namespace
    if read.format == "npm":
        full = f"@{namespace}/{name}" if namespace else name
        return f"/npm/{read.repository}/{full}" + (f"/-/{name}-{version}.tgz" if version else "")
    if read.format == "pypi":
        return f"/pypi/{read.repository}/simple/{name}/" + (f"{version}/{name}-{version}.tar.gz" if version else "")
    if read.format == "maven":
        group = (namespace or "").replace(".", "/")
        tail = f"{version}/{name}-{version}.jar" if version else "maven-metadata.xml"
        return f"/maven/{read.repository}/{group}/{name}/{tail}"
    if read.format == "nuget":
        tail = f"{version}/{name}.{version}.nupkg" if version else "index.json"
        return f"/nuget/{read.repository}/v3/package/{name.lower()}/{tail}"
    return f"/generic/{read.repository}/{namespace}/{name}/{version or ''}"


def read_record(
    read: TrailRead, *, event_name: str = "ReadFromRepository", error_code: str | None = None
) -> dict[str, Any]:
    """The record of `read` (a download when it names a version; a metadata read when not)."""
    parameters: dict[str, Any] = {"domainName": read.domain}
    if read.domain_owner is not None:
        parameters["domainOwner"] = read.domain_owner
    parameters |= {"repositoryName": read.repository, "packageFormat": read.format}
    if read.namespace is not None:
        parameters["packageNamespace"] = read.namespace
    parameters["packageName"] = read.package
    if read.version is not None:
        parameters["packageVersion"] = read.version
    record: dict[str, Any] = {
        "eventVersion": "1.08",
        "userIdentity": identity(read),
        "eventTime": stamp(read.at),
        "eventSource": "codeartifact.amazonaws.com",
        "eventName": event_name,
        "awsRegion": REGION,
        "sourceIPAddress": "205.251.233.50",
        "userAgent": _user_agent(read.format),
        "requestParameters": parameters,
        "responseElements": None,
        "additionalEventData": {"httpMethod": "GET", "requestUri": request_uri(read)},
        "requestID": str(uuid.uuid4()),
        "eventID": str(uuid.uuid4()),
        "readOnly": True,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": read.account,
        "eventCategory": "Management",
    }
    if error_code is not None:
        record["errorCode"] = error_code
        record["errorMessage"] = "The specified package version was not found"
    return record


def _user_agent(package_format: str) -> str:
    return {
        "npm": "npm/10.2.4 node/v20.11.0 linux x64 workspaces/false",
        "pypi": "pip/24.0 {'implementation': {'name': 'CPython', 'version': '3.12.2'}}",
        "maven": "Apache-Maven/3.9.6 (Java 17.0.10; Linux 6.1.0)",
        "nuget": "NuGet Command Line/6.8.0 (Microsoft Windows NT 10.0.20348.0)",
    }.get(package_format, "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 botocore/2.4.5")


def other_service_record(at: datetime, index: int, *, account: str = ACCOUNT) -> dict[str, Any]:
    """A record of another service (STS, S3, KMS, EC2, in turn), as most of a real file's records are."""
    kind = index % 4
    source, name, parameters, response = _other_call(kind, index, account)
    read = TrailRead("npm", "unused", None, at, role=f"service-role-{index % 7}", session=f"s{index}")
    return {
        "eventVersion": "1.08",
        "userIdentity": identity(read),
        "eventTime": stamp(at),
        "eventSource": source,
        "eventName": name,
        "awsRegion": REGION,
        "sourceIPAddress": f"10.0.{index % 250}.{index % 199}",
        "userAgent": "aws-sdk-java/2.25.1 Linux/6.1.0 OpenJDK_64-Bit_Server_VM/17.0.10",
        "requestParameters": parameters,
        "responseElements": response,
        "requestID": str(uuid.uuid4()),
        "eventID": str(uuid.uuid4()),
        "readOnly": kind != 0,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
        "tlsDetails": {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": source.replace(".amazonaws.com", f".{REGION}.amazonaws.com"),
        },
    }


def _other_call(kind: int, index: int, account: str) -> tuple[str, str, dict[str, Any], dict[str, Any] | None]:
    """The service, the call, its parameters and its answer, of the other services' records."""
    if kind == 0:
        role = f"arn:aws:iam::{account}:role/deployer"
        credentials = {"accessKeyId": "ASIAEXAMPLE", "sessionToken": "HIDDEN", "expiration": "Jan 1, 2030"}
        parameters = {"roleArn": role, "roleSessionName": f"session-{index}", "durationSeconds": 3600}
        return "sts.amazonaws.com", "AssumeRole", parameters, {"credentials": credentials}
    if kind == 1:
        parameters = {"bucketName": f"logs-{index % 97}", "Host": "s3.amazonaws.com", "acl": ""}
        return "s3.amazonaws.com", "GetBucketAcl", parameters, None
    if kind == 2:
        function = f"arn:aws:lambda:{REGION}:{account}:function:worker-{index % 13}"
        parameters = {"encryptionAlgorithm": "SYMMETRIC_DEFAULT", "encryptionContext": {"function": function}}
        return "kms.amazonaws.com", "Decrypt", parameters, None
    parameters = {"instancesSet": {"items": [{"instanceId": f"i-{index:017x}"}]}, "filterSet": {}}
    return "ec2.amazonaws.com", "DescribeInstances", parameters, None
