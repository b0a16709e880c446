"""The version rules load only what the Lambda asset ships: node-semver, packaging, univers and semver, never
univers' own dependencies for the schemes it reads here (attrs, semantic_version), nor an AWS SDK."""

import json
import subprocess
import sys
from pathlib import Path

LAMBDA = Path(__file__).resolve().parents[3] / "lambda"
REQUIREMENTS = LAMBDA / "requirements.txt"

USE_EVERY_FORMAT = """
import json, sys
from disposer.model.packages import PackageFormat
from disposer.versions import VersionOrder, requirement
for fmt in PackageFormat:
    VersionOrder.of(fmt, ["1.0.0", "1.2.0-rc.1", "2.0"]).highest_first(["1.0.0", "2.0"])
    found = requirement(fmt, ">=1.0")
    found and found.resolve(["1.0.0"])
requirement(PackageFormat.PYPI, '(>=1.0); python_version < "3.8"')
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_versions_load_only_the_shipped_libraries():
    # GIVEN every format's order and requirements used, in a process of its own
    result = subprocess.run(
        [sys.executable, "-c", USE_EVERY_FORMAT], cwd=LAMBDA, capture_output=True, text=True, timeout=60, check=True
    )
    loaded = set(json.loads(result.stdout))

    # THEN the version libraries are pinned for the Lambda, and nothing the asset leaves out was needed
    shipped = REQUIREMENTS.read_text()
    for module, distribution in {"nodesemver": "node-semver", "packaging": "packaging", "univers": "univers"}.items():
        assert module in loaded
        assert f"\n{distribution}==" in shipped
    assert "\nsemver==" in shipped
    assert loaded.isdisjoint({"attr", "attrs", "semantic_version", "botocore", "boto3", "aws_lambda_powertools"})
