"""--latency-model aws: slow resources pass through AWS's states, and localaws refuses in each what AWS refuses.

The server of this module runs at a time scale of 0.01 (a 10-minute AWS creation lasts 6 s) with a NAT gateway
consistency window of 1.5 s; the session's default server (conftest) has the model off.
"""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError
from conftest import REGION, make_client

from localaws.model import AWS_SECONDS, LatencyModel, timed_attribute
from localaws.testing import latency_model_of, running_localaws

SCALE = 0.01
CONSISTENCY = 1.5
DEADLINE = 30.0


@pytest.fixture(scope="module")
def modelled():
    with running_localaws(["--consistency-seconds", str(CONSISTENCY)], latency_model="aws", time_scale=SCALE) as url:
        yield url


@pytest.fixture(scope="module")
def mclient(modelled):
    cache: dict[str, object] = {}

    def get(service: str):
        if service not in cache:
            cache[service] = make_client(modelled, service)
        return cache[service]

    return get


def error_code(call, **kwargs) -> str:
    with pytest.raises(ClientError) as excinfo:
        call(**kwargs)
    return excinfo.value.response["Error"]["Code"]


def poll(read, wanted, deadline=DEADLINE):
    """Read until ``read()`` returns ``wanted`` (the model's clock runs in the server); returns what was seen."""
    seen = []
    end = time.monotonic() + deadline
    while True:
        value = read()
        if not seen or seen[-1] != value:
            seen.append(value)
        if value == wanted:
            return seen
        assert time.monotonic() < end, f"still {value!r}, wanted {wanted!r}; seen {seen}"
        time.sleep(0.05)  # polling the server's clock, not a fixed wait


# --------------------------------------------------------------------------- the mechanism


class Thing:
    def __init__(self):
        self.status = "available"


def test_model_off_applies_the_final_state_and_completion_at_once():
    model = LatencyModel()
    timed_attribute(Thing, "status")
    thing, done = Thing(), []
    model.start(thing, "status", [("deleting", "nat_gateway.deleting")], final="deleted", on_done=lambda: done.append(1))
    assert thing.status == "deleted" and done == [1]


def test_timeline_phases_then_final_state_then_completion():
    import localaws.model as model_module

    model = model_module.MODEL
    saved = (model.name, model.scale, model.consistency_seconds)
    model.configure("aws", 0.001, consistency_seconds=0)
    try:
        timed_attribute(Thing, "status")
        thing, done = Thing(), []
        model.start(thing, "status", [("creating", "replication_group.creating")], final="available", on_done=lambda: done.append(1))
        assert thing.status == "creating" and model.busy(thing, "status") == "creating"
        model.settle()
        assert done == []  # 0.6 s have not passed
        time.sleep(AWS_SECONDS["replication_group.creating"] * 0.001 + 0.05)
        assert thing.status == "available" and model.busy(thing, "status") is None
        model.settle()
        assert done == [1]
    finally:
        model.configure(*saved)


def test_bad_model_or_scale_is_refused():
    with pytest.raises(ValueError):
        LatencyModel().configure("gcp", 1.0)
    with pytest.raises(ValueError):
        LatencyModel().configure("aws", -1.0)


def test_cli_takes_the_model_from_the_environment(monkeypatch):
    from localaws.cli import build_parser
    from localaws.testing import latency_args

    monkeypatch.setenv("LOCALAWS_LATENCY_MODEL", "aws")
    monkeypatch.setenv("LOCALAWS_TIME_SCALE", "0.05")
    args = build_parser().parse_args([])
    assert (args.latency_model, args.time_scale, args.consistency_seconds) == ("aws", 0.05, None)
    assert build_parser().parse_args(["--time-scale", "0"]).time_scale == 0
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--latency-model", "gcp"])
    monkeypatch.delenv("LOCALAWS_LATENCY_MODEL")
    monkeypatch.delenv("LOCALAWS_TIME_SCALE")
    assert build_parser().parse_args([]).latency_model == "off"
    assert latency_args("aws", 0.01) == ["--latency-model", "aws", "--time-scale", "0.01"] and latency_args(None, None) == []


def test_health_reports_the_model(modelled, endpoint):
    assert latency_model_of(modelled) == {"model": "aws", "time_scale": SCALE, "consistency_seconds": CONSISTENCY}
    assert latency_model_of(endpoint)["model"] == "off"


