"""Cold import of each entry point on Lambda's Python, from the asset as shipped.

Bundles the asset for this machine's platform (the arm64 asset holds the same code and versions),
links boto3 and botocore in as the runtime provides them (compiled), then, in fresh isolated interpreters whose
environment is the one Lambda sets (LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_NAME, ...: Powertools' Tracer is
enabled and the X-Ray SDK takes its Lambda path, as deployed), times what each entry imports before its
first event is handled:

- `api`: disposer.handler, then the HTTP API's routes (imported on the first request);
- `run`: disposer.handler, then the run events' module (imported on the first run event);
- `steps`: disposer.steps, the run workflow's steps function (every step's module).

Prints one JSON line: per entry the median and fastest of `RUNS` wall times, and the heaviest imports
of the `api` entry (`python -X importtime`, run separately so its overhead is not in the times).
"""

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from infra.bundling import bundle_lambda_asset, link_runtime_packages
from infra.constants import HOST_PLATFORM, LAMBDA_MEMORY_MB, LAMBDA_PYTHON

RUNS = 7
TARGET_MS = 250.0
ENTRIES = {
    "api": ("disposer.handler", "disposer.api.app"),
    "run": ("disposer.handler", "disposer.run_events"),
    "steps": ("disposer.steps",),
}
_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)$")


def _environment(asset: Path) -> dict[str, str]:
    """What Lambda sets for a python3.13 function (credentials aside: nothing is called).

    Lambda's code directory is read-only: nothing an import compiles is kept for the next cold start, so
    no run here may write bytecode either; only the bytecode shipped in the asset is used.
    """
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_NAME": "cold-start-bench",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(LAMBDA_MEMORY_MB),
        "LAMBDA_TASK_ROOT": str(asset),
        "_HANDLER": "disposer.handler.lambda_handler",
        "_X_AMZN_TRACE_ID": "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0",
    }


def _script(asset: Path, runtime: Path, modules: tuple[str, ...]) -> str:
    imports = "; ".join(f"import {module}" for module in modules)
    return (
        f"import sys, time; sys.path[:0] = [{str(asset)!r}, {str(runtime)!r}]; started = time.perf_counter(); "
        f"{imports}; print((time.perf_counter() - started) * 1000)"
    )


def _wall_ms(python: str, asset: Path, runtime: Path, modules: tuple[str, ...]) -> float:
    result = subprocess.run(
        [python, "-I", "-c", _script(asset, runtime, modules)],
        capture_output=True,
        text=True,
        env=_environment(asset),
        check=True,
    )
    return float(result.stdout.strip())


def _heaviest(python: str, asset: Path, runtime: Path, modules: tuple[str, ...]) -> dict[str, float]:
    """Cumulative milliseconds of the top-level libraries imported, from one `-X importtime` run."""
    result = subprocess.run(
        [python, "-I", "-X", "importtime", "-c", _script(asset, runtime, modules)],
        capture_output=True,
        text=True,
        env=_environment(asset),
        check=True,
    )
    times: dict[str, float] = {}
    for line in result.stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match and "." not in match.group(4) and match.group(4) not in ("disposer", "encodings", "site"):
            times[match.group(4)] = int(match.group(2)) / 1000
    return {name: round(ms, 1) for name, ms in sorted(times.items(), key=lambda item: -item[1])[:6]}


def measure(python: str = LAMBDA_PYTHON) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as scratch:
        asset = bundle_lambda_asset(Path(scratch) / "asset", platform=HOST_PLATFORM)
        runtime = link_runtime_packages(Path(scratch) / "runtime")
        # The runtime's boto3 and botocore come compiled, as in Lambda's image.
        subprocess.run([python, "-m", "compileall", "-q", "-j", "0", str(runtime)], capture_output=True, check=True)
        times = {
            name: [_wall_ms(python, asset, runtime, modules) for _ in range(RUNS)] for name, modules in ENTRIES.items()
        }
        heaviest = _heaviest(python, asset, runtime, ENTRIES["api"])
    version = subprocess.run([python, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    medians = {name: round(statistics.median(ms), 1) for name, ms in times.items()}
    return {
        "benchmark": "cold_import",
        "python": version,
        "runs": RUNS,
        "import_ms_median": medians,
        "import_ms_min": {name: round(min(ms), 1) for name, ms in times.items()},
        "heaviest_libraries_ms": heaviest,
        "targets": {f"{name}<{TARGET_MS:g}ms": ms < TARGET_MS for name, ms in medians.items()},
    }


if __name__ == "__main__":
    print(json.dumps(measure()))
    sys.exit(0)
