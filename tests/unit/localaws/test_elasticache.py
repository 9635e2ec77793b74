"""ElastiCache fills: subnet group deletion, replication group members, deletion,
modification and replica counts, each against the AWS API reference."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
AUTH_TOKEN = "a-valid-auth-token-0123456789"


def error_of(excinfo) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def ecc(client):
    return client("elasticache")


@pytest.fixture
def subnet_group(ecc, vpc, name):
    ecc.create_cache_subnet_group(
        CacheSubnetGroupName=f"{name}-sg", CacheSubnetGroupDescription="test", SubnetIds=vpc["subnets"]
    )
    return f"{name}-sg"


def create_group(ecc, rg_id, **overrides):
    params = dict(
        ReplicationGroupId=rg_id,
        ReplicationGroupDescription="test",
        Engine="redis",
        CacheNodeType="cache.t4g.micro",
        NumCacheClusters=2,
        AutomaticFailoverEnabled=True,
        MultiAZEnabled=True,
    )
    params.update(overrides)
    params = {k: v for k, v in params.items() if v is not None}
    return ecc.create_replication_group(**params)["ReplicationGroup"]


# ------------------------------------------------------------- DeleteCacheSubnetGroup
def test_delete_cache_subnet_group_removes_it(ecc, subnet_group):
    ecc.delete_cache_subnet_group(CacheSubnetGroupName=subnet_group)
    with pytest.raises(ClientError) as excinfo:
        ecc.describe_cache_subnet_groups(CacheSubnetGroupName=subnet_group)
    assert error_of(excinfo) == ("CacheSubnetGroupNotFoundFault", 400)


def test_delete_missing_cache_subnet_group_is_not_found(ecc, name):
    with pytest.raises(ClientError) as excinfo:
        ecc.delete_cache_subnet_group(CacheSubnetGroupName=f"{name}-missing")
    assert error_of(excinfo) == ("CacheSubnetGroupNotFoundFault", 400)


def test_delete_cache_subnet_group_in_use_is_refused(ecc, subnet_group, name):
    create_group(ecc, name, CacheSubnetGroupName=subnet_group)
    with pytest.raises(ClientError) as excinfo:
        ecc.delete_cache_subnet_group(CacheSubnetGroupName=subnet_group)
    assert error_of(excinfo) == ("CacheSubnetGroupInUse", 400)
    assert ecc.describe_cache_subnet_groups(CacheSubnetGroupName=subnet_group)["CacheSubnetGroups"]

    ecc.delete_replication_group(ReplicationGroupId=name)
    ecc.delete_cache_subnet_group(CacheSubnetGroupName=subnet_group)


# ------------------------------------------------------------- CreateReplicationGroup
def test_num_cache_clusters_creates_every_member(ecc, subnet_group, name):
    group = create_group(
        ecc,
        name,
        CacheSubnetGroupName=subnet_group,
        PreferredCacheClusterAZs=["us-east-1b", "us-east-1a"],
        AtRestEncryptionEnabled=True,
        KmsKeyId=KMS_KEY,
        TransitEncryptionEnabled=True,
        AuthToken=AUTH_TOKEN,
        SnapshotRetentionLimit=3,
    )
    assert group["MemberClusters"] == [f"{name}-001", f"{name}-002"]

    described = ecc.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]
    members = described["NodeGroups"][0]["NodeGroupMembers"]
    assert [(m["CacheClusterId"], m["CurrentRole"], m["PreferredAvailabilityZone"]) for m in members] == [
        (f"{name}-001", "primary", "us-east-1b"),
        (f"{name}-002", "replica", "us-east-1a"),
    ]
    assert described["AutomaticFailover"] == "enabled"
    assert described["MultiAZ"] == "enabled"
    assert described["AtRestEncryptionEnabled"] is True
    assert described["KmsKeyId"] == KMS_KEY
    assert described["TransitEncryptionEnabled"] is True
    assert described["AuthTokenEnabled"] is True
    assert described["SnapshotRetentionLimit"] == 3
    assert described["SnapshottingClusterId"] == f"{name}-002"

    clusters = {
        c["CacheClusterId"]: c
        for c in ecc.describe_cache_clusters()["CacheClusters"]
        if c.get("ReplicationGroupId") == name
    }
    assert sorted(clusters) == [f"{name}-001", f"{name}-002"]
    assert clusters[f"{name}-002"]["PreferredAvailabilityZone"] == "us-east-1a"
    assert clusters[f"{name}-001"]["CacheNodeType"] == "cache.t4g.micro"
    assert clusters[f"{name}-001"]["CacheSubnetGroupName"] == subnet_group
    assert clusters[f"{name}-001"]["AtRestEncryptionEnabled"] is True
    single = ecc.describe_cache_clusters(CacheClusterId=f"{name}-002")["CacheClusters"][0]
    assert single["ReplicationGroupId"] == name


def test_members_spread_over_subnet_group_azs(ecc, subnet_group, name):
    create_group(ecc, name, CacheSubnetGroupName=subnet_group)
    members = ecc.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]["NodeGroups"][0][
        "NodeGroupMembers"
    ]
    assert sorted(m["PreferredAvailabilityZone"] for m in members) == ["us-east-1a", "us-east-1b"]


def test_replicas_per_node_group_counts_replicas(ecc, name):
    group = create_group(ecc, name, NumCacheClusters=None, ReplicasPerNodeGroup=2)
    assert group["MemberClusters"] == [f"{name}-001", f"{name}-002", f"{name}-003"]


@pytest.mark.parametrize(
    "overrides, code",
    [
        # AutomaticFailoverEnabled needs at least two clusters.
        ({"NumCacheClusters": 1}, "InvalidParameterCombination"),
        # MultiAZEnabled needs AutomaticFailoverEnabled.
        ({"AutomaticFailoverEnabled": False}, "InvalidParameterCombination"),
        # AuthToken only with TransitEncryptionEnabled.
        ({"AuthToken": AUTH_TOKEN}, "InvalidParameterValue"),
        # AuthToken is 16..128 characters.
        ({"AuthToken": "short", "TransitEncryptionEnabled": True}, "InvalidParameterValue"),
        # On create only letters, digits and !&#$^<>- are permitted.
        ({"AuthToken": AUTH_TOKEN + "*", "TransitEncryptionEnabled": True}, "InvalidParameterValue"),
        ({"AuthToken": AUTH_TOKEN + "%", "TransitEncryptionEnabled": True}, "InvalidParameterValue"),
        # As many PreferredCacheClusterAZs as NumCacheClusters.
        ({"PreferredCacheClusterAZs": ["us-east-1a"]}, "InvalidParameterValue"),
        # NumCacheClusters is 1..6.
        ({"NumCacheClusters": 7}, "InvalidParameterValue"),
        ({"CacheSubnetGroupName": "no-such-subnet-group"}, "CacheSubnetGroupNotFoundFault"),
    ],
)
def test_invalid_create_is_rejected_and_creates_nothing(ecc, name, overrides, code):
    with pytest.raises(ClientError) as excinfo:
        create_group(ecc, name, **overrides)
    assert error_of(excinfo) == (code, 400)
    with pytest.raises(ClientError) as excinfo:
        ecc.describe_replication_groups(ReplicationGroupId=name)
    assert error_of(excinfo) == ("ReplicationGroupNotFoundFault", 404)


# ------------------------------------------------------------- DeleteReplicationGroup
def test_deleted_replication_group_disappears(ecc, name):
    create_group(ecc, name)
    deleted = ecc.delete_replication_group(ReplicationGroupId=name)["ReplicationGroup"]
    assert deleted["Status"] == "deleting"

    with pytest.raises(ClientError) as excinfo:
        ecc.describe_replication_groups(ReplicationGroupId=name)
    assert error_of(excinfo) == ("ReplicationGroupNotFoundFault", 404)
    assert name not in [g["ReplicationGroupId"] for g in ecc.describe_replication_groups()["ReplicationGroups"]]
    with pytest.raises(ClientError) as excinfo:
        ecc.describe_cache_clusters(CacheClusterId=f"{name}-001")
    assert excinfo.value.response["Error"]["Code"] == "CacheClusterNotFound"


def test_final_snapshot_is_kept(ecc, name):
    create_group(ecc, name)
    ecc.delete_replication_group(ReplicationGroupId=name, FinalSnapshotIdentifier=f"{name}-final")
    snapshot = ecc.describe_snapshots(SnapshotName=f"{name}-final")["Snapshots"][0]
    assert snapshot["ReplicationGroupId"] == name
    assert snapshot["SnapshotStatus"] == "available"


def test_final_snapshot_is_found_by_the_deleted_groups_id(ecc, name):
    create_group(ecc, name)
    ecc.delete_replication_group(ReplicationGroupId=name, FinalSnapshotIdentifier=f"{name}-final-20250101120000")
    snapshots = ecc.describe_snapshots(ReplicationGroupId=name)["Snapshots"]
    assert [(s["SnapshotName"], s["SnapshotSource"]) for s in snapshots] == [(f"{name}-final-20250101120000", "manual")]
    assert [s["SnapshotName"] for s in ecc.describe_snapshots(ReplicationGroupId=name, SnapshotSource="user")["Snapshots"]] == [
        f"{name}-final-20250101120000"
    ]
    assert ecc.describe_snapshots(ReplicationGroupId=name, SnapshotSource="system")["Snapshots"] == []
    ecc.delete_snapshot(SnapshotName=f"{name}-final-20250101120000")
    assert ecc.describe_snapshots(ReplicationGroupId=name)["Snapshots"] == []


def test_describe_snapshots_of_an_unknown_cache_cluster_is_not_found(ecc, name):
    with pytest.raises(ClientError) as excinfo:
        ecc.describe_snapshots(CacheClusterId=f"{name}-001")
    assert error_of(excinfo) == ("CacheClusterNotFound", 404)


def test_final_snapshot_name_in_use_keeps_the_group(ecc, name):
    create_group(ecc, f"{name}-a")
    create_group(ecc, f"{name}-b")
    ecc.delete_replication_group(ReplicationGroupId=f"{name}-a", FinalSnapshotIdentifier=f"{name}-final")
    with pytest.raises(ClientError) as excinfo:
        ecc.delete_replication_group(ReplicationGroupId=f"{name}-b", FinalSnapshotIdentifier=f"{name}-final")
    assert error_of(excinfo) == ("SnapshotAlreadyExistsFault", 400)
    assert ecc.describe_replication_groups(ReplicationGroupId=f"{name}-b")["ReplicationGroups"]


def test_delete_missing_replication_group_is_not_found(ecc, name):
    with pytest.raises(ClientError) as excinfo:
        ecc.delete_replication_group(ReplicationGroupId=name)
    assert error_of(excinfo) == ("ReplicationGroupNotFoundFault", 404)


# ------------------------------------------------------------- ModifyReplicationGroup
def test_modify_replication_group_applies_settings(ecc, name):
    create_group(ecc, name)
    ecc.modify_replication_group(
        ReplicationGroupId=name,
        SnapshotRetentionLimit=7,
        SnapshotWindow="03:00-04:00",
        CacheNodeType="cache.t4g.small",
        PreferredMaintenanceWindow="sun:05:00-sun:06:00",
        ApplyImmediately=True,
    )
    group = ecc.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]
    assert group["SnapshotRetentionLimit"] == 7
    assert group["SnapshotWindow"] == "03:00-04:00"
    assert group["CacheNodeType"] == "cache.t4g.small"
    cluster = ecc.describe_cache_clusters(CacheClusterId=f"{name}-001")["CacheClusters"][0]
    assert cluster["CacheNodeType"] == "cache.t4g.small"
    assert cluster["SnapshotWindow"] == "03:00-04:00"

    ecc.modify_replication_group(
        ReplicationGroupId=name, MultiAZEnabled=False, AutomaticFailoverEnabled=False, ApplyImmediately=True
    )
    group = ecc.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]
    assert (group["AutomaticFailover"], group["MultiAZ"]) == ("disabled", "disabled")


def test_modify_auth_token_rules(ecc, name):
    create_group(ecc, name, TransitEncryptionEnabled=True)
    for bad in (AUTH_TOKEN + "@", AUTH_TOKEN + "%", "short"):
        with pytest.raises(ClientError) as excinfo:
            ecc.modify_replication_group(
                ReplicationGroupId=name, AuthToken=bad, AuthTokenUpdateStrategy="ROTATE", ApplyImmediately=True
            )
        assert error_of(excinfo) == ("InvalidParameterValue", 400)
    assert ecc.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]["AuthTokenEnabled"] is False
    ecc.modify_replication_group(
        ReplicationGroupId=name, AuthToken=AUTH_TOKEN + "*", AuthTokenUpdateStrategy="ROTATE", ApplyImmediately=True
    )
    assert ecc.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]["AuthTokenEnabled"] is True


def group_of(ecc, name):
    return ecc.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]


def modify_auth(ecc, name, **params):
    return ecc.modify_replication_group(ReplicationGroupId=name, ApplyImmediately=True, **params)


def test_auth_token_rotate_then_set_updates_the_last_modified_date(ecc, name):
    create_group(ecc, name, TransitEncryptionEnabled=True, AuthToken=AUTH_TOKEN)
    created = group_of(ecc, name)["AuthTokenLastModifiedDate"]
    modify_auth(ecc, name, AuthToken=AUTH_TOKEN + "-new", AuthTokenUpdateStrategy="ROTATE")
    rotated = group_of(ecc, name)
    assert rotated["AuthTokenEnabled"] is True and rotated["AuthTokenLastModifiedDate"] >= created
    modify_auth(ecc, name, AuthToken=AUTH_TOKEN + "-new", AuthTokenUpdateStrategy="SET")
    assert group_of(ecc, name)["AuthTokenLastModifiedDate"] >= rotated["AuthTokenLastModifiedDate"]


@pytest.mark.parametrize(
    "steps, code",
    [
        # "SET - allowed only after ROTATE": on a group whose token was never rotated, and twice in a row.
        ([{"AuthToken": AUTH_TOKEN, "AuthTokenUpdateStrategy": "SET"}], "InvalidParameterCombination"),
        (
            [{"AuthToken": AUTH_TOKEN + "-2", "AuthTokenUpdateStrategy": "ROTATE"},
             {"AuthToken": AUTH_TOKEN + "-2", "AuthTokenUpdateStrategy": "SET"},
             {"AuthToken": AUTH_TOKEN + "-2", "AuthTokenUpdateStrategy": "SET"}],
            "InvalidParameterCombination",
        ),
        # "This parameter must be specified with the auth-token parameter."
        ([{"AuthTokenUpdateStrategy": "ROTATE"}], "InvalidParameterValue"),
        # "DELETE - allowed only when transitioning to RBAC"
        ([{"AuthTokenUpdateStrategy": "DELETE"}], "InvalidParameterCombination"),
        ([{"AuthToken": AUTH_TOKEN, "AuthTokenUpdateStrategy": "SWAP"}], "InvalidParameterValue"),
    ],
)
def test_auth_token_strategies_aws_refuses(ecc, name, steps, code):
    create_group(ecc, name, TransitEncryptionEnabled=True, AuthToken=AUTH_TOKEN)
    for step in steps[:-1]:
        modify_auth(ecc, name, **step)
    before = group_of(ecc, name)["AuthTokenLastModifiedDate"]
    with pytest.raises(ClientError) as excinfo:
        modify_auth(ecc, name, **steps[-1])
    assert error_of(excinfo) == (code, 400)
    assert group_of(ecc, name)["AuthTokenLastModifiedDate"] == before


def test_modify_rejects_multi_az_without_failover(ecc, name):
    create_group(ecc, name)
    with pytest.raises(ClientError) as excinfo:
        ecc.modify_replication_group(ReplicationGroupId=name, AutomaticFailoverEnabled=False, ApplyImmediately=True)
    assert error_of(excinfo) == ("InvalidParameterCombination", 400)
    group = ecc.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]
    assert group["AutomaticFailover"] == "enabled"


# ------------------------------------------------------------- Increase/DecreaseReplicaCount
def test_replica_count_changes_members(ecc, name):
    create_group(ecc, name)
    group = ecc.increase_replica_count(ReplicationGroupId=name, NewReplicaCount=2, ApplyImmediately=True)[
        "ReplicationGroup"
    ]
    assert group["MemberClusters"] == [f"{name}-001", f"{name}-002", f"{name}-003"]
    assert ecc.describe_cache_clusters(CacheClusterId=f"{name}-003")["CacheClusters"]

    group = ecc.decrease_replica_count(
        ReplicationGroupId=name, ReplicasToRemove=[f"{name}-002"], ApplyImmediately=True
    )["ReplicationGroup"]
    assert group["MemberClusters"] == [f"{name}-001", f"{name}-003"]
    with pytest.raises(ClientError):
        ecc.describe_cache_clusters(CacheClusterId=f"{name}-002")


@pytest.mark.parametrize(
    "call, count",
    [
        ("increase_replica_count", 1),  # not more than the current single replica
        ("decrease_replica_count", 0),  # automatic failover needs one replica
        ("increase_replica_count", 6),  # at most five replicas
    ],
)
def test_invalid_replica_count_is_rejected(ecc, name, call, count):
    create_group(ecc, name)
    with pytest.raises(ClientError) as excinfo:
        getattr(ecc, call)(ReplicationGroupId=name, NewReplicaCount=count, ApplyImmediately=True)
    assert error_of(excinfo) == ("InvalidParameterValue", 400)
    group = ecc.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]
    assert len(group["MemberClusters"]) == 2


# ------------------------------------------------------------- ModifyCacheSubnetGroup
def test_modify_cache_subnet_group_replaces_subnets(ecc, client, vpc, subnet_group):
    third = client("ec2").create_subnet(VpcId=vpc["id"], CidrBlock="10.20.9.0/24", AvailabilityZone="us-east-1c")[
        "Subnet"
    ]["SubnetId"]
    group = ecc.modify_cache_subnet_group(CacheSubnetGroupName=subnet_group, SubnetIds=[vpc["subnets"][0], third])[
        "CacheSubnetGroup"
    ]
    assert sorted(s["SubnetIdentifier"] for s in group["Subnets"]) == sorted([vpc["subnets"][0], third])
    described = ecc.describe_cache_subnet_groups(CacheSubnetGroupName=subnet_group)["CacheSubnetGroups"][0]
    assert sorted(s["SubnetIdentifier"] for s in described["Subnets"]) == sorted([vpc["subnets"][0], third])
    assert described["VpcId"] == vpc["id"]

    ecc.modify_cache_subnet_group(CacheSubnetGroupName=subnet_group, CacheSubnetGroupDescription="changed")
    described = ecc.describe_cache_subnet_groups(CacheSubnetGroupName=subnet_group)["CacheSubnetGroups"][0]
    assert described["CacheSubnetGroupDescription"] == "changed"
    assert len(described["Subnets"]) == 2


def test_modify_cache_subnet_group_rejects_bad_subnets(ecc, client, vpc, subnet_group, name):
    ec2 = client("ec2")
    other_vpc = ec2.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
    foreign = ec2.create_subnet(VpcId=other_vpc, CidrBlock="10.99.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    for subnet_ids in ([vpc["subnets"][0], foreign], ["subnet-0000000000000000f"]):
        with pytest.raises(ClientError) as excinfo:
            ecc.modify_cache_subnet_group(CacheSubnetGroupName=subnet_group, SubnetIds=subnet_ids)
        assert error_of(excinfo) == ("InvalidSubnet", 400)
    described = ecc.describe_cache_subnet_groups(CacheSubnetGroupName=subnet_group)["CacheSubnetGroups"][0]
    assert sorted(s["SubnetIdentifier"] for s in described["Subnets"]) == sorted(vpc["subnets"])
    with pytest.raises(ClientError) as excinfo:
        ecc.modify_cache_subnet_group(CacheSubnetGroupName=f"{name}-missing", SubnetIds=vpc["subnets"])
    assert error_of(excinfo) == ("CacheSubnetGroupNotFoundFault", 400)


# ------------------------------------------------------------- endpoints, member engine and parameter group
def test_reader_endpoint_and_member_settings(ecc, name):
    create_group(ecc, name, Engine="valkey", EngineVersion="7.2")
    group = ecc.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]
    node_group = group["NodeGroups"][0]
    assert node_group["ReaderEndpoint"]["Address"].startswith("replica.")
    assert node_group["ReaderEndpoint"]["Port"] == 6379
    member = ecc.describe_cache_clusters(CacheClusterId=f"{name}-001")["CacheClusters"][0]
    assert member["Engine"] == "valkey"
    assert member["CacheParameterGroup"]["CacheParameterGroupName"] == "default.valkey7"

    ecc.modify_replication_group(ReplicationGroupId=name, CacheParameterGroupName="custom-valkey7", ApplyImmediately=True)
    for member_id in (f"{name}-001", f"{name}-002"):
        member = ecc.describe_cache_clusters(CacheClusterId=member_id)["CacheClusters"][0]
        assert member["CacheParameterGroup"]["CacheParameterGroupName"] == "custom-valkey7"


def test_redis_upgrade_to_valkey_reaches_members(ecc, name):
    create_group(ecc, name, EngineVersion="7.1", CacheParameterGroupName="default.redis7")
    ecc.modify_replication_group(ReplicationGroupId=name, Engine="valkey", EngineVersion="8.0", ApplyImmediately=True)
    group = ecc.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]
    assert group["Engine"] == "valkey"
    member = ecc.describe_cache_clusters(CacheClusterId=f"{name}-002")["CacheClusters"][0]
    assert (member["Engine"], member["EngineVersion"]) == ("valkey", "8.0")
