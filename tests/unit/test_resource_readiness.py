"""resource_readiness against in-process moto with the localaws EC2 fill and its latency model: a NAT gateway EC2
does not know by id yet (eventual consistency, NatGatewayNotFound) is waited for, not a failure."""

from __future__ import annotations

import datetime

import boto3
import pytest

from ansible_collections.streamflix.media_platform.plugins.modules import resource_readiness as module
from module_harness import REGION, aws_env, fail_module, moto, run_module  # noqa: F401


@pytest.fixture
def fresh_nat(moto):
    """fresh_nat(seconds) -> the id of a NAT gateway EC2 will not know by id for that long."""
    from localaws.fills import ec2 as ec2_fill
    from localaws.model import MODEL

    ec2_fill.apply()
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc_id = ec2.create_vpc(CidrBlock="10.80.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.80.1.0/24")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]

    def make(seconds):
        MODEL.configure("aws", 0.001, consistency_seconds=seconds)
        return ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation)["NatGateway"]["NatGatewayId"]

    yield make
    MODEL.configure("off", 0.0)


def test_waits_for_a_nat_gateway_ec2_does_not_know_yet(fresh_nat):
    nat_id = fresh_nat(3.0)
    result = run_module(module, {"nat_gateway_ids": [nat_id], "poll_interval": 1, "wait_timeout": 60})
    assert result["changed"] is False
    assert result["states"] == {"nat_gateway/" + nat_id: "available"}


def test_a_nat_gateway_still_unknown_at_the_deadline_is_named(fresh_nat):
    nat_id = fresh_nat(120.0)
    result = fail_module(module, {"nat_gateway_ids": [nat_id], "poll_interval": 1, "wait_timeout": 0})
    assert nat_id in result["msg"] and "not-found-yet" in result["msg"]


def test_records_each_resources_creation_and_when_it_was_seen_ready(fresh_nat):
    nat_id = fresh_nat(2.0)
    result = run_module(module, {"nat_gateway_ids": [nat_id], "poll_interval": 1, "wait_timeout": 60})
    gateway = boto3.client("ec2", region_name=REGION).describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]
    assert result["created_at"] == {"nat_gateway/" + nat_id: module.iso(gateway["CreateTime"])}
    created = module.iso(gateway["CreateTime"])
    assert created.endswith("Z") and result["ready_at"]["nat_gateway/" + nat_id] >= created


@pytest.mark.parametrize("moment, expected", [
    (None, None),
    (datetime.datetime(2026, 1, 5, 10, 0, 1, 500), "2026-01-05T10:00:01Z"),
    (datetime.datetime(2026, 1, 5, 12, 0, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=2))), "2026-01-05T10:00:01Z"),
])
def test_iso(moment, expected):
    assert module.iso(moment) == expected


def test_deletion_wait_counts_what_aws_no_longer_knows_as_gone(moto):
    from localaws.fills import ec2 as ec2_fill

    ec2_fill.apply()
    args = {"wait_for": "deleted", "nat_gateway_ids": ["nat-0123456789abcdef0"], "db_cluster_ids": ["streamflix-aurora-x"],
            "replication_group_ids": ["streamflix-redis-x"], "efs_file_system_ids": ["fs-0123456789abcdef0"],
            "poll_interval": 1, "wait_timeout": 5}
    result = run_module(module, args)
    assert result["ready"] is True and result["pending"] == {}
    assert result["states"] == {
        "nat_gateway/nat-0123456789abcdef0": "deleted", "db_cluster/streamflix-aurora-x": "deleted",
        "replication_group/streamflix-redis-x": "deleted", "mount_targets/fs-0123456789abcdef0": "deleted",
    }


def test_deletion_wait_waits_for_a_deleting_nat_gateway_and_names_one_still_there(moto):
    from localaws.fills import ec2 as ec2_fill
    from localaws.model import MODEL

    ec2_fill.apply()
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc_id = ec2.create_vpc(CidrBlock="10.81.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.81.1.0/24")["Subnet"]["SubnetId"]
    kept = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=ec2.allocate_address(Domain="vpc")["AllocationId"])["NatGateway"]["NatGatewayId"]
    MODEL.configure("aws", 0.05, consistency_seconds=0)  # deletion: 60 s x 0.05 = 3 s
    try:
        doomed = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=ec2.allocate_address(Domain="vpc")["AllocationId"])["NatGateway"]["NatGatewayId"]
        MODEL.configure("aws", 0.05, consistency_seconds=0)  # the new gateway available at once
        ec2.delete_nat_gateway(NatGatewayId=doomed)
        result = run_module(module, {"wait_for": "deleted", "nat_gateway_ids": [doomed], "poll_interval": 1, "wait_timeout": 30})
        assert result["states"] == {"nat_gateway/" + doomed: "deleted"} and result["waited_seconds"] >= 1
        failure = fail_module(module, {"wait_for": "deleted", "nat_gateway_ids": [kept], "poll_interval": 1, "wait_timeout": 0})
        assert "Still not deleted" in failure["msg"] and kept in failure["msg"]
    finally:
        MODEL.configure("off", 0.0)


def test_keeps_the_ready_time_an_earlier_wait_saw_and_drops_what_it_does_not_wait_for(fresh_nat):
    nat_id = fresh_nat(0.0)
    earlier = {"nat_gateway/" + nat_id: "2026-01-05T10:00:09Z", "db_cluster/gone": "2026-01-05T10:00:01Z"}
    result = run_module(module, {"nat_gateway_ids": [nat_id], "poll_interval": 1, "wait_timeout": 60, "seen_ready_at": earlier})
    assert result["ready"] is True
    assert result["ready_at"] == {"nat_gateway/" + nat_id: "2026-01-05T10:00:09Z"}