# --------------------------------------------------------------------------- ElastiCache


@pytest.fixture(scope="module")
def cache_subnet_group(mclient):
    ec2 = mclient("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.30.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
        for i, az in ((1, "a"), (2, "b"))
    ]
    mclient("elasticache").create_cache_subnet_group(
        CacheSubnetGroupName="latency-cache", CacheSubnetGroupDescription="latency model", SubnetIds=subnets
    )
    return {"name": "latency-cache", "vpc_id": vpc_id, "subnets": subnets}


def group_status(elasticache, group_id):
    try:
        return elasticache.describe_replication_groups(ReplicationGroupId=group_id)["ReplicationGroups"][0]["Status"]
    except ClientError as e:
        assert e.response["Error"]["Code"] == "ReplicationGroupNotFoundFault"
        return "gone"


def test_replication_group_lifecycle_and_refusals(mclient, cache_subnet_group, name):
    elasticache = mclient("elasticache")
    created = elasticache.create_replication_group(
        ReplicationGroupId=name, ReplicationGroupDescription="t", Engine="redis", CacheNodeType="cache.t4g.micro",
        NumCacheClusters=2, CacheSubnetGroupName=cache_subnet_group["name"], Tags=[{"Key": "Project", "Value": "x"}],
    )["ReplicationGroup"]
    arn = created["ARN"]
    assert created["Status"] == "creating"
    assert group_status(elasticache, name) == "creating"
    # ListTagsForResource: "If the cluster is not in the available state, ListTagsForResource returns an error."
    assert error_code(elasticache.list_tags_for_resource, ResourceName=arn) == "InvalidReplicationGroupState"
    assert error_code(elasticache.add_tags_to_resource, ResourceName=arn, Tags=[{"Key": "a", "Value": "b"}]) == "InvalidReplicationGroupState"
    assert error_code(elasticache.remove_tags_from_resource, ResourceName=arn, TagKeys=["Project"]) == "InvalidReplicationGroupState"
    assert error_code(elasticache.modify_replication_group, ReplicationGroupId=name, SnapshotWindow="01:00-02:00", ApplyImmediately=True) == "InvalidReplicationGroupState"
    assert error_code(elasticache.delete_replication_group, ReplicationGroupId=name) == "InvalidReplicationGroupState"
    assert error_code(elasticache.increase_replica_count, ReplicationGroupId=name, NewReplicaCount=2, ApplyImmediately=True) == "InvalidReplicationGroupState"
    # The subnet group of a group being created is in use.
    assert error_code(elasticache.delete_cache_subnet_group, CacheSubnetGroupName=cache_subnet_group["name"]) == "CacheSubnetGroupInUse"

    assert poll(lambda: group_status(elasticache, name), "available") == ["creating", "available"]
    assert elasticache.list_tags_for_resource(ResourceName=arn)["TagList"] == [{"Key": "Project", "Value": "x"}]

    modified = elasticache.modify_replication_group(ReplicationGroupId=name, SnapshotWindow="01:00-02:00", ApplyImmediately=True)
    assert modified["ReplicationGroup"]["Status"] == "modifying"
    assert error_code(elasticache.modify_replication_group, ReplicationGroupId=name, SnapshotWindow="02:00-03:00", ApplyImmediately=True) == "InvalidReplicationGroupState"
    assert error_code(elasticache.list_tags_for_resource, ResourceName=arn) == "InvalidReplicationGroupState"
    poll(lambda: group_status(elasticache, name), "available")

    snapshot = elasticache.create_snapshot(ReplicationGroupId=name, SnapshotName=name + "-snap")["Snapshot"]
    assert snapshot["SnapshotStatus"] == "creating"
    assert group_status(elasticache, name) == "snapshotting"
    assert error_code(elasticache.add_tags_to_resource, ResourceName=arn, Tags=[{"Key": "a", "Value": "b"}]) == "InvalidReplicationGroupState"
    assert error_code(elasticache.create_snapshot, ReplicationGroupId=name, SnapshotName=name + "-snap2") == "InvalidReplicationGroupState"
    poll(lambda: group_status(elasticache, name), "available")
    assert elasticache.describe_snapshots(SnapshotName=name + "-snap")["Snapshots"][0]["SnapshotStatus"] == "available"

    assert elasticache.delete_replication_group(ReplicationGroupId=name)["ReplicationGroup"]["Status"] == "deleting"
    assert group_status(elasticache, name) == "deleting"
    assert error_code(elasticache.delete_cache_subnet_group, CacheSubnetGroupName=cache_subnet_group["name"]) == "CacheSubnetGroupInUse"
    assert poll(lambda: group_status(elasticache, name), "gone") == ["deleting", "gone"]
    elasticache.delete_cache_subnet_group(CacheSubnetGroupName=cache_subnet_group["name"])


