"""Wall time of deploy, re-run and teardown on localaws: median of N runs, with task and API-call counts.

    .venv/bin/python bench/deploy_cycle.py [--runs 3] [--with-floor] [--profile] [--json build/bench-deploy.json]

Each run uses a fresh suffix on one localaws started for the benchmark (plain: no latency model; stopped after
it). Every step also reports the AWS requests it made (localaws counts them by operation, GET /_localaws/requests).
--with-floor first runs bench/floor.py (the same resources with plain boto3 calls) on the same localaws and adds
the ratios of each step to the floor (deploy / create, re-run / one describe per resource, teardown / delete) and
the re-run's API calls per managed resource (the floor's resource count). --profile enables Ansible's
profile_tasks callback besides profile_roles and keeps both summaries of the last run's re-run.
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
sys.path.insert(0, str(REPO / "bench"))

from localaws.testing import request_counts, running_localaws  # noqa: E402

RECAP = re.compile(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)")
STEPS = (("deploy", "site.yml"), ("re-run", "site.yml"), ("teardown", "teardown.yml"))
FLOOR_OF = {"deploy": "create_s", "re-run": "noop_read_s", "teardown": "delete_s"}
PROFILE_CALLBACKS = "ansible.posix.profile_roles,ansible.posix.profile_tasks,ansible.posix.timer"
# The summaries profile_roles and profile_tasks print after the recap: "name ---- 1.23s" lines.
PROFILE_LINE = re.compile(r"^(?P<name>.+?)\s-{2,}\s+(?P<seconds>\d+\.\d+)s\s*$")


def run_playbook(endpoint: str, playbook: str, suffix: str, profile: bool = False) -> dict:
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0")
    if profile:
        env.update(ANSIBLE_CALLBACKS_ENABLED=PROFILE_CALLBACKS, PROFILE_TASKS_TASK_OUTPUT_LIMIT="400", PROFILE_TASKS_SORT_ORDER="descending")
    command = [str(REPO / ".venv" / "bin" / "ansible-playbook"), "-i", "inventories/local", f"playbooks/{playbook}", "-e", f"streamflix_env_suffix={suffix}"]
    request_counts(endpoint, reset=True)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    calls = request_counts(endpoint)
    recaps = list(RECAP.finditer(result.stdout))  # one line per host (localhost and the environment's)
    if result.returncode != 0 or not recaps:
        raise SystemExit(f"{playbook} failed (rc {result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}")
    ok, changed, _unreachable, _failed, skipped = (sum(int(r.group(i)) for r in recaps) for i in range(1, 6))
    recap = recaps[-1]
    sample = {"seconds": seconds, "tasks": ok + skipped, "changed": changed, "api_calls": sum(calls.values()), "calls": calls}
    if profile:
        sample["profile"] = [
            (match["name"].strip(), float(match["seconds"]))
            for match in map(PROFILE_LINE.match, result.stdout[recap.end():].splitlines())
            if match
        ]
    return sample


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--with-floor", action="store_true", help="run bench/floor.py first and report the ratios to it")
    parser.add_argument("--floor-runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="per-task and per-role times of the re-run")
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args()
    samples: dict[str, list[dict]] = {name: [] for name, _ in STEPS}
    floor = None
    with running_localaws() as endpoint:
        if args.with_floor:
            import floor as floor_bench

            floor = floor_bench.measure(args.floor_runs, endpoint)
        for _ in range(args.runs):
            suffix = "bench" + uuid.uuid4().hex[:6]
            for name, playbook in STEPS:
                samples[name].append(run_playbook(endpoint, playbook, suffix, profile=args.profile))
    report: dict = {
        name: {
            "median_seconds": round(statistics.median(s["seconds"] for s in runs), 1),
            "all_seconds": [round(s["seconds"], 1) for s in runs],
            "tasks": runs[0]["tasks"],
            "changed": [s["changed"] for s in runs],
            "api_calls": runs[-1]["api_calls"],
        }
        for name, runs in samples.items()
    }
    report["re-run"]["calls_by_operation"] = dict(sorted(samples["re-run"][-1]["calls"].items(), key=lambda kv: -kv[1]))
    if args.profile:
        report["re-run"]["profile"] = samples["re-run"][-1]["profile"]
    if floor is not None:
        report["floor"] = floor
        for name, key in FLOOR_OF.items():
            report[name]["ratio_to_floor"] = round(report[name]["median_seconds"] / floor[key], 1)
        report["re-run"]["api_calls_per_managed_resource"] = round(report["re-run"]["api_calls"] / floor["resources"], 2)
    print(f"{'step':<10} {'median s':>9} {'tasks':>6} {'API calls':>10} {'x floor':>8}  runs (s)            changed")
    for name, _ in STEPS:
        row = report[name]
        print(
            f"{name:<10} {row['median_seconds']:>9} {row['tasks']:>6} {row['api_calls']:>10} {row.get('ratio_to_floor', '-'):>8}"
            f"  {str(row['all_seconds']):<20} {row['changed']}"
        )
    if floor is not None:
        print(
            f"floor: create {floor['create_s']} s, one read per resource {floor['noop_read_s']} s, delete {floor['delete_s']} s,"
            f" {floor['resources']} resources; re-run API calls per managed resource:"
            f" {report['re-run']['api_calls_per_managed_resource']}"
        )
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
