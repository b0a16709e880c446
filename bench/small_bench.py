"""Small-scale benchmark (`make bench`): 100 packages of 120 versions, at the deployed defaults, against the
naive baseline run 32 threads wide (as the published retention Lambda's self-invocation runs).

The same harness as bench.scale_bench (two emulator subprocesses at 10 ms a call with CodeArtifact's
quotas enforced, the real handler in its own process, the plan checked against the emulator's final
state); here the rule is the common one, "older than 90 days, keep the default display version", and
ours runs with every deployment default (threads, measureBytes off) given the whole quota, as the
baseline has it. Prints one JSON line.
"""

import json

from bench.retention_bench import DOMAIN, OWNER, SeedShape
from bench.scale_bench import TARGETS, ScaleConfig, measure
from disposer.retention.policy import RetentionPolicy
from disposer.settings import DEFAULT_THREADS

SHAPE = SeedShape(
    repositories=("team-a", "team-b"),
    packages_per_repository=50,
    versions_per_package=120,
    big_packages=(),
    outside_packages=0,
    # A build about every two days: 120 versions span about eight months, and about 76 per package are
    # older than 90 days, the 7,600 disposals of the comparison the README quotes.
    build_every_days=2.05,
)
POLICY = RetentionPolicy.model_validate(
    {
        "name": "older-than-90-days",
        "mode": "apply",
        "domain": DOMAIN,
        "domainOwner": OWNER,
        "repository": "team-*",
        "select": {"olderThanDays": 90},
        "maxDisposalsPerRun": 100_000,
    }
)
BASELINE_THREADS = 32
# The whole of each quota: the baseline paces nothing, so ours may use all of it too.
QUOTA_SHARE = 1.0
# Calls: a run that plans 100 packages of 120 versions must beat describing them all by more.
SMALL_TARGETS = {**TARGETS, "speedup_calls": 13.0, "speedup_wall": 8.0}


def config() -> ScaleConfig:
    return ScaleConfig(
        shape=SHAPE,
        threads=DEFAULT_THREADS,
        quota_share=QUOTA_SHARE,
        baseline_threads=BASELINE_THREADS,
        policy=POLICY,
        targets=SMALL_TARGETS,
    )


def main() -> None:
    print(json.dumps({**measure(config()), "benchmark": "small"}))


if __name__ == "__main__":
    main()
