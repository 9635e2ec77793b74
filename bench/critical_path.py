"""Deploy and teardown under localaws's AWS latency model, against the critical path AWS itself imposes.

    .venv/bin/python bench/critical_path.py --time-scale 0.02 --json build/bench-critical-path.json [--runs 3]

Starts its own localaws with ``--latency-model aws --time-scale S``; for each run, deploys a fresh suffix
(playbooks/site.yml) and tears it down (playbooks/teardown.yml). localaws's ``/_localaws/timeline`` says when each
modelled (slow) resource was requested and when the model made it ready (or gone). The critical path is computed
from those durations and from the dependencies AWS imposes between the resources (the graphs below, not our task
order), plus the non-modelled API calls each step needs at least, each costed at the round trip measured against
the same localaws. Writes the JSON, and a Gantt chart of each run's slow resources (<json stem>-deploy.svg,
<json stem>-teardown.svg) next to it.
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
from html import escape
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools" / "localaws"))

import boto3  # noqa: E402

from localaws.testing import running_localaws, timeline_of  # noqa: E402

RECAP = re.compile(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)")
REGION = "us-east-1"
RTT_SAMPLES = 30

# The dependencies AWS imposes, one node per resource family (every member of a family, e.g. the NAT gateway of
# each zone, has the same dependencies and duration, so they run side by side). Each node:
#   deps:   nodes that must be *ready* (created and available; in teardown: gone) before this one is requested;
#           "x@requested" only needs x to have been requested (AWS accepts the call while x is still provisioning)
#   calls:  the fewest API calls, one after the other, from its dependencies being met to its request
#   model:  (timeline type, state) of localaws's model, whose duration it takes; None: not modelled (instant)
DEPLOY = {
    "vpc": {"deps": [], "calls": 1, "model": None},  # CreateVpc
    "internet_gateway": {"deps": ["vpc"], "calls": 2, "model": None},  # CreateInternetGateway, AttachInternetGateway
    "subnets": {"deps": ["vpc"], "calls": 1, "model": None},  # CreateSubnet (zones in parallel)
    "security_groups": {"deps": ["vpc"], "calls": 2, "model": None},  # CreateSecurityGroup, AuthorizeSecurityGroupIngress
    "kms_key": {"deps": [], "calls": 1, "model": None},  # CreateKey (encryption of the data stores, logs, secrets)
    "secrets": {"deps": ["kms_key"], "calls": 1, "model": None},  # CreateSecret with its value
    # CreateNatGateway needs an EIP and a public subnet whose VPC has an internet gateway attached.
    "nat_gateway": {"deps": ["internet_gateway", "subnets"], "calls": 2, "model": ("nat_gateway", "pending")},
    # CreateRoute to a NAT gateway: EC2 must know the gateway (InvalidNatGatewayID.NotFound before; Terraform and
    # CloudFormation wait for "available").
    "private_routes": {"deps": ["nat_gateway"], "calls": 1, "model": None},
    "db_subnet_group": {"deps": ["subnets"], "calls": 1, "model": None},
    "aurora_cluster": {"deps": ["db_subnet_group", "security_groups", "kms_key", "secrets"], "calls": 1, "model": None},
    # CreateDBInstance is accepted while the cluster is creating; writer and readers in parallel.
    "aurora_instances": {"deps": ["aurora_cluster"], "calls": 1, "model": ("db_instance", "creating")},
    # The Data API (schema migrations) needs an available writer.
    "schema": {"deps": ["aurora_instances"], "calls": 1, "model": None},
    "cache_subnet_group": {"deps": ["subnets"], "calls": 1, "model": None},
    "replication_group": {"deps": ["cache_subnet_group", "security_groups", "kms_key", "secrets"], "calls": 1,
                          "model": ("replication_group", "creating")},
    "file_system": {"deps": ["kms_key"], "calls": 1, "model": None},
    "mount_targets": {"deps": ["file_system", "subnets", "security_groups"], "calls": 1, "model": ("mount_target", "creating")},
    "access_point": {"deps": ["file_system"], "calls": 1, "model": None},
    # An internet-facing ALB needs the VPC's internet gateway.
    "load_balancer": {"deps": ["subnets", "security_groups", "internet_gateway"], "calls": 1,
                      "model": ("load_balancer", "provisioning")},
    "target_group": {"deps": ["vpc"], "calls": 1, "model": None},
    # CreateListener is accepted while the load balancer provisions.
    "listener": {"deps": ["load_balancer@requested", "target_group"], "calls": 1, "model": None},
    # The tasks pull their image and read their secrets through the NAT gateways and mount the access point
    # through a mount target: on AWS, tasks started before those are ready fail.
    "ecs_service": {"deps": ["listener", "private_routes", "mount_targets", "access_point", "secrets"], "calls": 3,
                    "model": None},  # RegisterTaskDefinition, CreateCluster, CreateService
    # The outputs name every endpoint: the replication group's exists only once it is available.
    "outputs": {"deps": ["ecs_service", "replication_group", "schema", "load_balancer"], "calls": 1, "model": None},
}

TEARDOWN = {
    "ecs_service": {"deps": [], "calls": 2, "model": None},  # UpdateService to 0, DeleteService (force)
    "load_balancer": {"deps": [], "calls": 1, "model": None},  # DeleteLoadBalancer (listeners with it)
    "target_group": {"deps": ["load_balancer", "ecs_service"], "calls": 1, "model": None},  # in use until both go
    # DeleteReplicationGroup needs only an available group (InvalidReplicationGroupState otherwise, botocore model).
    # Aurora: DeleteDBInstance for every instance (300 s x S in localaws's model), then DeleteDBCluster, which AWS
    # accepts "as soon as the DB instance goes into deleting state" (Aurora user guide, "Deleting Aurora DB clusters
    # and DB instances"); the cluster is "deleting" until its last instance is gone (its modelled duration).
    "replication_group": {"deps": [], "calls": 1, "model": ("replication_group", "deleting")},
    "aurora_instances": {"deps": [], "calls": 1, "model": ("db_instance", "deleting")},
    "aurora_cluster": {"deps": ["aurora_instances@requested"], "calls": 1, "model": ("db_cluster", "deleting")},
    # DeleteCacheSubnetGroup / DeleteDBSubnetGroup: refused while a group / cluster uses them.
    "cache_subnet_group": {"deps": ["replication_group"], "calls": 1, "model": None},
    "db_subnet_group": {"deps": ["aurora_cluster", "aurora_instances"], "calls": 1, "model": None},
    "access_point": {"deps": [], "calls": 1, "model": None},
    "mount_targets": {"deps": [], "calls": 1, "model": ("mount_target", "deleting")},
    # DeleteFileSystem: FileSystemInUse while it has mount targets.
    "file_system": {"deps": ["mount_targets", "access_point"], "calls": 1, "model": None},
    "nat_gateway": {"deps": [], "calls": 1, "model": ("nat_gateway", "deleting")},
    "secrets": {"deps": [], "calls": 1, "model": None},
    # A security group or subnet cannot go while a network interface (ALB, task, cache node, DB instance, mount
    # target, NAT gateway) still uses it (DependencyViolation).
    "security_groups": {"deps": ["ecs_service", "load_balancer", "replication_group", "aurora_instances",
                                 "mount_targets"], "calls": 1, "model": None},
    "subnets": {"deps": ["security_groups", "nat_gateway", "cache_subnet_group", "db_subnet_group"], "calls": 1,
                "model": None},
    # DetachInternetGateway: refused while public addresses (the NAT gateways' EIPs, the ALB) are mapped.
    "internet_gateway": {"deps": ["nat_gateway", "load_balancer"], "calls": 2, "model": None},
    "vpc": {"deps": ["subnets", "internet_gateway", "security_groups"], "calls": 1, "model": None},
    "kms_key": {"deps": ["secrets", "replication_group", "aurora_cluster", "file_system"], "calls": 1, "model": None},
}


def measure_rtt(endpoint: str) -> float:
    """The median round trip of one cheap API call to this localaws (the cost of each non-modelled call)."""
    client = boto3.client("ec2", region_name=REGION, endpoint_url=endpoint, aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    client.describe_vpcs()  # connection and client set-up, not a round trip
    samples = []
    for _ in range(RTT_SAMPLES):
        started = time.perf_counter()
        client.describe_vpcs()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def run_playbook(endpoint: str, playbook: str, suffix: str) -> dict:
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0")
    command = [str(REPO / ".venv" / "bin" / "ansible-playbook"), "-i", "inventories/local", f"playbooks/{playbook}",
               "-e", f"streamflix_env_suffix={suffix}"]
    started = time.time()
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    ended = time.time()
    recaps = RECAP.findall(result.stdout)
    if result.returncode != 0 or not recaps:
        raise SystemExit(f"{playbook} failed (rc {result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}")
    return {"started": started, "ended": ended, "changed": sum(int(recap[1]) for recap in recaps)}


def durations(graph: dict, entries: list[dict]) -> dict[str, float]:
    """Each node's modelled duration: the longest the model gave a member of its family in this run."""
    out = {}
    for name, node in graph.items():
        if node["model"] is None:
            out[name] = 0.0
            continue
        kind, state = node["model"]
        spans = [e["ready_at"] - e["requested_at"] for e in entries if e["type"] == kind and e["state"] == state]
        out[name] = max(spans, default=0.0)
    return out


