"""Version rules benchmark (`python -m bench.versions_bench`): per format, the milliseconds of 10,000 comparisons of
parsed versions, of 10,000 parses and comparisons, of 10,000 requirement checks, and the milliseconds its library
adds to an import (best of three fresh processes). Prints one JSON line; docs/versions.md quotes the figures."""

import json
import random
import subprocess
import sys
import timeit
from pathlib import Path
from typing import Any

from disposer.model.packages import PackageFormat
from disposer.versions import requirement, version_key

LAMBDA = Path(__file__).resolve().parents[1] / "lambda"
F = PackageFormat


# Each format's usual version shapes, and the module of disposer.versions that reads it.
SUFFIXES = {
    F.NPM: ["", "", "", "-alpha.1", "-beta.2", "-rc.1"],
    F.PYPI: ["", "", "", "a1", "b2", "rc1", ".post1", ".dev3"],
    F.MAVEN: ["", "", "", "-alpha-1", "-beta-2", "-SNAPSHOT", ".RELEASE", "-rc1", ".Final"],
    F.NUGET: ["", "", "", ".1", "-alpha.1", "-beta2", "-rc.1"],
    F.RUBY: ["", "", "", ".a", ".rc1", ".2"],
}
MODULES = {F.NPM: "semver", F.PYPI: "pep440", F.MAVEN: "maven", F.NUGET: "nuget", F.RUBY: "gem"}


def _versions(fmt: PackageFormat, count: int, rnd: random.Random) -> list[str]:
    return [
        f"{rnd.randint(0, 20)}.{rnd.randint(0, 30)}.{rnd.randint(0, 40)}{rnd.choice(SUFFIXES[fmt])}"
        for _ in range(count)
    ]


REQUIREMENTS = {
    F.NPM: "^3.1.0 || ~5.2.0 || >=10.0.0 <12.0.0-0",
    F.PYPI: ">=3.1,!=3.4.*,<12",
    F.MAVEN: "[3.1,5.0),[7,12)",
    F.NUGET: "[3.1.0,12.0.0)",
}


def _best(run: Any) -> float:
    return round(min(timeit.repeat(run, number=1, repeat=5)) * 1000, 1)


def _import_ms(module: str) -> float:
    """What one scheme module and its library add to an import, in a fresh process where the function's own modules
    (pydantic's model, the dispatch) are already loaded, as they are in the Lambda (best of three)."""
    runs = []
    for _ in range(3):
        err = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import disposer.versions; import disposer.versions.{module}"],
            cwd=LAMBDA,
            capture_output=True,
            text=True,
            check=True,
        ).stderr
        line = next(line for line in err.splitlines() if line.rstrip().endswith(f"disposer.versions.{module}"))
        runs.append(int(line.split("|")[1]) / 1000)
    return round(min(runs), 1)


def _format_figures(fmt: PackageFormat, count: int, rnd: random.Random) -> dict[str, float]:
    versions = _versions(fmt, 1000, rnd)
    pairs = [(rnd.randrange(1000), rnd.randrange(1000)) for _ in range(count)]
    keys: list[Any] = [version_key(fmt, version) for version in versions]
    row = {
        "compare_ms": _best(lambda: [keys[i] < keys[j] for i, j in pairs]),
        "parse_and_compare_ms": _best(lambda: [_key(fmt, versions[i]) < _key(fmt, versions[j]) for i, j in pairs]),
        "import_ms": _import_ms(MODULES[fmt]),
    }
    read = requirement(fmt, REQUIREMENTS.get(fmt))
    if read is not None:
        row["satisfies_ms"] = _best(lambda: [read.satisfies(versions[i]) for i, _ in pairs])
    return row


def _key(fmt: PackageFormat, version: str) -> Any:
    return version_key(fmt, version)


def measure(count: int = 10_000) -> dict[str, Any]:
    """The figures of every format whose library differs (Cargo, Swift and generic share npm's)."""
    rnd = random.Random(7)
    return {"comparisons": count, **{str(fmt): _format_figures(fmt, count, rnd) for fmt in MODULES}}


if __name__ == "__main__":
    print(json.dumps(measure()))
