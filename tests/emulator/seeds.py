"""The emulator tier's seeds and a boto3 client factory for any emulator URL."""

from typing import Any

import boto3
from botocore.config import Config

ACCOUNT = "111122223333"
T0 = 1_738_324_800  # 2025-01-31T12:00:00Z

BASE_SEED: dict[str, Any] = {
    "domains": [
        {
            "name": "acme",
            "owner": ACCOUNT,
            "repositories": [
                {
                    "name": "releases",
                    "packages": [
                        {
                            "format": "npm",
                            "namespace": "acme",
                            "name": "ui-kit",
                            "versions": [
                                {"version": "0.1.0", "status": "Disposed", "publishedTime": T0 - 400},
                                {"version": "0.9.0", "status": "Archived", "publishedTime": T0 - 300},
                                {
                                    "version": "1.0.0",
                                    "publishedTime": "2025-01-31T12:00:00Z",
                                    "assets": [{"name": "ui-kit-1.0.0.tgz", "size": 1048576}],
                                },
                                {"version": "1.1.0", "publishedTime": T0 + 100},
                                {"version": "2.0.0-beta.1", "status": "Unlisted", "publishedTime": T0 + 200},
                                {
                                    "version": "3.0.0",
                                    "publishedTime": T0 + 300,
                                    "origin": {
                                        "originType": "EXTERNAL",
                                        "domainEntryPoint": {"externalConnectionName": "public:npmjs"},
                                    },
                                },
                            ],
                        },
                        {"format": "npm", "name": "left-pad", "versions": [{"version": "1.3.0"}]},
                        {"format": "pypi", "name": "requests", "versions": [{"version": "2.31.0"}]},
                        {"format": "generic", "namespace": "tools", "name": "cli", "versions": []},
                    ],
                },
                {"name": "staging"},
            ],
        }
    ]
}

UI_KIT = {"domain": "acme", "repository": "releases", "format": "npm", "namespace": "acme", "package": "ui-kit"}


def boto3_client(url: str, **config: Any) -> Any:
    """A codeartifact client for `url`; one attempt in total (retries.max_attempts counts retries, not attempts)."""
    options: dict[str, Any] = {"retries": {"total_max_attempts": 1}}
    options.update(config)
    return boto3.client(
        "codeartifact",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(**options),
    )


def versions_seed(
    count: int, *, fmt: str = "generic", namespace: str | None = "bulk", name: str = "many"
) -> dict[str, Any]:
    """A seed with one package of `count` versions published one second apart (version i at T0 + i)."""
    package: dict[str, Any] = {
        "format": fmt,
        "name": name,
        "versions": [{"version": f"1.0.{i}", "publishedTime": T0 + i} for i in range(count)],
    }
    if namespace is not None:
        package["namespace"] = namespace
    return {"domains": [{"name": "bulk", "repositories": [{"name": "repo", "packages": [package]}]}]}