def critical_path(graph: dict, duration: dict[str, float], rtt: float) -> dict:
    """Earliest request and ready time of every node (relative to the run's start), and the longest chain."""
    request, ready, via = {}, {}, {}

    def visit(name: str) -> float:
        if name in ready:
            return ready[name]
        start, because = 0.0, None
        for dep in graph[name]["deps"]:
            dep_name, _, when = dep.partition("@")
            visit(dep_name)
            at = request[dep_name] if when == "requested" else ready[dep_name]
            if at > start:
                start, because = at, dep_name
        request[name] = start + graph[name]["calls"] * rtt
        ready[name] = request[name] + duration[name]
        via[name] = because
        return ready[name]

    for name in graph:
        visit(name)
    last = max(ready, key=ready.get)
    chain, node = [], last
    while node is not None:
        chain.append(node)
        node = via[node]
    return {"seconds": ready[last], "chain": list(reversed(chain)),
            "earliest": {n: {"request": round(request[n], 3), "ready": round(ready[n], 3)} for n in graph}}


def slow_resources(entries: list[dict], started: float, ended: float) -> list[dict]:
    """Every modelled state a resource entered during the step, with its start and end relative to the step's start."""
    rows = []
    for e in entries:
        if started <= e["requested_at"] <= ended:
            rows.append({"type": e["type"], "id": e["id"], "state": e["state"],
                         "start_s": round(e["requested_at"] - started, 2), "ready_s": round(e["ready_at"] - started, 2)})
    return sorted(rows, key=lambda r: (r["start_s"], r["type"]))


