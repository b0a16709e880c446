"""The `python -m local.emulator` command: ready line, real port, boto3 over HTTP, clean SIGTERM exit."""

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO

import pytest

from local.emulator.__main__ import build_parser, fault_settings
from tests.emulator.seeds import BASE_SEED

ROOT = Path(__file__).resolve().parents[2]


def _launch(*args: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "local.emulator", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return process


def _read(stream: IO[str] | None, *, line: bool = False) -> str:
    assert stream is not None
    return stream.readline() if line else stream.read()


def test_cli_port_zero_with_seed_serves_boto3_and_exits_zero_on_sigterm(tmp_path, make_client, monkeypatch):
    # GIVEN a seed file and the emulator started on port 0
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(BASE_SEED))
    process = _launch("--port", "0", "--seed", str(seed_file))
    try:
        line = _read(process.stdout, line=True)
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)

        # WHEN a boto3 client reaches it through AWS_ENDPOINT_URL_CODEARTIFACT
        assert "ready" in line and match, line
        monkeypatch.setenv("AWS_ENDPOINT_URL_CODEARTIFACT", match.group(0))
        client = make_client(None)
        domain = client.describe_domain(domain="acme")["domain"]
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=10)

    # THEN the call worked on the real port and SIGTERM ended it with 0
    assert int(match.group(1)) > 0
    assert domain["name"] == "acme"
    assert code == 0


def test_cli_sigint_exits_zero():
    # GIVEN the emulator running without a seed
    process = _launch("--port", "0")
    assert "ready" in _read(process.stdout, line=True)

    # WHEN interrupted
    process.send_signal(signal.SIGINT)

    # THEN it exits cleanly
    assert process.wait(timeout=10) == 0


def test_cli_bad_seed_exits_nonzero_with_message(tmp_path):
    # GIVEN a seed with an invalid status
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(
        json.dumps(
            {
                "domains": [
                    {
                        "name": "acme",
                        "repositories": [
                            {
                                "name": "r1",
                                "packages": [
                                    {"format": "npm", "name": "x", "versions": [{"version": "1", "status": "Gone"}]}
                                ],
                            }
                        ],
                    }
                ]
            }
        )
    )

    # WHEN started with it
    process = _launch("--port", "0", "--seed", str(seed_file))
    code = process.wait(timeout=10)

    # THEN it refuses to start and says why
    assert code == 2
    assert "status" in _read(process.stderr)


def test_cli_fault_flags_build_settings():
    # GIVEN quota, aggregate, error-rate, latency and random-seed flags
    args = build_parser().parse_args(
        [
            "--quota", "ListPackageVersions=200",
            "--quota", "DisposePackageVersions=5",
            "--write-tps", "100",
            "--error-rate", "0.05",
            "--latency-ms", "10",
            "--seed-random", "3",
        ]
    )  # fmt: skip

    # WHEN turned into fault settings
    settings = fault_settings(args)

    # THEN every flag is reflected
    assert dict(settings.quotas) == {"ListPackageVersions": 200.0, "DisposePackageVersions": 5.0}
    assert (settings.read_tps, settings.write_tps) == (None, 100.0)
    assert (settings.error_rate, settings.latency_ms, settings.seed_random) == (0.05, 10.0, 3)


def test_cli_aws_quotas_flag_applies_documented_limits():
    # GIVEN --aws-quotas
    settings = fault_settings(build_parser().parse_args(["--aws-quotas"]))

    # WHEN inspected
    # THEN CodeArtifact's documented account quotas apply
    assert settings.quotas["ListPackageVersions"] == 200
    assert (settings.read_tps, settings.write_tps) == (800, 100)


def test_cli_unknown_quota_operation_is_a_usage_error(capsys):
    # GIVEN a quota for an operation that does not exist
    # WHEN parsed
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(["--quota", "Nope=5"])

    # THEN argparse refuses it
    assert caught.value.code == 2
    assert "unknown CodeArtifact operation" in capsys.readouterr().err
