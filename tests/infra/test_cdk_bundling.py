"""Docker-free bundling: the arm64 asset CDK builds, and the shipped code importing on Python 3.13."""

import os
import subprocess
from pathlib import Path

import pytest

from infra.bundling import bundle_lambda_asset, link_runtime_packages
from infra.constants import (
    HOST_PLATFORM,
    LAMBDA_PACKAGE_DIR,
    LAMBDA_PYTHON,
    METRICS_NAMESPACE,
    SERVICE_NAME,
)
from tests.infra.cdk_testkit import make_app

PYTHON_313 = Path(LAMBDA_PYTHON)
HANDLER_FILE = LAMBDA_PACKAGE_DIR / "handler.py"
STEPS_FILE = LAMBDA_PACKAGE_DIR / "steps" / "__init__.py"


@pytest.fixture(scope="module")
def arm64_asset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The asset directory `cdk synth` produces (local bundling on, as in app.py)."""
    from infra.stack import build_app

    app = make_app(bundling=True, outdir=str(tmp_path_factory.mktemp("cdk.out")))
    build_app(app)
    assembly = app.synth()
    (asset,) = [path for path in Path(assembly.directory).glob("asset.*") if (path / "disposer").is_dir()]
    return asset


@pytest.fixture(scope="module")
def host_asset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same asset bundled for this machine's platform, so a local Python 3.13 can import it."""
    return bundle_lambda_asset(tmp_path_factory.mktemp("host-asset"), platform=HOST_PLATFORM)


@pytest.fixture(scope="module")
def runtime_packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """boto3 and its dependencies, standing in for what the Lambda Python runtime provides."""
    return link_runtime_packages(tmp_path_factory.mktemp("lambda-runtime"))


def test_bundle_arm64_contains_aarch64_cp313_pydantic_core(arm64_asset: Path):
    # GIVEN the asset `cdk synth` bundled / WHEN its compiled extensions are listed
    extensions = sorted(path.name for path in (arm64_asset / "pydantic_core").glob("*.so"))

    # THEN pydantic-core is built for Lambda's arm64 CPython 3.13
    assert extensions == ["_pydantic_core.cpython-313-aarch64-linux-gnu.so"]
    assert not list(arm64_asset.rglob("*x86_64*.so"))


def test_bundle_arm64_ships_no_boto3_and_only_lambda_python_bytecode(arm64_asset: Path):
    # GIVEN / WHEN the top level of the asset and its bytecode are listed
    top_level = {path.name for path in arm64_asset.iterdir()}
    bytecode = list(arm64_asset.rglob("*.pyc"))

    # THEN the runtime's boto3/botocore are not duplicated, no scripts are shipped, and every .pyc is
    # CPython 3.13's, hash-based and unchecked (flags 0b01), so it is used after the zip round trip
    assert not top_level & {"boto3", "botocore", "s3transfer", "bin"}
    assert {"disposer", "aws_lambda_powertools", "pydantic", "pydantic_core"} <= top_level
    assert (arm64_asset / "disposer" / "__pycache__" / "handler.cpython-313.pyc") in bytecode
    assert {path.name.split(".")[-2] for path in bytecode} == {"cpython-313"}
    assert {int.from_bytes(path.read_bytes()[4:8], "little") for path in bytecode} == {0b01}


def test_bundle_arm64_disposer_package_matches_source(arm64_asset: Path):
    # GIVEN the package in the asset / WHEN its files are compared with lambda/disposer
    shipped = sorted(p.relative_to(arm64_asset / "disposer") for p in (arm64_asset / "disposer").rglob("*.py"))
    source = sorted(
        p.relative_to(LAMBDA_PACKAGE_DIR) for p in LAMBDA_PACKAGE_DIR.rglob("*.py") if "__pycache__" not in p.parts
    )

    # THEN every module is shipped unchanged
    assert shipped == source
    assert (arm64_asset / "disposer" / "constants.py").read_bytes() == (
        LAMBDA_PACKAGE_DIR / "constants.py"
    ).read_bytes()


@pytest.mark.skipif(not PYTHON_313.exists(), reason=f"{PYTHON_313} (Lambda's Python version) is not installed")
@pytest.mark.skipif(not HANDLER_FILE.exists(), reason="lambda/disposer/handler.py does not exist yet")
@pytest.mark.skipif(not STEPS_FILE.exists(), reason="lambda/disposer/steps/ does not exist yet")
def test_bundle_host_platform_imports_both_handlers_on_python_313(host_asset: Path, runtime_packages: Path):
    # GIVEN the asset bundled for this host, boto3 as the runtime provides it, and the functions' environment
    script = (
        "import sys; sys.path[:0] = sys.argv[1:3]\n"
        "import disposer.handler, disposer.steps, pydantic_core\n"
        "assert callable(disposer.handler.lambda_handler) and callable(disposer.steps.lambda_handler)\n"
        "print(disposer.handler.__file__); print(pydantic_core.__file__)\n"
    )
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "DISPOSER_DOMAIN": "acme",
        "DISPOSER_DOMAIN_OWNER": "111122223333",
        "DISPOSER_REPOSITORIES": "releases,snapshots",
    }

    # WHEN Python 3.13 in isolated mode imports the run and steps handlers (LAMBDA_HANDLER,
    # STEPS_HANDLER) with only those two directories added
    result = subprocess.run(
        [str(PYTHON_313), "-I", "-c", script, str(host_asset), str(runtime_packages)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=host_asset,
        timeout=120,
        check=False,
    )

    # THEN it imports cleanly, from the asset and not from the repository
    assert result.returncode == 0, result.stderr
    handler_file, pydantic_core_file = result.stdout.split()
    assert handler_file.startswith(str(host_asset))
    assert pydantic_core_file.startswith(str(host_asset))