def measure_step(graph: dict, endpoint: str, playbook: str, suffix: str,
                 rtt: float) -> dict:
    run = run_playbook(endpoint, playbook, suffix)
    entries = timeline_of(endpoint)
    mine = [e for e in entries if run["started"] <= e["requested_at"] <= run["ended"]]
    duration = durations(graph, mine)
    path = critical_path(graph, duration, rtt)
    wall = run["ended"] - run["started"]
    return {
        "wall_s": round(wall, 2),
        "critical_path_s": round(path["seconds"], 2),
        "ratio": round(wall / path["seconds"], 3),
        "critical_chain": path["chain"],
        "changed": run["changed"],
        "slow_resources": slow_resources(mine, run["started"], run["ended"]),
        "earliest_possible": path["earliest"],
        # Slow on AWS, but localaws's model has no timeline for them in this run: they count as instant.
        "not_modelled": sorted(n for n, node in graph.items() if node["model"] and duration[n] == 0),
    }


def gantt_svg(title: str, step: dict) -> str:
    """The slow resources' lifetimes (requested to ready), with the earliest AWS allows and the critical path."""
    rows = step["slow_resources"]
    families = {}
    for name, node in (DEPLOY if "deploy" in title else TEARDOWN).items():
        if node["model"]:
            families[node["model"]] = name
    wall, cp = step["wall_s"], step["critical_path_s"]
    # Room for the labels: "replication_group creating <id>" on the left, "<start>–<ready>s" on the right.
    left, right, top, row_h = 380, 110, 60, 22
    width = 1200
    height = top + row_h * (len(rows) + 1) + 50
    span = max(wall, cp) or 1.0
    scale = (width - left - right) / span

    def x(seconds: float) -> float:
        return left + seconds * scale

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="10" y="20" font-size="15" font-weight="bold">{escape(title)}</text>',
           f'<text x="10" y="40">wall {wall:.1f} s, critical path {cp:.1f} s (ratio {step["ratio"]:.2f}); '
           'dark: requested to ready in this run; pale: the earliest AWS allows</text>']
    ticks = 10
    for i in range(ticks + 1):
        t = span * i / ticks
        out.append(f'<line x1="{x(t):.1f}" y1="{top - 5}" x2="{x(t):.1f}" y2="{height - 40}" stroke="#ddd"/>')
        out.append(f'<text x="{x(t):.1f}" y="{height - 25}" text-anchor="middle">{t:.0f}s</text>')
    for i, row in enumerate(rows):
        y = top + i * row_h
        family = families.get((row["type"], row["state"]))
        earliest = step["earliest_possible"].get(family) if family else None
        if earliest:
            out.append(f'<rect x="{x(earliest["request"] - 0):.1f}" y="{y + 2}" '
                       f'width="{max(1.0, (row["ready_s"] - row["start_s"]) * scale):.1f}" height="{row_h - 4}" fill="#cfe0f5"/>')
        out.append(f'<rect x="{x(row["start_s"]):.1f}" y="{y + 6}" width="{max(1.0, (row["ready_s"] - row["start_s"]) * scale):.1f}" '
                   f'height="{row_h - 12}" fill="#1f5fa8"/>')
        label = f'{row["type"]} {row["state"]} {row["id"][-24:]}'
        out.append(f'<text x="{left - 6}" y="{y + row_h - 7}" text-anchor="end">{escape(label)}</text>')
        out.append(f'<text x="{x(row["ready_s"]) + 4:.1f}" y="{y + row_h - 7}" fill="#555">'
                   f'{row["start_s"]:.1f}–{row["ready_s"]:.1f}s</text>')
    y = top + len(rows) * row_h
    out.append(f'<rect x="{x(0):.1f}" y="{y + 6}" width="{wall * scale:.1f}" height="{row_h - 12}" fill="#999"/>')
    out.append(f'<text x="{left - 6}" y="{y + row_h - 7}" text-anchor="end">playbook (wall)</text>')
    out.append(f'<line x1="{x(cp):.1f}" y1="{top - 5}" x2="{x(cp):.1f}" y2="{height - 40}" stroke="#c00" stroke-dasharray="4 3"/>')
    out.append(f'<text x="{x(cp) + 3:.1f}" y="{top - 8}" fill="#c00">critical path</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_report(out: Path, time_scale: float, rtt: float, runs: list[dict]) -> dict:
    """The JSON (medians over the runs so far, then every run) and the Gantt charts of the median run."""
    report: dict = {"time_scale": time_scale, "api_round_trip_s": round(rtt, 4), "runs_count": len(runs)}
    for step in ("deploy", "teardown"):
        for key in ("wall_s", "critical_path_s", "ratio"):
            report[f"{step}_{key}"] = round(statistics.median(r[step][key] for r in runs), 3)
    report["runs"] = runs
    out.write_text(json.dumps(report, indent=2) + "\n")
    median_run = sorted(runs, key=lambda r: r["deploy"]["wall_s"])[len(runs) // 2]
    for step in ("deploy", "teardown"):
        title = f"{step} at time scale {time_scale} ({median_run['suffix']})"
        out.with_name(f"{out.stem}-{step}.svg").write_text(gantt_svg(title, median_run[step]))
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-scale", type=float, required=True, help="the model's time scale (AWS seconds x S)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--json", required=True, help="write the results here (the SVGs go next to it)")
    args = parser.parse_args()
    if args.time_scale <= 0:
        parser.error("--time-scale must be > 0 (the model is off at 0)")
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    runs: list[dict] = []
    report: dict = {}
    with running_localaws(latency_model="aws", time_scale=args.time_scale) as endpoint:
        rtt = measure_rtt(endpoint)
        for _ in range(args.runs):
            suffix = "cp" + uuid.uuid4().hex[:6]
            deploy = measure_step(DEPLOY, endpoint, "site.yml", suffix, rtt)
            teardown = measure_step(TEARDOWN, endpoint, "teardown.yml", suffix, rtt)
            runs.append({"suffix": suffix, "deploy": deploy, "teardown": teardown})
            print(f"{suffix}: deploy {deploy['wall_s']} s / {deploy['critical_path_s']} s = {deploy['ratio']}, "
                  f"teardown {teardown['wall_s']} s / {teardown['critical_path_s']} s = {teardown['ratio']}", flush=True)
            report = write_report(out, args.time_scale, rtt, runs)  # after each run: an interrupted series keeps its runs
    print(json.dumps({k: v for k, v in report.items() if k != "runs"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
