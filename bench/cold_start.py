"""Cold import of the handler on Lambda's Python, from the asset as shipped (`python -X importtime`).

Bundles the asset for this machine's platform (the arm64 asset holds the same code and versions),
links boto3 in as the runtime would provide it, then imports `disposer.handler` in fresh isolated
processes and prints one JSON line: the median cumulative import time and the slowest imports.
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
from infra.constants import HOST_PLATFORM, LAMBDA_PYTHON

RUNS = 7
_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)$")


def _import_times(python: str, asset: Path, runtime: Path) -> dict[str, int]:
    """Cumulative microseconds per top-level import, from one fresh interpreter."""
    script = f"import sys; sys.path[:0] = [{str(asset)!r}, {str(runtime)!r}]; import disposer.handler"
    environment = {"PATH": os.environ.get("PATH", ""), "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}
    result = subprocess.run(
        [python, "-I", "-X", "importtime", "-c", script], capture_output=True, text=True, env=environment, check=True
    )
    times: dict[str, int] = {}
    for line in result.stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if not match:
            continue
        module = match.group(4)
        # The handler, and top-level packages (no dot) wherever in the tree they were first imported.
        if module == "disposer.handler" or ("." not in module and not module.startswith("_")):
            times[module] = int(match.group(2))
    return times


def measure(python: str = LAMBDA_PYTHON) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as scratch:
        asset = bundle_lambda_asset(Path(scratch) / "asset", platform=HOST_PLATFORM)
        runtime = link_runtime_packages(Path(scratch) / "runtime")
        runs = [_import_times(python, asset, runtime) for _ in range(RUNS)]
    handler_ms = [run["disposer.handler"] / 1000 for run in runs]
    libraries = {name: us for name, us in runs[-1].items() if name not in ("disposer", "disposer.handler")}
    heaviest = sorted(libraries.items(), key=lambda item: item[1], reverse=True)[:6]
    version = subprocess.run([python, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    return {
        "benchmark": "cold_import",
        "python": version,
        "runs": RUNS,
        "handler_import_ms_median": round(statistics.median(handler_ms), 1),
        "handler_import_ms_min": round(min(handler_ms), 1),
        "heaviest_libraries_ms": {name: round(us / 1000, 1) for name, us in heaviest},
    }


if __name__ == "__main__":
    print(json.dumps(measure()))
    sys.exit(0)
