"""Wall time of one run over 1 vs N environments of one inventory (--forks N), deploy and teardown, on localaws.

    .venv/bin/python bench/many_environments.py [--environments 1,3] [--runs 1] [--regions us-east-1] [--json FILE]

For each count, an inventory shaped like inventories/previews (one host per environment, the host's name its
suffix) over the local inventory's settings is deployed with `site.yml --forks <count>` and torn down with
`teardown.yml --forks <count>`, on one localaws started for the benchmark (and stopped after it). --regions
spreads the hosts over regions, round robin. Numbers only: on a 2-core machine the N runs share the cores.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools" / "localaws"))

from localaws.testing import running_localaws  # noqa: E402

RECAP = re.compile(r"(?m)^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)")


def write_inventory(directory: Path, hosts: dict) -> Path:
    """hosts.yml with the given hosts (name -> variables) over inventories/local's group_vars, suffix = host name."""
    lines = ["---", "streamflix:", "  hosts:"]
    for name, variables in hosts.items():
        lines.append(f"    {name}: {json.dumps(variables)}")
    lines += ["  vars:", "    ansible_connection: local", '    ansible_python_interpreter: "{{ ansible_playbook_python }}"']
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "hosts.yml").write_text("\n".join(lines) + "\n")
    group_vars = directory / "group_vars" / "all"
    group_vars.mkdir(parents=True, exist_ok=True)
    for path in sorted((REPO / "inventories" / "local" / "group_vars" / "all").glob("*.yml")):
        text = path.read_text()
        if path.name == "environment.yml":
            text = re.sub(r"(?m)^streamflix_env_suffix: .*$", 'streamflix_env_suffix: "{{ inventory_hostname }}"', text)
        (group_vars / path.name).write_text(text)
    return directory


def run_playbook(endpoint: str, inventory: Path, playbook: str, forks: int, output_dir: str) -> dict:
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0")
    command = [
        str(REPO / ".venv" / "bin" / "ansible-playbook"), "-i", str(inventory), f"playbooks/{playbook}",
        "--forks", str(forks), "-e", json.dumps({"streamflix_output_dir": output_dir}),
    ]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    hosts = {m.group(1): int(m.group(5)) for m in RECAP.finditer(result.stdout) if m.group(1) != "localhost"}
    if result.returncode != 0 or not hosts or any(hosts.values()):
        raise SystemExit(f"{playbook} failed (rc {result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}")
    return {"seconds": seconds, "hosts": len(hosts)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--environments", default="1,3", help="comma-separated environment counts (default 1,3)")
    parser.add_argument("--runs", type=int, default=1, help="deploy/teardown cycles per count (default 1)")
    parser.add_argument("--regions", default="us-east-1", help="comma-separated regions, assigned round robin")
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args()
    counts = [int(count) for count in args.environments.split(",")]
    regions = args.regions.split(",")
    samples = {count: {"deploy": [], "teardown": []} for count in counts}
    with running_localaws() as endpoint, tempfile.TemporaryDirectory(prefix="bench-many-") as scratch:
        for run in range(args.runs):
            for count in counts:
                tag = uuid.uuid4().hex[:5]
                hosts = {f"bm{tag}n{index}": {"streamflix_region": regions[index % len(regions)]} for index in range(count)}
                inventory = write_inventory(Path(scratch) / f"inventory-{count}-{run}", hosts)
                for step, playbook in (("deploy", "site.yml"), ("teardown", "teardown.yml")):
                    samples[count][step].append(run_playbook(endpoint, inventory, playbook, count, scratch)["seconds"])
    report = {
        str(count): {
            step: {"median_seconds": round(statistics.median(values), 1), "all_seconds": [round(v, 1) for v in values]}
            for step, values in steps.items()
        }
        for count, steps in samples.items()
    }
    base = report[str(counts[0])]
    print(f"{'environments':>12} {'deploy s':>9} {'teardown s':>11}  {'deploy vs ' + str(counts[0]):>14}")
    for count, row in report.items():
        ratio = row["deploy"]["median_seconds"] / base["deploy"]["median_seconds"]
        print(f"{count:>12} {row['deploy']['median_seconds']:>9} {row['teardown']['median_seconds']:>11}  {ratio:>13.2f}x")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"regions": regions, "runs": args.runs, "results": report}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
