"""The localaws command line: listening line, health, SIGTERM, --idle-timeout,
--parent-pid and argument validation."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import make_client

from localaws.fills import FILLS

CLI = [sys.executable, "-m", "localaws.cli", "--host", "127.0.0.1", "--port", "0"]


def start(*args: str) -> tuple[subprocess.Popen, str]:
    """Start localaws on a free port; return the process and its endpoint."""
    proc = subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    assert line.startswith("localaws listening on http://127.0.0.1:"), line
    return proc, line.rsplit(" ", 1)[1]


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def test_serves_health_and_aws_then_stops_on_sigterm():
    proc, endpoint = start()
    try:
        with urllib.request.urlopen(f"{endpoint}/_localaws/health", timeout=5) as resp:
            assert json.load(resp) == {"status": "ok", "fills": list(FILLS)}
        sts = make_client(endpoint, "sts")
        assert sts.get_caller_identity()["Account"] == "123456789012"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        stop(proc)


def test_idle_timeout_exits_cleanly():
    proc, endpoint = start("--idle-timeout", "1")
    try:
        started = time.monotonic()
        make_client(endpoint, "sts").get_caller_identity()
        assert proc.wait(timeout=15) == 0
        assert time.monotonic() - started >= 1.0
    finally:
        stop(proc)


def test_no_idle_timeout_by_default():
    proc, _ = start()
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=2)
    finally:
        stop(proc)


def test_exits_when_parent_process_exits():
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    proc, _ = start("--parent-pid", str(parent.pid))
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=1.5)
        parent.kill()
        parent.wait()
        assert proc.wait(timeout=10) == 0
    finally:
        stop(proc)
        stop(parent)


@pytest.mark.parametrize(
    "args",
    [["--fault-rate", "1.5"], ["--fault-rate", "x"], ["--idle-timeout", "-1"], ["--port", "http"]],
)
def test_invalid_arguments_are_rejected(args):
    result = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "localaws: error:" in result.stderr


IDEMPOTENCE_CHECK = """
from localaws.fills import FILLS, apply_all
from moto.elasticache.responses import ElastiCacheResponse
assert apply_all() == list(FILLS)
patched = ElastiCacheResponse.create_replication_group
assert apply_all() == list(FILLS)
assert ElastiCacheResponse.create_replication_group is patched
assert patched.original is not patched
"""


def test_apply_all_is_idempotent():
    # In a subprocess: patching moto here would leak into other in-process moto tests.
    result = subprocess.run([sys.executable, "-c", IDEMPOTENCE_CHECK], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "localaws"
    if not script.exists():
        pytest.skip("localaws is not pip-installed in this interpreter's environment")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    assert "--fault-rate" in result.stdout