def test_model_off_groups_are_available_at_once(client, vpc, name):
    elasticache = client("elasticache")
    elasticache.create_cache_subnet_group(CacheSubnetGroupName=name, CacheSubnetGroupDescription="d", SubnetIds=vpc["subnets"])
    created = elasticache.create_replication_group(
        ReplicationGroupId=name, ReplicationGroupDescription="t", CacheNodeType="cache.t4g.micro", NumCacheClusters=1,
        CacheSubnetGroupName=name,
    )["ReplicationGroup"]
    assert created["Status"] == "available"
    assert elasticache.list_tags_for_resource(ResourceName=created["ARN"])["TagList"] == []
    elasticache.delete_replication_group(ReplicationGroupId=name)
    assert group_status(elasticache, name) == "gone"
    elasticache.delete_cache_subnet_group(CacheSubnetGroupName=name)


# --------------------------------------------------------------------------- NAT gateways


@pytest.fixture
def public_subnet(mclient):
    ec2 = mclient("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.40.1.0/24")["Subnet"]["SubnetId"]
    return vpc_id, subnet_id


def nat_state(ec2, nat_id):
    try:
        return ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["State"]
    except ClientError as e:
        return e.response["Error"]["Code"]


def test_nat_gateway_unknown_at_first_then_pending_then_available(mclient, public_subnet):
    ec2 = mclient("ec2")
    vpc_id, subnet_id = public_subnet
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    route_table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    ec2.create_route(RouteTableId=route_table, DestinationCidrBlock="10.99.0.0/16", GatewayId=igw)
    nat_id = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    # Eventual consistency: the id is unknown to lookups and as a route target for the first moments.
    assert nat_state(ec2, nat_id) == "NatGatewayNotFound"
    assert error_code(ec2.create_route, RouteTableId=route_table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id) == "InvalidNatGatewayID.NotFound"
    assert error_code(ec2.replace_route, RouteTableId=route_table, DestinationCidrBlock="10.99.0.0/16", NatGatewayId=nat_id) == "InvalidNatGatewayID.NotFound"
    listed = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NatGateways"]
    assert [(g["NatGatewayId"], g["State"]) for g in listed] == [(nat_id, "pending")]

    seen = poll(lambda: nat_state(ec2, nat_id), "available")
    assert seen[0] == "NatGatewayNotFound" and seen[-1] == "available"
    ec2.create_route(RouteTableId=route_table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)

    ec2.delete_nat_gateway(NatGatewayId=nat_id)
    assert poll(lambda: nat_state(ec2, nat_id), "deleted") == ["deleting", "deleted"]


