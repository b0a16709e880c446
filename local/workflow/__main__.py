"""`python -m local.workflow`: one run of a deployed policy through the synthesized state machine, locally.

Prints the run's report as one JSON line (runId, planDigest, totals, outcomes, shards) and each
notification the run put on the bus to stderr. Exit 0 when the run finished, 3 when a guard or a
rejection aborted it, 1 when it failed, 2 for bad arguments.
"""

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from disposer.retention.loader import load_policies
from local.workflow.runner import Decision, local_workflow

FINISHED, FAILED, USAGE, ABORTED = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m local.workflow", description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=Path, required=True, help="the policies file (as deployed)")
    parser.add_argument("--policy", required=True, help="the name of the policy to run")
    parser.add_argument("--as-of", type=datetime.fromisoformat, help="run as if it were this time (ISO 8601)")
    parser.add_argument("--shard-packages", type=int, help="packages per plan shard (default: the deployment's)")
    decision = parser.add_mutually_exclusive_group()
    decision.add_argument(
        "--approve", action="store_const", const="approve", dest="decision", help="approve the plan, if asked"
    )
    decision.add_argument(
        "--reject", action="store_const", const="reject", dest="decision", help="reject the plan, if asked"
    )
    return parser


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    policies = {policy.name: policy for policy in load_policies(str(arguments.policies))}
    policy = policies.get(arguments.policy)
    if policy is None:
        print(f"error: no policy named {arguments.policy!r} in {arguments.policies}", file=sys.stderr)
        return USAGE
    if policy.needs_approval and policy.mode == "apply" and arguments.decision is None:
        print(f"error: policy {policy.name!r} needs an approval: add --approve or --reject", file=sys.stderr)
        return USAGE
    if arguments.as_of is not None and arguments.as_of.tzinfo is None:
        print("error: --as-of needs a time zone (for example 2026-11-25T03:00:00Z)", file=sys.stderr)
        return USAGE
    decision: Decision | None = arguments.decision
    with local_workflow(arguments.policies, shard_packages=arguments.shard_packages) as workflow:
        result = workflow.run(policy.name, as_of=arguments.as_of, decision=decision)
    for entry in result.events:
        print(f"event {entry['DetailType']}: {entry['Detail']}", file=sys.stderr)
    print(json.dumps(result.summary(), separators=(",", ":")))
    if result.aborted:
        return ABORTED
    return FINISHED if result.execution.status.value == "SUCCEEDED" else FAILED


if __name__ == "__main__":
    sys.exit(main())
