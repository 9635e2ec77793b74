"""A first deploy against a localaws that behaves like AWS in time (`--latency-model aws`), and a re-run while
the replication group is snapshotting.

This module's localaws runs AWS's durations at a scale of 0.01 (a 10-minute Redis creation lasts 6 s) and keeps a
new NAT gateway unknown by id for 20 s (EC2's eventual consistency; AWS states no bound). Two first-deploy
failures show here and nowhere else:
- the private routes were created moments after the NAT gateways: CreateRoute answered
  InvalidNatGatewayID.NotFound;
- the replication group's tags were read right after CreateReplicationGroup: ListTagsForResource answered
  InvalidReplicationGroupState while the group was still creating (and again while snapshotting).
Everything is asserted through boto3 against the module's own localaws; it dies with the module, so no teardown.
"""

from __future__ import annotations

import pytest

from integration_support import assert_succeeded, make_client, run_playbook, tag_dict, unique_suffix
from localaws.testing import latency_model_of, running_localaws

TIME_SCALE = 0.01
CONSISTENCY_SECONDS = 20


@pytest.fixture(scope="module")
def modelled(tmp_path_factory):
    suffix = unique_suffix("itlat")
    outputs_dir = str(tmp_path_factory.mktemp("latency-outputs"))
    extra = ["--consistency-seconds", str(CONSISTENCY_SECONDS)]
    with running_localaws(extra, latency_model="aws", time_scale=TIME_SCALE) as endpoint:
        yield {
            "suffix": suffix,
            "endpoint": endpoint,
            "outputs_dir": outputs_dir,
            "aws": lambda service: make_client(endpoint, service),
            "deploy": run_playbook(endpoint, "site", suffix, outputs_dir=outputs_dir),
        }


def the_vpc(ec2, suffix):
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Environment", "Values": [suffix]}])["Vpcs"]
    assert len(vpcs) == 1, vpcs
    return vpcs[0]["VpcId"]


def the_replication_group(elasticache, suffix):
    groups = [g for g in elasticache.describe_replication_groups()["ReplicationGroups"] if g["ReplicationGroupId"].endswith(suffix)]
    assert len(groups) == 1, groups
    return groups[0]


def test_the_model_is_on(modelled):
    assert latency_model_of(modelled["endpoint"])["model"] == "aws"


def test_first_deploy_succeeds(modelled):
    assert_succeeded(modelled["deploy"])


def test_private_routes_lead_to_available_nat_gateways(modelled):
    assert_succeeded(modelled["deploy"])
    ec2 = modelled["aws"]("ec2")
    vpc_id = the_vpc(ec2, modelled["suffix"])
    gateways = {
        g["NatGatewayId"]: g["State"]
        for g in ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NatGateways"]
    }
    private_subnets = {
        s["SubnetId"]
        for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
        if tag_dict(s.get("Tags")).get("Tier") == "private"
    }
    routed = {}
    for table in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]:
        default = [r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
        for association in table.get("Associations", []):
            if association.get("SubnetId") in private_subnets:
                routed[association["SubnetId"]] = default[0].get("NatGatewayId") if default else None
    assert set(routed) == private_subnets and len(private_subnets) >= 2
    assert all(gateways.get(nat_id) == "available" for nat_id in routed.values()), (routed, gateways)


def test_replication_group_has_its_tags(modelled):
    assert_succeeded(modelled["deploy"])
    elasticache = modelled["aws"]("elasticache")
    group = the_replication_group(elasticache, modelled["suffix"])
    tags = tag_dict(elasticache.list_tags_for_resource(ResourceName=group["ARN"])["TagList"])
    assert tags.get("Environment") == modelled["suffix"] and tags.get("ManagedBy") == "ansible", tags


def test_rerun_while_the_group_is_snapshotting_converges(modelled):
    assert_succeeded(modelled["deploy"])
    elasticache = modelled["aws"]("elasticache")
    group = the_replication_group(elasticache, modelled["suffix"])
    assert group["Status"] == "available"  # readiness waited for it
    elasticache.create_snapshot(ReplicationGroupId=group["ReplicationGroupId"], SnapshotName="itlat-" + modelled["suffix"])
    assert the_replication_group(elasticache, modelled["suffix"])["Status"] == "snapshotting"
    rerun = run_playbook(modelled["endpoint"], "site", modelled["suffix"], ["--tags", "cache"], outputs_dir=modelled["outputs_dir"])
    assert_succeeded(rerun)
    assert rerun.changed == 0, rerun.describe()
    assert the_replication_group(elasticache, modelled["suffix"])["Status"] in ("snapshotting", "available")
