"""Docker-free bundling of the Lambda asset: pip installs Lambda-platform wheels, then the package is copied."""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

from infra.constants import (
    LAMBDA_ASSET_DIR,
    LAMBDA_PACKAGE_DIR,
    LAMBDA_PLATFORM,
    LAMBDA_PYTHON_VERSION,
    LAMBDA_REQUIREMENTS,
    RUNTIME_PROVIDED_PACKAGES,
)

# Never shipped: bytecode of the build host's Python, and editor/test leftovers.
ASSET_EXCLUDES = ("**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.mypy_cache")


class BundlingError(RuntimeError):
    """pip could not install the Lambda dependencies for the target platform."""


def bundle_lambda_asset(
    output_dir: str | Path,
    *,
    platform: str = LAMBDA_PLATFORM,
    python_version: str = LAMBDA_PYTHON_VERSION,
    requirements: Path = LAMBDA_REQUIREMENTS,
    package_dir: Path = LAMBDA_PACKAGE_DIR,
) -> Path:
    """Install `requirements` as wheels built for `platform`/`python_version` and copy the package in."""
    target = Path(output_dir)
    target.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--only-binary=:all:",
        "--platform",
        platform,
        "--implementation",
        "cp",
        "--python-version",
        python_version,
        # .pyc files would be compiled by the build host's Python, useless on the Lambda runtime.
        "--no-compile",
        "--disable-pip-version-check",
        "--quiet",
        "--target",
        str(target),
        "-r",
        str(requirements),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BundlingError(f"pip failed for {platform} (exit {result.returncode}):\n{result.stderr}")
    # Console scripts are never on the Lambda PATH.
    shutil.rmtree(target / "bin", ignore_errors=True)
    shutil.copytree(
        package_dir,
        target / package_dir.name,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        dirs_exist_ok=True,
    )
    return target


@jsii.implements(ILocalBundling)
class LocalPipBundling:
    """CDK local bundler: runs bundle_lambda_asset on the synth host, so the Docker image is never used."""

    def __init__(self, *, platform: str = LAMBDA_PLATFORM) -> None:
        self._platform = platform

    def try_bundle(self, output_dir: str, *_options: Any, **_kwargs: Any) -> bool:
        """Bundle into `output_dir`; jsii passes the BundlingOptions, which this bundler does not need."""
        bundle_lambda_asset(output_dir, platform=self._platform)
        return True


def lambda_code() -> lambda_.AssetCode:
    """The Lambda asset: `lambda/` bundled locally for the Lambda platform."""
    return lambda_.Code.from_asset(
        str(LAMBDA_ASSET_DIR),
        exclude=list(ASSET_EXCLUDES),
        bundling=BundlingOptions(
            # Required by the API but never pulled: LocalPipBundling always succeeds or raises.
            image=DockerImage.from_registry("unused"),
            local=LocalPipBundling(),
        ),
    )


def link_runtime_packages(directory: Path) -> Path:
    """Link boto3 and its dependencies into `directory`, standing in for what the Lambda runtime provides.

    Used to import the asset locally with nothing else on the path (the import test, the cold-start bench).
    """
    directory.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_PROVIDED_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise BundlingError(f"{name} is not installed here, so the Lambda runtime cannot be stood in for")
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (directory / source.name).symlink_to(source)
    return directory
