"""Wall time of deploy, re-run and teardown on localaws: median of N runs, next to the task counts.

    .venv/bin/python bench/deploy_cycle.py [--runs 3] [--json build/bench-deploy.json]

Each run uses a fresh suffix on one localaws started for the benchmark (and stopped after it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools" / "localaws"))

from localaws.testing import running_localaws  # noqa: E402

RECAP = re.compile(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)")
STEPS = (("deploy", "site.yml"), ("re-run", "site.yml"), ("teardown", "teardown.yml"))


def run_playbook(endpoint: str, playbook: str, suffix: str) -> dict:
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0")
    command = [str(REPO / ".venv" / "bin" / "ansible-playbook"), "-i", "inventories/local", f"playbooks/{playbook}", "-e", f"streamflix_env_suffix={suffix}"]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    recap = RECAP.search(result.stdout)
    if result.returncode != 0 or recap is None:
        raise SystemExit(f"{playbook} failed (rc {result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}")
    ok, changed, _unreachable, _failed, skipped = map(int, recap.groups())
    return {"seconds": seconds, "tasks": ok + skipped, "changed": changed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args()
    samples: dict[str, list[dict]] = {name: [] for name, _ in STEPS}
    with running_localaws() as endpoint:
        for _ in range(args.runs):
            suffix = "bench" + uuid.uuid4().hex[:6]
            for name, playbook in STEPS:
                samples[name].append(run_playbook(endpoint, playbook, suffix))
    report = {
        name: {
            "median_seconds": round(statistics.median(s["seconds"] for s in runs), 1),
            "all_seconds": [round(s["seconds"], 1) for s in runs],
            "tasks": runs[0]["tasks"],
            "changed": [s["changed"] for s in runs],
        }
        for name, runs in samples.items()
    }
    print(f"{'step':<10} {'median s':>9} {'tasks':>6}  runs (s)            changed")
    for name, row in report.items():
        print(f"{name:<10} {row['median_seconds']:>9} {row['tasks']:>6}  {str(row['all_seconds']):<20} {row['changed']}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
