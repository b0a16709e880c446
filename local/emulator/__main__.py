"""CLI: `python -m local.emulator --port P [--seed FILE] [fault flags]` serves until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from local.emulator.faults import AWS_QUOTAS, AWS_READ_TPS, AWS_WRITE_TPS, FaultSettings
from local.emulator.protocol import load_service_spec
from local.emulator.seed import SeedError
from local.emulator.server import start_emulator
from local.emulator.store import DEFAULT_ACCOUNT, DEFAULT_REGION


def _quota(text: str) -> tuple[str, float]:
    operation, separator, rate = text.partition("=")
    if not separator:
        raise argparse.ArgumentTypeError(f"expected OPERATION=TPS, got {text!r}")
    if operation not in load_service_spec().model.operation_names:
        raise argparse.ArgumentTypeError(f"unknown CodeArtifact operation {operation!r}")
    try:
        value = float(rate)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"TPS must be a number, got {rate!r}") from exc
    if value <= 0:
        raise argparse.ArgumentTypeError("TPS must be positive")
    return operation, value


def build_parser() -> argparse.ArgumentParser:
    """The emulator's command line."""
    parser = argparse.ArgumentParser(
        prog="python -m local.emulator", description="Local AWS CodeArtifact emulator (restJson1 over HTTP)."
    )
    parser.add_argument("--port", type=int, default=0, help="port on --host; 0 picks a free one (default 0)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--seed", help="seed JSON file (format: docs/emulator.md)")
    parser.add_argument("--account", default=DEFAULT_ACCOUNT, help="the caller's account id")
    parser.add_argument("--region", default=DEFAULT_REGION, help="region used in ARNs")
    parser.add_argument(
        "--quota", action="append", type=_quota, default=[], metavar="OPERATION=TPS", help="per-operation TPS"
    )
    parser.add_argument("--read-tps", type=float, help="aggregate TPS for List*/Describe*/Get* calls")
    parser.add_argument("--write-tps", type=float, help="aggregate TPS for every other call")
    parser.add_argument(
        "--aws-quotas", action="store_true", help="CodeArtifact's documented account quotas (200/800/100 TPS)"
    )
    parser.add_argument("--error-rate", type=float, default=0.0, help="fraction of calls failing with a 500")
    parser.add_argument(
        "--throttle-rate", type=float, default=0.0, help="fraction of calls answered ThrottlingException at random"
    )
    parser.add_argument("--latency-ms", type=float, default=0.0, help="latency added to every call")
    parser.add_argument("--seed-random", type=int, help="seed for random faults and generated revisions")
    parser.add_argument(
        "--redispose",
        choices=("noop", "not-allowed"),
        default="noop",
        help="disposing a Disposed version: success no-op (default) or NOT_ALLOWED",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser


def fault_settings(args: argparse.Namespace) -> FaultSettings:
    """The fault settings the flags ask for."""
    quotas = dict(AWS_QUOTAS) if args.aws_quotas else {}
    quotas.update(dict(args.quota))
    return FaultSettings(
        quotas=quotas,
        read_tps=args.read_tps or (AWS_READ_TPS if args.aws_quotas else None),
        write_tps=args.write_tps or (AWS_WRITE_TPS if args.aws_quotas else None),
        error_rate=args.error_rate,
        throttle_rate=args.throttle_rate,
        latency_ms=args.latency_ms,
        seed_random=args.seed_random,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGTERM or SIGINT; 0 on a clean stop."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        settings = fault_settings(args)
        settings.check()
        emulator = start_emulator(
            args.seed,
            port=args.port,
            host=args.host,
            faults=settings,
            account=args.account,
            region=args.region,
            random_seed=args.seed_random,
            redispose_not_allowed=args.redispose == "not-allowed",
            verbose=args.verbose,
        )
    except (SeedError, ValueError, OSError) as exc:
        print(f"emulator failed to start: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    print(f"emulator ready on {emulator.url}", flush=True)
    while not stop.wait(0.5):
        pass
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
