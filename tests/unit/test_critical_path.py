"""bench/critical_path.py: the critical path from the model's durations and AWS's dependencies, not our task order."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "critical_path.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("critical_path", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def entry(kind, state, seconds, at=100.0):
    return {"type": kind, "id": kind + "-1", "state": state, "requested_at": at, "ready_at": at + seconds}


def test_every_dependency_names_a_node(bench):
    for graph in (bench.DEPLOY, bench.TEARDOWN):
        for node in graph.values():
            for dep in node["deps"]:
                assert dep.partition("@")[0] in graph


def test_deploy_rides_the_replication_group_and_a_listener_needs_only_the_requested_balancer(bench):
    entries = [entry("replication_group", "creating", 12.0), entry("db_instance", "creating", 10.8),
               entry("nat_gateway", "pending", 5.0), entry("load_balancer", "provisioning", 3.0),
               entry("mount_target", "creating", 1.8), entry("db_cluster", "modifying", 1.2)]
    duration = bench.durations(bench.DEPLOY, entries)
    assert duration["replication_group"] == 12.0 and duration["aurora_instances"] == pytest.approx(10.8)
    path = bench.critical_path(bench.DEPLOY, duration, rtt=0.01)
    assert path["chain"] == ["vpc", "subnets", "cache_subnet_group", "replication_group", "outputs"]
    # vpc, subnets, cache subnet group, replication group: one call each, then 12 s, then the outputs' call.
    assert path["seconds"] == pytest.approx(4 * 0.01 + 12.0 + 0.01)
    earliest = path["earliest"]
    assert earliest["listener"]["request"] < earliest["load_balancer"]["ready"]
    assert earliest["ecs_service"]["request"] >= earliest["private_routes"]["ready"] >= earliest["nat_gateway"]["ready"]


def test_teardown_waits_for_the_group_before_its_subnet_group_the_security_groups_and_the_vpc(bench):
    entries = [entry("replication_group", "deleting", 6.0), entry("nat_gateway", "deleting", 1.2),
               entry("mount_target", "deleting", 1.2)]
    duration = bench.durations(bench.TEARDOWN, entries)
    assert duration["aurora_instances"] == 0.0  # not in the timeline: instant
    path = bench.critical_path(bench.TEARDOWN, duration, rtt=0.01)
    assert path["chain"] == ["replication_group", "security_groups", "subnets", "vpc"]
    assert path["seconds"] == pytest.approx(6.0 + 4 * 0.01)


def test_gantt_names_each_slow_resource_with_its_times(bench):
    step = {"wall_s": 20.0, "critical_path_s": 12.5, "ratio": 1.6,
            "slow_resources": [{"type": "replication_group", "id": "streamflix-redis-x", "state": "creating",
                                "start_s": 4.0, "ready_s": 16.0}],
            "earliest_possible": {"replication_group": {"request": 0.5, "ready": 12.5}}}
    svg = bench.gantt_svg("deploy at time scale 0.02", step)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "replication_group creating streamflix-redis-x" in svg and "4.0–16.0s" in svg