def test_model_off_nat_gateway_is_available_and_routable_at_once(client, vpc):
    ec2 = client("ec2")
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat_id = ec2.create_nat_gateway(SubnetId=vpc["subnets"][0], AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    assert nat_state(ec2, nat_id) == "available"
    route_table = ec2.create_route_table(VpcId=vpc["id"])["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=route_table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)
    ec2.delete_nat_gateway(NatGatewayId=nat_id)
    assert nat_state(ec2, nat_id) == "deleted"


# --------------------------------------------------------------------------- Aurora, EFS, ALB


def test_aurora_instance_creating_then_available_and_cluster_modifying_refuses_a_second_change(mclient, name):
    ec2, rds = mclient("ec2"), mclient("rds")
    vpc_id = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.50.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
        for i, az in ((1, "a"), (2, "b"))
    ]
    rds.create_db_subnet_group(DBSubnetGroupName=name, DBSubnetGroupDescription="d", SubnetIds=subnets)
    rds.create_db_cluster(
        DBClusterIdentifier=name, Engine="aurora-postgresql", EngineVersion="16.4", MasterUsername="app",
        ManageMasterUserPassword=True, DBSubnetGroupName=name,
        ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 2},
    )
    instance = rds.create_db_instance(
        DBInstanceIdentifier=name + "-1", DBClusterIdentifier=name, Engine="aurora-postgresql", DBInstanceClass="db.serverless"
    )["DBInstance"]
    assert instance["DBInstanceStatus"] == "creating"

    def instance_status():
        return rds.describe_db_instances(DBInstanceIdentifier=name + "-1")["DBInstances"][0]["DBInstanceStatus"]

    assert poll(instance_status, "available") == ["creating", "available"]

    def cluster_status():
        return rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]["Status"]

    poll(cluster_status, "available")
    assert rds.modify_db_cluster(DBClusterIdentifier=name, BackupRetentionPeriod=3, ApplyImmediately=True)["DBCluster"]["Status"] == "modifying"
    assert error_code(rds.modify_db_cluster, DBClusterIdentifier=name, BackupRetentionPeriod=4, ApplyImmediately=True) == "InvalidDBClusterStateFault"
    # DeleteDBSubnetGroup: "The DB subnet group cannot be deleted because it's in use."
    assert error_code(rds.delete_db_subnet_group, DBSubnetGroupName=name) == "InvalidDBSubnetGroupStateFault"
    poll(cluster_status, "available")
    rds.modify_db_cluster(DBClusterIdentifier=name, BackupRetentionPeriod=4, ApplyImmediately=True)


def aurora_cluster_with_instances(ec2, rds, name, cidr, count=2):
    """A cluster with ``count`` available instances (the model's creation time passed), in a subnet group of its own."""
    vpc_id = ec2.create_vpc(CidrBlock=f"10.{cidr}.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.{cidr}.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
        for i, az in ((1, "a"), (2, "b"))
    ]
    rds.create_db_subnet_group(DBSubnetGroupName=name, DBSubnetGroupDescription="d", SubnetIds=subnets)
    rds.create_db_cluster(
        DBClusterIdentifier=name, Engine="aurora-postgresql", EngineVersion="16.4", MasterUsername="app",
        ManageMasterUserPassword=True, DBSubnetGroupName=name,
        ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 2},
    )
    ids = [f"{name}-{i}" for i in range(1, count + 1)]
    for identifier in ids:
        rds.create_db_instance(DBInstanceIdentifier=identifier, DBClusterIdentifier=name, Engine="aurora-postgresql",
                               DBInstanceClass="db.serverless")
    for identifier in ids:
        poll(lambda identifier=identifier: db_instance_status(rds, identifier), "available")
    return ids


def db_instance_status(rds, identifier):
    try:
        return rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]["DBInstanceStatus"]
    except ClientError as e:
        assert e.response["Error"]["Code"] == "DBInstanceNotFound"
        return "gone"


def db_cluster_state(rds, identifier):
    """(status, member ids) of the cluster, or ("gone", [])."""
    try:
        cluster = rds.describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]
    except ClientError as e:
        assert e.response["Error"]["Code"] == "DBClusterNotFoundFault"
        return "gone", []
    return cluster["Status"], sorted(m["DBInstanceIdentifier"] for m in cluster["DBClusterMembers"])


def test_aurora_instance_deleting_then_gone_and_the_cluster_deleted_once_every_instance_is_deleting(mclient, name):
    ec2, rds = mclient("ec2"), mclient("rds")
    writer, reader = aurora_cluster_with_instances(ec2, rds, name, 51)
    assert rds.delete_db_instance(DBInstanceIdentifier=reader)["DBInstance"]["DBInstanceStatus"] == "deleting"
    # Still a member while it is deleting (Aurora user guide: the cluster lists it until it is gone).
    assert db_instance_status(rds, reader) == "deleting"
    assert db_cluster_state(rds, name)[1] == sorted([writer, reader])
    # DeleteDBInstance of an instance being deleted: InvalidDBInstanceStateFault (botocore model).
    assert error_code(rds.delete_db_instance, DBInstanceIdentifier=reader) == "InvalidDBInstanceState"
    # The writer is not deleting: "Cluster cannot be deleted, it still contains DB instances in non-deleting state."
    assert error_code(rds.delete_db_cluster, DBClusterIdentifier=name, SkipFinalSnapshot=True) == "InvalidDBClusterStateFault"
    rds.delete_db_instance(DBInstanceIdentifier=writer)
    # Every instance deleting: the guide deletes the cluster at once, with its final snapshot.
    rds.delete_db_cluster(DBClusterIdentifier=name, FinalDBSnapshotIdentifier=name + "-final")
    assert rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=name + "-final")["DBClusterSnapshots"]
    assert db_cluster_state(rds, name)[0] == "deleting"
    # A second DeleteDBCluster: InvalidDBClusterStateFault ("can't be performed while the cluster is in this state").
    assert error_code(rds.delete_db_cluster, DBClusterIdentifier=name, SkipFinalSnapshot=True) == "InvalidDBClusterStateFault"
    # The subnet group stays in use while the cluster and its instances are being deleted.
    assert error_code(rds.delete_db_subnet_group, DBSubnetGroupName=name) == "InvalidDBSubnetGroupStateFault"
    assert poll(lambda: db_instance_status(rds, writer), "gone") == ["deleting", "gone"]
    poll(lambda: db_cluster_state(rds, name)[0], "gone")
    assert db_instance_status(rds, reader) == "gone"
    rds.delete_db_subnet_group(DBSubnetGroupName=name)


