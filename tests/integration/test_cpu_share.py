"""The benchmarks' CPU cap: a process placed in the cgroup gets Lambda's share of the deployed memory, no more."""

import subprocess
import sys

import pytest

from bench.cpu_share import MB_PER_VCPU, cpu_limit, lambda_vcpus

# Minutes of benchmark or a cgroup of its own: `make test` runs it, `-m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

# Burns CPU for `seconds` of wall time, then prints the CPU seconds it got.
BUSY = "import time; end = time.monotonic() + {seconds}\nwhile time.monotonic() < end: pass\nprint(time.process_time())"


def test_one_vcpu_at_lambdas_memory_for_it():
    assert lambda_vcpus(MB_PER_VCPU) == 1.0
    assert round(lambda_vcpus(512), 2) == 0.29


def test_a_capped_process_gets_its_share_and_the_cap_is_removed_after():
    with cpu_limit(0.25) as limit:
        if limit.group is None:
            pytest.skip(f"this machine cannot cap a process's CPU: {limit.why_not}")
        result = subprocess.run(
            limit.wrap([sys.executable, "-c", BUSY.format(seconds=1.0)]), capture_output=True, text=True, check=True
        )
    # A quarter of a CPU over one second of wall time (the first period may run whole: 0.1 s)
    assert float(result.stdout) < 0.25 + 0.15
    assert limit.figures() == {"lambda_vcpus": 0.25, "cpu_limited": True, "cpu_limit_note": None}
    assert limit.group is not None and not limit.group.exists()
