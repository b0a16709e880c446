"""AWS clients from botocore directly: boto3 adds nothing the function uses, and its import (s3transfer,
resources) was a fifth of the cold start."""

from functools import cache
from typing import Any

import botocore.session
from botocore.config import Config


@cache
def _session() -> botocore.session.Session:
    # One per process, like boto3's default session; the region and credentials come from the environment.
    return botocore.session.get_session()


def client(service: str, *, endpoint_url: str | None = None, config: Config | None = None) -> Any:
    """A botocore client for `service`; AWS_ENDPOINT_URL_<SERVICE> applies when `endpoint_url` is None."""
    return _session().create_client(service, endpoint_url=endpoint_url, config=config)
