"""What the CLI needs of the AWS environment, checked before any call, with the fix in the message.

botocore would otherwise fail deep inside the first call: a NoRegionError traceback, or a credential
error reported as if CodeArtifact had refused. Against a local endpoint (the emulator, moto) the
region and credentials are only placeholders, so the CLI sets them when they are missing.
"""

import os
from collections.abc import MutableMapping
from urllib.parse import urlparse

import botocore.session

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})
PLACEHOLDERS = {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
ENDPOINT_VARIABLES = (
    "AWS_ENDPOINT_URL_CODEARTIFACT",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_SSM",
    "AWS_ENDPOINT_URL_CLOUDTRAIL",
    "AWS_ENDPOINT_URL_LAMBDA",
)


class EnvironmentProblem(Exception):
    """The AWS environment cannot work as it is; the message says what to set."""


def is_local(url: str | None) -> bool:
    return url is not None and (urlparse(url).hostname or "") in LOCAL_HOSTS


def prepare(*, endpoint_url: str | None, region: str | None, environ: MutableMapping[str, str] = os.environ) -> None:
    """Point the clients at `endpoint_url` and `region`, fill placeholders for local endpoints, then
    refuse (EnvironmentProblem) a missing region or missing credentials."""
    if endpoint_url:
        environ["AWS_ENDPOINT_URL_CODEARTIFACT"] = endpoint_url
    if region:
        environ["AWS_DEFAULT_REGION"] = region
    endpoints = [environ.get(name) for name in ENDPOINT_VARIABLES if environ.get(name)]
    if endpoints and all(is_local(url) for url in endpoints):
        for name, value in PLACEHOLDERS.items():
            if name == "AWS_DEFAULT_REGION" and environ.get("AWS_REGION"):
                continue
            environ.setdefault(name, value)
    session = botocore.session.Session()
    if not (session.get_config_variable("region") or environ.get("AWS_REGION")):
        raise EnvironmentProblem(
            "no AWS region: pass --region, or set AWS_REGION (or AWS_DEFAULT_REGION, or a profile's region)"
        )
    if session.get_credentials() is None:
        raise EnvironmentProblem(
            "no AWS credentials: configure a profile (aws configure, AWS_PROFILE) or set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY; against the emulator, --endpoint-url http://127.0.0.1:PORT needs none"
        )
