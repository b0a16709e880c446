"""Docker-free bundling of the Lambda asset: pip installs Lambda-platform wheels, then the package is copied."""

import hashlib
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

from infra.constants import (
    DEPLOYED_POLICIES_FILE,
    LAMBDA_ASSET_DIR,
    LAMBDA_PACKAGE_DIR,
    LAMBDA_PLATFORM,
    LAMBDA_PYTHON,
    LAMBDA_PYTHON_VERSION,
    LAMBDA_REQUIREMENTS,
    RUNTIME_PROVIDED_PACKAGES,
)

# Never taken from the source tree: bytecode of whatever Python ran there, and editor/test leftovers.
ASSET_EXCLUDES = ("**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.mypy_cache")


# Lambda's Python 3.13 runs on Amazon Linux 2023 (glibc 2.34): wheels for glibc 2.28 run there too, and
# some dependencies (google-re2 for aarch64) publish only those.
NEWEST_GLIBC_TAG = "manylinux_2_28"


def platform_tags(platform: str) -> list[str]:
    """The pip platform tags for `platform` (manylinux2014_<arch>): that one, and glibc 2.28's."""
    family, _, arch = platform.partition("_")
    return [platform, f"{NEWEST_GLIBC_TAG}_{arch}"] if family == "manylinux2014" else [platform]


class BundlingError(RuntimeError):
    """pip could not install the Lambda dependencies for the target platform."""


def bundle_lambda_asset(
    output_dir: str | Path,
    *,
    platform: str = LAMBDA_PLATFORM,
    policies_file: Path | None = None,
    python_version: str = LAMBDA_PYTHON_VERSION,
    requirements: Path = LAMBDA_REQUIREMENTS,
    package_dir: Path = LAMBDA_PACKAGE_DIR,
) -> Path:
    """Install `requirements` as wheels built for `platform`/`python_version`, copy the package in, and the
    deployment's policies file as DEPLOYED_POLICIES_FILE (the only policies run events may run)."""
    target = Path(output_dir)
    target.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--only-binary=:all:",
        *(argument for tag in platform_tags(platform) for argument in ("--platform", tag)),
        "--implementation",
        "cp",
        "--python-version",
        python_version,
        # Bytecode is compiled afterwards by Lambda's Python (compile_bytecode), not by pip's.
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
    if policies_file is not None:
        shutil.copyfile(policies_file, target / DEPLOYED_POLICIES_FILE)
    compile_bytecode(target, python_version)
    return target


def compile_bytecode(target: Path, python_version: str, python: str = LAMBDA_PYTHON) -> bool:
    """Ship bytecode compiled by Lambda's Python: its code directory is read-only, so without it every cold
    start compiles each module it imports (46 ms of the API entry's 271, bench/cold_start.py).

    `unchecked-hash` pycs are used as they are, whatever the files' times after the zip round trip. Needs
    a local Python of `python_version` (bytecode is tied to the minor version, not to the platform);
    without one the asset ships source only, which is correct but slower to start. Returns True if compiled.
    """
    try:
        found = subprocess.run([python, "--version"], capture_output=True, text=True, check=False).stdout.split()
    except OSError:
        found = []
    if len(found) != 2 or not found[1].startswith(f"{python_version}."):
        print(f"bundling: no Python {python_version} here; the asset ships without bytecode", file=sys.stderr)
        return False
    command = [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(target)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BundlingError(f"compileall failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    return True


@jsii.implements(ILocalBundling)
class LocalPipBundling:
    """CDK local bundler: runs bundle_lambda_asset on the synth host, so the Docker image is never used."""

    def __init__(self, *, platform: str = LAMBDA_PLATFORM, policies_file: Path | None = None) -> None:
        self._platform = platform
        self._policies_file = policies_file

    def try_bundle(self, output_dir: str, *_options: Any, **_kwargs: Any) -> bool:
        """Bundle into `output_dir`; jsii passes the BundlingOptions, which this bundler does not need."""
        bundle_lambda_asset(output_dir, platform=self._platform, policies_file=self._policies_file)
        return True


def source_hash(policies_file: Path | None) -> str:
    """What the asset is built from: the `lambda/` sources and the policies file (which lives outside it,
    so CDK's own hash of `lambda/` would not see a changed policy and would not redeploy it)."""
    digest = hashlib.sha256()
    files = sorted(
        path
        for path in LAMBDA_ASSET_DIR.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )
    for path in files:
        digest.update(str(path.relative_to(LAMBDA_ASSET_DIR)).encode())
        digest.update(path.read_bytes())
    if policies_file is not None:
        digest.update(DEPLOYED_POLICIES_FILE.encode())
        digest.update(policies_file.read_bytes())
    return digest.hexdigest()


def lambda_code(policies_file: Path | None = None) -> lambda_.AssetCode:
    """The Lambda asset: `lambda/` bundled locally for the Lambda platform, with the policies file."""
    return lambda_.Code.from_asset(
        str(LAMBDA_ASSET_DIR),
        exclude=list(ASSET_EXCLUDES),
        asset_hash_type=AssetHashType.CUSTOM,
        asset_hash=source_hash(policies_file),
        bundling=BundlingOptions(
            # Required by the API but never pulled: LocalPipBundling always succeeds or raises.
            image=DockerImage.from_registry("unused"),
            local=LocalPipBundling(policies_file=policies_file),
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
