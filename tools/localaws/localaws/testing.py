"""Test helper: start localaws on a free loopback port for the duration of a block.

    with running_localaws() as endpoint:
        boto3.client("s3", endpoint_url=endpoint, ...)
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from typing import Iterator, Sequence

START_DEADLINE_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _tail(path: str, lines: int = 40) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError:
        return ""


def _healthy(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/_localaws/health", timeout=0.5) as resp:
            return resp.status == 200 and json.load(resp).get("status") == "ok"
    except (OSError, ValueError, urllib.error.URLError):
        return False


def fault_counts(endpoint: str) -> dict:
    """The fault injection's counts so far: fault_rate, aws_requests, faults, by_code (never faulted itself)."""
    with urllib.request.urlopen(f"{endpoint}/_localaws/faults", timeout=5) as resp:
        return json.load(resp)


def request_counts(endpoint: str, reset: bool = False) -> dict[str, int]:
    """AWS requests by operation so far, {"<service>.<Operation>": N}; with reset, also start again from zero."""
    request = urllib.request.Request(f"{endpoint}/_localaws/requests", method="DELETE" if reset else "GET")
    with urllib.request.urlopen(request, timeout=5) as resp:
        return json.load(resp)


def timeline_of(endpoint: str) -> list[dict]:
    """Every resource timeline the server's latency model started: type, id, state, final, requested_at, ready_at."""
    with urllib.request.urlopen(f"{endpoint}/_localaws/timeline", timeout=5) as resp:
        return json.load(resp)


def latency_args(latency_model: str | None, time_scale: float | None) -> list[str]:
    """The command-line options that set the latency model, for the values given."""
    args = []
    if latency_model is not None:
        args += ["--latency-model", latency_model]
    if time_scale is not None:
        args += ["--time-scale", str(time_scale)]
    return args


def latency_model_of(endpoint: str) -> dict:
    """The running server's latency model: {"model", "time_scale", "consistency_seconds"}."""
    with urllib.request.urlopen(f"{endpoint}/_localaws/health", timeout=5) as resp:
        return json.load(resp).get("latency_model") or {"model": "off", "time_scale": 0.0}


@contextlib.contextmanager
def running_localaws(
    extra_args: Sequence[str] = (), latency_model: str | None = None, time_scale: float | None = None
) -> Iterator[str]:
    """Run localaws in a subprocess; yield its endpoint URL; stop it on exit.

    ``latency_model`` / ``time_scale`` become --latency-model / --time-scale; when not given the server reads
    LOCALAWS_LATENCY_MODEL / LOCALAWS_TIME_SCALE from the environment it inherits (off when unset)."""
    extra_args = list(extra_args) + latency_args(latency_model, time_scale)
    host = "127.0.0.1"
    port = free_port(host)
    endpoint = f"http://{host}:{port}"
    with tempfile.TemporaryDirectory(prefix="localaws-") as tmp:
        log_path = os.path.join(tmp, "localaws.log")
        with open(log_path, "wb") as log:
            cmd = [
                sys.executable, "-m", "localaws.cli",
                "--host", host, "--port", str(port),
                "--parent-pid", str(os.getpid()),
                *extra_args,
            ]
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + START_DEADLINE_SECONDS
            while not _healthy(endpoint):
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"localaws exited with code {proc.returncode} before answering:\n{_tail(log_path)}"
                    )
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"localaws did not answer on {endpoint} within {START_DEADLINE_SECONDS:.0f}s:\n"
                        f"{_tail(log_path)}"
                    )
                time.sleep(0.1)
            yield endpoint
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=STOP_TIMEOUT_SECONDS)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
