"""Command line: ``localaws --host 127.0.0.1 --port 4566 [options]``."""

from __future__ import annotations

import argparse
import sys

from .model import DEFAULT_CONSISTENCY_SECONDS, ENV_CONSISTENCY, ENV_MODEL, ENV_SCALE, MODELS, configure_from_env


def _fault_rate(value: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0.0 <= rate <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return rate


def _non_negative(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if seconds < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return seconds


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="localaws",
        description="The StreamFlix local AWS: moto's server plus documented fills.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=4566, help="port to bind (default 4566; 0 = any free port)")
    parser.add_argument(
        "--idle-timeout",
        type=_non_negative,
        default=0.0,
        metavar="SECONDS",
        help="exit when no request has arrived for SECONDS (default 0 = never)",
    )
    parser.add_argument(
        "--parent-pid",
        type=int,
        default=None,
        metavar="PID",
        help="exit when process PID no longer exists (checked every second)",
    )
    parser.add_argument(
        "--fault-rate",
        type=_fault_rate,
        default=0.0,
        metavar="FLOAT",
        help="fraction (0..1) of AWS requests answered with a retryable AWS error (default 0)",
    )
    parser.add_argument(
        "--fault-seed",
        type=int,
        default=None,
        metavar="INT",
        help="seed for the fault injection's random choices (reproducible runs)",
    )
    parser.add_argument(
        "--lost-answer-rate",
        type=_fault_rate,
        default=0.0,
        metavar="FLOAT",
        help="fraction (0..1) of AWS requests that are executed but answered with HTTP 500/503 (default 0)",
    )
    env_model, env_scale, env_consistency = configure_from_env()
    parser.add_argument(
        "--latency-model",
        choices=MODELS,
        default=env_model,
        help="'aws': slow resources pass through AWS's states for AWS's durations x --time-scale"
        f" (default {ENV_MODEL} or off)",
    )
    parser.add_argument(
        "--time-scale",
        type=_non_negative,
        default=env_scale,
        metavar="S",
        help=f"multiplier of AWS's durations under the latency model (default {ENV_SCALE} or 0 = instant)",
    )
    parser.add_argument(
        "--consistency-seconds",
        type=_non_negative,
        default=env_consistency,
        metavar="SECONDS",
        help="under the latency model, how long a new NAT gateway is unknown to lookups by id (not scaled;"
        f" default {ENV_CONSISTENCY} or {DEFAULT_CONSISTENCY_SECONDS:g})",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .server import serve

    return serve(
        host=args.host,
        port=args.port,
        idle_timeout=args.idle_timeout,
        parent_pid=args.parent_pid,
        fault_rate=args.fault_rate,
        fault_seed=args.fault_seed,
        lost_answer_rate=args.lost_answer_rate,
        latency_model=args.latency_model,
        time_scale=args.time_scale,
        consistency_seconds=args.consistency_seconds,
    )


if __name__ == "__main__":
    sys.exit(main())
