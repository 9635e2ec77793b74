"""/_localaws/timeline: what the latency model made each slow resource go through, and when (for bench/critical_path.py)."""

from __future__ import annotations

import time

from conftest import make_client

from localaws.model import AWS_SECONDS, LatencyModel, timed_attribute
from localaws.testing import running_localaws, timeline_of

SCALE = 0.01


class Gateway:
    def __init__(self):
        self.id = "nat-0123"
        self.state = "available"


def test_the_log_names_the_resource_its_state_and_when_it_is_ready():
    model = LatencyModel()
    model.configure("aws", SCALE, consistency_seconds=0)
    timed_attribute(Gateway, "state")
    before = time.time()
    model.start(Gateway(), "state", [("pending", "nat_gateway.pending")], final="available")
    (entry,) = model.timeline()
    assert (entry["type"], entry["id"], entry["state"], entry["final"]) == ("nat_gateway", "nat-0123", "pending", "available")
    assert before <= entry["requested_at"] <= time.time()
    assert abs(entry["ready_at"] - entry["requested_at"] - AWS_SECONDS["nat_gateway.pending"] * SCALE) < 1e-6
    model.configure("aws", SCALE)
    assert model.timeline() == []  # a new configuration starts a new log


def test_model_off_logs_nothing():
    model = LatencyModel()
    timed_attribute(Gateway, "state")
    model.start(Gateway(), "state", [("deleting", "nat_gateway.deleting")], final="deleted")
    assert model.timeline() == []


def test_the_server_serves_the_log_of_a_mount_target_created_and_deleted():
    with running_localaws(latency_model="aws", time_scale=SCALE) as endpoint:
        ec2, efs = make_client(endpoint, "ec2"), make_client(endpoint, "efs")
        vpc_id = ec2.create_vpc(CidrBlock="10.61.0.0/16")["Vpc"]["VpcId"]
        subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.61.1.0/24")["Subnet"]["SubnetId"]
        fs_id = efs.create_file_system(CreationToken="timeline-efs")["FileSystemId"]
        target_id = efs.create_mount_target(FileSystemId=fs_id, SubnetId=subnet_id)["MountTargetId"]
        efs.delete_mount_target(MountTargetId=target_id)
        log = timeline_of(endpoint)
    assert [(e["type"], e["id"], e["state"]) for e in log] == [
        ("mount_target", target_id, "creating"),
        ("mount_target", target_id, "deleting"),
    ]
    created, deleted = log
    assert created["requested_at"] <= deleted["requested_at"]
    assert abs(deleted["ready_at"] - deleted["requested_at"] - AWS_SECONDS["mount_target.deleting"] * SCALE) < 1e-6
