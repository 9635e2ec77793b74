"""The independent scan as a test: a fresh localaws, one deploy, Prowler, no unaccepted FAIL, no unexplained error.

Not part of `make test` (tests/security is not collected by it); `make scan` is the everyday way. It needs
Prowler in build/prowler-venv (`make build/prowler-venv/.installed`), and takes a deploy (2-5 min) plus the
scan (about 3 min on 2 cores).
"""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path

from localaws.testing import running_localaws

REPO = Path(__file__).resolve().parents[2]
PROWLER_PYTHON = REPO / "build" / "prowler-venv" / "bin" / "python"


def test_prowler_finds_no_unaccepted_fail_on_a_fresh_environment(tmp_path):
    assert PROWLER_PYTHON.exists(), "Prowler is not installed: run `make build/prowler-venv/.installed` first"
    suffix = "scan" + secrets.token_hex(3)
    with running_localaws() as endpoint:
        scan = subprocess.run(
            [str(PROWLER_PYTHON), str(REPO / "tests" / "security" / "scan.py"), "--deploy", "--suffix", suffix,
             "--endpoint", endpoint, "--output-dir", str(tmp_path / "scan"), "--outputs-dir", str(tmp_path)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1800,
        )
    report = scan.stdout[scan.stdout.rfind("scan: Prowler took"):] if "scan: Prowler took" in scan.stdout else scan.stdout[-6000:]
    assert scan.returncode == 0, report
