"""Lambda's CPU share for the process in which a benchmark runs our handler.

Lambda gives a function CPU in proportion to its memory: one vCPU's worth (a vCPU-second of credit per
second) at 1,769 MB. A run is CPU-bound in places (botocore, audit records, under one GIL), so a bench
whose run had a whole machine would flatter a deployment with less. Where this machine lets us
create a cgroup (root, cgroup v1 or v2), the run's process goes inside one capped at the deployed
memory's share; elsewhere it runs unconstrained and the figures say so.
"""

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Lambda's memory for one vCPU's worth of CPU.
MB_PER_VCPU = 1769
CFS_PERIOD_US = 100_000
_CGROUP_V1 = Path("/sys/fs/cgroup/cpu")
_CGROUP_V2 = Path("/sys/fs/cgroup")


def lambda_vcpus(memory_mb: int) -> float:
    return memory_mb / MB_PER_VCPU


@dataclass(frozen=True)
class CpuLimit:
    """A cgroup capped at `vcpus` (None: none could be made, and `why_not` says why)."""

    vcpus: float
    group: Path | None
    why_not: str | None = None

    def figures(self) -> dict[str, object]:
        return {
            "lambda_vcpus": round(self.vcpus, 3),
            "cpu_limited": self.group is not None,
            "cpu_limit_note": self.why_not,
        }

    def wrap(self, command: list[str]) -> list[str]:
        """`command`, run inside the group (a shell puts itself in, then becomes the command)."""
        if self.group is None:
            return command
        return ["sh", "-c", f'echo $$ > {self.group / "cgroup.procs"} && exec "$0" "$@"', *command]


@contextlib.contextmanager
def cpu_limit(vcpus: float) -> Iterator[CpuLimit]:
    """A cgroup allowing `vcpus` of CPU for as long as the block runs, removed after."""
    quota = max(1000, round(vcpus * CFS_PERIOD_US))
    name = f"bench-{uuid.uuid4().hex[:8]}"
    group: Path | None = None
    try:
        if (_CGROUP_V1 / "cpu.cfs_quota_us").exists():
            group = _CGROUP_V1 / name
            group.mkdir()
            (group / "cpu.cfs_period_us").write_text(str(CFS_PERIOD_US))
            (group / "cpu.cfs_quota_us").write_text(str(quota))
        elif "cpu" in (_CGROUP_V2 / "cgroup.subtree_control").read_text().split():
            group = _CGROUP_V2 / name
            group.mkdir()
            (group / "cpu.max").write_text(f"{quota} {CFS_PERIOD_US}")
        else:
            raise OSError("no cgroup with the cpu controller")
    except OSError as error:
        if group is not None:
            with contextlib.suppress(OSError):
                group.rmdir()
        yield CpuLimit(vcpus, None, f"the run ran unconstrained (no cgroup to cap its CPU: {error})")
        return
    try:
        yield CpuLimit(vcpus, group)
    finally:
        with contextlib.suppress(OSError):
            group.rmdir()
