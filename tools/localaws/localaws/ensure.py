"""Make sure a localaws answers on HOST:PORT, starting one in the background if none does.

    python -m localaws.ensure --host 127.0.0.1 --port 4566 --idle-timeout 7200 --log build/localaws.log

Used by `make deploy` and friends for ENV=local. The background server exits by itself after
--idle-timeout seconds without a request, so nothing is left running for long.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from .model import configure_from_env
from .testing import _healthy, latency_args, latency_model_of

START_DEADLINE_SECONDS = 30.0


def start_in_background(host: str, port: int, idle_timeout: float, log_path: str, extra_args=()) -> subprocess.Popen:
    os.makedirs(os.path.dirname(os.path.abspath(log_path)), exist_ok=True)
    log = open(log_path, "ab")  # inherited by the child, which outlives us
    cmd = [sys.executable, "-m", "localaws.cli", "--host", host, "--port", str(port), "--idle-timeout", str(idle_timeout), *extra_args]
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)


def wait_until_healthy(endpoint: str, process: subprocess.Popen, log_path: str) -> None:
    deadline = time.monotonic() + START_DEADLINE_SECONDS
    while not _healthy(endpoint):
        if process.poll() is not None:
            raise SystemExit(f"localaws exited with {process.returncode}; see {log_path}")
        if time.monotonic() > deadline:
            raise SystemExit(f"localaws did not answer on {endpoint} within {START_DEADLINE_SECONDS:.0f} s; see {log_path}")
        time.sleep(0.2)  # polling a starting server, not a fixed wait


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localaws.ensure", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--idle-timeout", type=float, default=7200.0, metavar="SECONDS")
    parser.add_argument("--log", default="build/localaws.log", metavar="PATH")
    parser.add_argument("--pid-file", metavar="PATH", help="write the started server's pid here (to stop it later)")
    env_model, env_scale, _consistency = configure_from_env()
    parser.add_argument("--latency-model", default=env_model, help="off or aws (default LOCALAWS_LATENCY_MODEL or off)")
    parser.add_argument("--time-scale", type=float, default=env_scale, help="default LOCALAWS_TIME_SCALE or 0")
    args = parser.parse_args(argv)
    endpoint = f"http://{args.host}:{args.port}"
    if _healthy(endpoint):
        running = latency_model_of(endpoint)
        print(f"localaws already answering on {endpoint} (latency model {running.get('model')} x {running.get('time_scale')})")
        if (running.get("model"), float(running.get("time_scale") or 0)) != (args.latency_model, args.time_scale):
            print(
                f"warning: asked for latency model {args.latency_model} x {args.time_scale:g}; stop that server to get it",
                file=sys.stderr,
            )
        return 0
    model_args = latency_args(args.latency_model, args.time_scale)
    process = start_in_background(args.host, args.port, args.idle_timeout, args.log, model_args)
    wait_until_healthy(endpoint, process, args.log)
    if args.pid_file:
        with open(args.pid_file, "w", encoding="utf-8") as handle:
            handle.write(f"{process.pid}\n")
    print(f"localaws started on {endpoint} (pid {process.pid}, exits after {args.idle_timeout:.0f} s idle; log {args.log})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