def test_aurora_instance_deletion_lasts_the_modelled_time(mclient, name):
    ec2, rds = mclient("ec2"), mclient("rds")
    (instance,) = aurora_cluster_with_instances(ec2, rds, name, 52, count=1)
    started = time.monotonic()
    rds.delete_db_instance(DBInstanceIdentifier=instance)
    poll(lambda: db_instance_status(rds, instance), "gone")
    elapsed = time.monotonic() - started
    assert AWS_SECONDS["db_instance.deleting"] * SCALE * 0.9 <= elapsed < AWS_SECONDS["db_instance.deleting"] * SCALE + 2
    # The cluster, empty now, is deleted at once (no instance to wait for).
    rds.delete_db_cluster(DBClusterIdentifier=name, SkipFinalSnapshot=True)
    poll(lambda: db_cluster_state(rds, name)[0], "gone", deadline=5)


def test_efs_mount_target_creating_then_available_and_deleting_keeps_the_file_system_in_use(mclient):
    ec2, efs = mclient("ec2"), mclient("efs")
    vpc_id = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.60.1.0/24")["Subnet"]["SubnetId"]
    fs_id = efs.create_file_system(CreationToken="latency-efs")["FileSystemId"]
    target = efs.create_mount_target(FileSystemId=fs_id, SubnetId=subnet_id)
    assert target["LifeCycleState"] == "creating"

    def target_state():
        targets = efs.describe_mount_targets(FileSystemId=fs_id)["MountTargets"]
        return targets[0]["LifeCycleState"] if targets else "gone"

    assert poll(target_state, "available") == ["creating", "available"]
    efs.delete_mount_target(MountTargetId=target["MountTargetId"])
    assert target_state() == "deleting"
    # DeleteFileSystem: "if the file system has any mount targets, you must first delete them".
    assert error_code(efs.delete_file_system, FileSystemId=fs_id) == "FileSystemInUse"
    assert poll(target_state, "gone") == ["deleting", "gone"]
    efs.delete_file_system(FileSystemId=fs_id)


def test_load_balancer_provisioning_then_active(mclient, name):
    ec2, elbv2 = mclient("ec2"), mclient("elbv2")
    vpc_id = ec2.create_vpc(CidrBlock="10.70.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.70.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
        for i, az in ((1, "a"), (2, "b"))
    ]
    arn = elbv2.create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]

    def state():
        return elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]["State"]["Code"]

    assert poll(state, "active") == ["provisioning", "active"]


def test_model_off_mount_targets_and_load_balancers_are_ready_at_once(client, vpc, name):
    efs, elbv2 = client("efs"), client("elbv2")
    fs_id = efs.create_file_system(CreationToken=name)["FileSystemId"]
    target = efs.create_mount_target(FileSystemId=fs_id, SubnetId=vpc["subnets"][0])
    assert target["LifeCycleState"] == "available"
    efs.delete_mount_target(MountTargetId=target["MountTargetId"])
    assert efs.describe_mount_targets(FileSystemId=fs_id)["MountTargets"] == []
    efs.delete_file_system(FileSystemId=fs_id)
    arn = elbv2.create_load_balancer(Name=name, Subnets=vpc["subnets"])["LoadBalancers"][0]["LoadBalancerArn"]
    assert elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]["State"]["Code"] == "active"
