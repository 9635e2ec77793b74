"""elasticache_replication_group against in-process moto (with the localaws ElastiCache fill), the AWS state
read back through boto3."""

from __future__ import annotations

import json

import boto3
import pytest
from ansible.module_utils import basic
from botocore.exceptions import ClientError

from ansible_collections.streamflix.media_platform.plugins.module_utils import elasticache as ec
from ansible_collections.streamflix.media_platform.plugins.modules import elasticache_replication_group as module
from module_harness import ACCOUNT_ID, REGION, aws_env, fail_module, moto, run_module  # noqa: F401

GROUP_ID = "streamflix-redis-unit"
TOKEN = "an-auth-token-0123456789-abcdef"
NEW_TOKEN = "the-next-token-0123456789-xyz"


# ---------------------------------------------------------------- pure functions


def params(**extra):
    base = dict(
        state="present",
        replication_group_id=GROUP_ID,
        description=None,
        engine="redis",
        engine_version=None,
        cache_node_type="cache.t4g.micro",
        num_cache_clusters=2,
        automatic_failover=True,
        multi_az=True,
        at_rest_encryption=True,
        kms_key_id=None,
        transit_encryption=True,
        auth_token=None,
        rotate_auth_token=False,
        auth_token_update_strategy="ROTATE",
        cache_parameter_group_name=None,
        subnet_ids=None,
        cache_subnet_group_name=None,
        security_group_ids=None,
        snapshot_retention_limit=None,
        snapshot_window=None,
        preferred_maintenance_window=None,
        tags=None,
    )
    base.update(extra)
    return base


@pytest.mark.parametrize(
    "extra, fragment",
    [
        ({}, None),
        ({"num_cache_clusters": 1, "automatic_failover": False, "multi_az": False}, None),
        ({"num_cache_clusters": 1}, "automatic_failover needs num_cache_clusters >= 2"),
        ({"num_cache_clusters": 7}, "num_cache_clusters must be between 1 and 6"),
        ({"num_cache_clusters": 0, "automatic_failover": False, "multi_az": False}, "num_cache_clusters must be between"),
        ({"automatic_failover": False}, "multi_az needs automatic_failover"),
        ({"kms_key_id": "k", "at_rest_encryption": False}, "kms_key_id needs at_rest_encryption"),
        ({"auth_token": TOKEN, "transit_encryption": False}, "auth_token needs transit_encryption"),
        ({"auth_token": "short"}, "auth_token must be 16 to 128"),
        ({"auth_token": "x" * 129}, "auth_token must be 16 to 128"),
        ({"auth_token": TOKEN + "@"}, "may contain only"),
        ({"auth_token": TOKEN + "%"}, "may contain only"),
        ({"auth_token": TOKEN + "/"}, "may contain only"),
        ({"auth_token": TOKEN + " x"}, "may contain only"),
        ({"auth_token": TOKEN + "\u00e9"}, "may contain only"),
        ({"auth_token": "Aa0!&#$^<>-" + "x" * 10}, None),
        ({"rotate_auth_token": True}, "rotate_auth_token needs auth_token"),
        ({"snapshot_retention_limit": 36}, "snapshot_retention_limit must be between 0 and 35"),
        ({"replication_group_id": "Upper"}, "replication_group_id"),
        ({"replication_group_id": "a" * 41}, "replication_group_id"),
        ({"replication_group_id": "a--b"}, "replication_group_id"),
        ({"replication_group_id": "ab-"}, "replication_group_id"),
        ({"replication_group_id": "1ab"}, "replication_group_id"),
        ({"state": "absent", "num_cache_clusters": 1}, None),  # absent checks only the id
    ],
)
def test_validate(extra, fragment):
    problems = ec.validate(params(**extra))
    if fragment is None:
        assert problems == []
    else:
        assert len(problems) == 1 and fragment in problems[0]
        assert TOKEN not in problems[0]


@pytest.mark.parametrize(
    "desired, current, matches, downgrade",
    [
        ("7.1", "7.1.0", True, False),
        ("7.1", "7.1", True, False),
        ("7.1.0", "7.1.0", True, False),
        ("7.0", "7.1.0", False, True),
        ("6.2", "7.1.0", False, True),
        ("7.2", "7.1.0", False, False),
        ("8.0", "7.2.4", False, False),
        ("7", "7.1.0", True, False),
        ("6.x", "6.2.6", True, False),
        ("7.1", None, False, False),
    ],
)
def test_versions(desired, current, matches, downgrade):
    assert ec.version_matches(desired, current) is matches
    assert ec.is_downgrade(desired, current) is downgrade


@pytest.mark.parametrize(
    "desired, current, same",
    [
        (None, "arn:aws:kms:us-east-1:1:key/abc", True),
        ("arn:aws:kms:us-east-1:1:key/abc", "arn:aws:kms:us-east-1:1:key/abc", True),
        ("abc", "arn:aws:kms:us-east-1:1:key/abc", True),
        ("arn:aws:kms:us-east-1:1:key/abc", "abc", True),
        ("def", "arn:aws:kms:us-east-1:1:key/abc", False),
        ("abc", None, False),
    ],
)
def test_kms_key_matches(desired, current, same):
    assert ec.kms_key_matches(desired, current) is same


CURRENT = {
    "id": GROUP_ID,
    "arn": "arn:rg",
    "status": "available",
    "description": "d",
    "engine": "redis",
    "engine_version": "7.1.0",
    "node_type": "cache.t4g.micro",
    "num_cache_clusters": 2,
    "multi_az": True,
    "automatic_failover": True,
    "at_rest_encryption_enabled": True,
    "kms_key_id": "arn:aws:kms:us-east-1:1:key/abc",
    "transit_encryption_enabled": True,
    "auth_token_enabled": True,
    "cache_parameter_group_name": "default.redis7",
    "cache_subnet_group_name": GROUP_ID,
    "subnet_ids": ["subnet-a", "subnet-b"],
    "security_group_ids": ["sg-1"],
    "snapshot_retention_limit": 7,
    "snapshot_window": "03:00-04:00",
    "preferred_maintenance_window": "sun:05:00-sun:06:00",
    "tags": {},
}


def desired(**change):
    wanted = {key: value for key, value in CURRENT.items() if key not in ("arn", "status")}
    wanted.update(change)
    return wanted


@pytest.mark.parametrize(
    "change, expected",
    [
        ({}, []),
        ({"node_type": "cache.r7g.large", "num_cache_clusters": 3, "snapshot_retention_limit": 1}, []),
        ({"at_rest_encryption_enabled": False, "kms_key_id": None}, ["at_rest_encryption"]),
        ({"kms_key_id": "arn:aws:kms:us-east-1:1:key/other"}, ["kms_key_id"]),
        ({"kms_key_id": "abc"}, []),
        ({"kms_key_id": None}, []),  # not managed
        ({"transit_encryption_enabled": False}, ["transit_encryption"]),
        ({"engine": "valkey", "engine_version": "8.0"}, []),  # Redis OSS -> Valkey upgrades in place
        ({"engine_version": "7.0"}, ["engine_version"]),
        ({"engine_version": "7.2"}, []),
        ({"cache_subnet_group_name": "other"}, ["cache_subnet_group_name"]),
        ({"cache_subnet_group_name": None}, []),
        (
            {"transit_encryption_enabled": False, "kms_key_id": "other", "cache_subnet_group_name": "x"},
            ["kms_key_id", "transit_encryption", "cache_subnet_group_name"],
        ),
    ],
)
def test_settings_to_replace(change, expected):
    assert ec.settings_to_replace(CURRENT, desired(**change)) == expected


def test_valkey_back_to_redis_needs_replacement():
    current = dict(CURRENT, engine="valkey", engine_version="8.0.1")
    assert ec.settings_to_replace(current, desired(engine="redis", engine_version=None)) == ["engine"]


@pytest.mark.parametrize(
    "change, expected",
    [
        ({}, {}),
        ({"description": None, "engine_version": None, "security_group_ids": None, "snapshot_window": None}, {}),
        ({"engine_version": "7.1"}, {}),
        ({"snapshot_window": "03:00-04:00", "preferred_maintenance_window": "SUN:05:00-SUN:06:00"}, {}),
        ({"snapshot_retention_limit": 14}, {"SnapshotRetentionLimit": 14}),
        ({"snapshot_retention_limit": 0}, {"SnapshotRetentionLimit": 0}),
        ({"node_type": "cache.t4g.small"}, {"CacheNodeType": "cache.t4g.small"}),
        ({"engine_version": "7.2"}, {"EngineVersion": "7.2"}),
        ({"engine": "valkey", "engine_version": "8.0"}, {"Engine": "valkey", "EngineVersion": "8.0"}),
        ({"security_group_ids": ["sg-1", "sg-2"]}, {"SecurityGroupIds": ["sg-1", "sg-2"]}),
        ({"cache_parameter_group_name": "custom"}, {"CacheParameterGroupName": "custom"}),
        ({"preferred_maintenance_window": "mon:01:00-mon:02:00"}, {"PreferredMaintenanceWindow": "mon:01:00-mon:02:00"}),
        ({"description": "new"}, {"ReplicationGroupDescription": "new"}),
        ({"multi_az": False}, {"MultiAZEnabled": False}),
        ({"multi_az": False, "automatic_failover": False}, {"MultiAZEnabled": False, "AutomaticFailoverEnabled": False}),
        ({"num_cache_clusters": 4, "tags": {"a": "b"}, "subnet_ids": ["subnet-c"]}, {}),  # other calls
    ],
)
def test_group_modifications(change, expected):
    assert ec.group_modifications(CURRENT, desired(**change)) == expected


@pytest.mark.parametrize(
    "count, expected",
    [(2, None), (3, ("increase", 2)), (6, ("increase", 5)), (1, ("decrease", 0))],
)
def test_replica_change(count, expected):
    assert ec.replica_change(CURRENT, desired(num_cache_clusters=count)) == expected


def test_current_group_maps_describe_entries():
    group = {
        "ReplicationGroupId": "g",
        "ARN": "arn:g",
        "Status": "modifying",
        "Description": "d",
        "MemberClusters": ["g-001", "g-002"],
        "NodeGroups": [
            {
                "PrimaryEndpoint": {"Address": "master.g", "Port": 6379},
                "ReaderEndpoint": {"Address": "replica.g", "Port": 6379},
                "NodeGroupMembers": [
                    {"CacheClusterId": "g-001", "CurrentRole": "replica"},
                    {"CacheClusterId": "g-002", "CurrentRole": "primary"},
                ],
            }
        ],
        "AutomaticFailover": "disabled",
        "PendingModifiedValues": {"AutomaticFailoverStatus": "enabled"},
        "MultiAZ": "enabled",
        "SnapshotRetentionLimit": 7,
        "SnapshotWindow": "03:00-04:00",
        "CacheNodeType": "cache.t4g.micro",
        "AuthTokenEnabled": True,
        "TransitEncryptionEnabled": True,
        "AtRestEncryptionEnabled": True,
        "KmsKeyId": "arn:k",
        "Engine": "valkey",
    }
    cluster = {
        "EngineVersion": "7.2.4",
        "PendingModifiedValues": {"CacheNodeType": "cache.t4g.small"},
        "CacheParameterGroup": {"CacheParameterGroupName": "default.valkey7"},
        "CacheSubnetGroupName": "g",
        "SecurityGroups": [{"SecurityGroupId": "sg-2", "Status": "active"}, {"SecurityGroupId": "sg-1", "Status": "active"}],
        "PreferredMaintenanceWindow": "sun:05:00-sun:06:00",
    }
    assert ec.primary_cluster_id(group) == "g-002"
    view = ec.current_group(group, cluster, {"a": "b"}, ["subnet-b", "subnet-a"])
    assert view == {
        "id": "g",
        "arn": "arn:g",
        "status": "modifying",
        "description": "d",
        "engine": "valkey",
        "engine_version": "7.2.4",
        "node_type": "cache.t4g.small",  # already accepted: not sent again
        "num_cache_clusters": 2,
        "member_clusters": ["g-001", "g-002"],
        "primary_endpoint": {"address": "master.g", "port": 6379},
        "reader_endpoint": {"address": "replica.g", "port": 6379},
        "multi_az": True,
        "automatic_failover": True,
        "at_rest_encryption_enabled": True,
        "kms_key_id": "arn:k",
        "transit_encryption_enabled": True,
        "auth_token_enabled": True,
        "cache_parameter_group_name": "default.valkey7",
        "cache_subnet_group_name": "g",
        "subnet_ids": ["subnet-a", "subnet-b"],
        "security_group_ids": ["sg-1", "sg-2"],
        "snapshot_retention_limit": 7,
        "snapshot_window": "03:00-04:00",
        "preferred_maintenance_window": "sun:05:00-sun:06:00",
        "tags": {"a": "b"},
    }
    assert ec.current_group(None) == {}


def test_create_request_sends_only_what_is_given():
    wanted = ec.desired_group(params(subnet_ids=["subnet-b", "subnet-a"], auth_token=TOKEN, tags={"a": "b"}))
    request = ec.create_request(params(auth_token=TOKEN), wanted)
    assert request == {
        "ReplicationGroupId": GROUP_ID,
        "ReplicationGroupDescription": GROUP_ID,
        "Engine": "redis",
        "CacheNodeType": "cache.t4g.micro",
        "NumCacheClusters": 2,
        "AutomaticFailoverEnabled": True,
        "MultiAZEnabled": True,
        "AtRestEncryptionEnabled": True,
        "TransitEncryptionEnabled": True,
        "AuthToken": TOKEN,
        "CacheSubnetGroupName": GROUP_ID,
        "Tags": [{"Key": "a", "Value": "b"}],
    }


def test_waiters_retry_throttling_and_fail_on_create_failed():
    model = ec.WAITERS._model
    for name in ("replication_group_available", "replication_group_deleted"):
        acceptors = [(a.matcher, a.expected, a.state) for a in model.get_waiter(name).acceptors]
        assert ("error", "Throttling", "retry") in acceptors
    available = [(a.expected, a.state) for a in model.get_waiter("replication_group_available").acceptors]
    assert ("create-failed", "failure") in available


# ---------------------------------------------------------------- module against moto


@pytest.fixture
def world(moto):
    from localaws.fills import elasticache

    elasticache.apply()
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc_id = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.30.{0}.0/24".format(i), AvailabilityZone=REGION + az)["Subnet"]["SubnetId"]
        for i, az in ((1, "a"), (2, "b"), (3, "c"))
    ]
    sgs = [ec2.create_security_group(GroupName="cache-{0}".format(i), Description="cache", VpcId=vpc_id)["GroupId"] for i in (1, 2)]
    kms = boto3.client("kms", region_name=REGION)
    keys = [kms.create_key()["KeyMetadata"]["Arn"] for _ in range(2)]
    kms.create_alias(AliasName="alias/streamflix-unit", TargetKeyId=keys[0])
    return {
        "ecc": boto3.client("elasticache", region_name=REGION),
        "subnets": subnets,
        "sgs": sgs,
        "keys": keys,
    }


def args(world, **extra):
    base = {
        "replication_group_id": GROUP_ID,
        "description": "StreamFlix cache (unit)",
        "engine_version": "7.1",
        "cache_node_type": "cache.t4g.micro",
        "num_cache_clusters": 2,
        "kms_key_id": world["keys"][0],
        "auth_token": TOKEN,
        "subnet_ids": world["subnets"][:2],
        "security_group_ids": [world["sgs"][0]],
        "snapshot_retention_limit": 7,
        "snapshot_window": "03:00-04:00",
        "preferred_maintenance_window": "sun:05:00-sun:06:00",
        "tags": {"Project": "streamflix", "Environment": "unit"},
    }
    base.update(extra)
    return {key: value for key, value in base.items() if value is not None}  # None: leave the option out


ABSENT = {"replication_group_id": GROUP_ID, "state": "absent"}


def aws_group(world):
    try:
        return world["ecc"].describe_replication_groups(ReplicationGroupId=GROUP_ID)["ReplicationGroups"][0]
    except ClientError as e:
        assert e.response["Error"]["Code"] == "ReplicationGroupNotFoundFault"
        return None


def aws_primary(world):
    group = aws_group(world)
    return world["ecc"].describe_cache_clusters(CacheClusterId=group["MemberClusters"][0])["CacheClusters"][0]


def aws_tags(world):
    return {t["Key"]: t["Value"] for t in world["ecc"].list_tags_for_resource(ResourceName=aws_group(world)["ARN"])["TagList"]}


def aws_subnet_group(world, name=GROUP_ID):
    try:
        return world["ecc"].describe_cache_subnet_groups(CacheSubnetGroupName=name)["CacheSubnetGroups"][0]
    except ClientError as e:
        assert e.response["Error"]["Code"] == "CacheSubnetGroupNotFoundFault"
        return None


def aws_subnets(world, name=GROUP_ID):
    return sorted(s["SubnetIdentifier"] for s in aws_subnet_group(world, name)["Subnets"])


@pytest.fixture
def calls(monkeypatch):
    """Record the changing API calls the module makes (after the fill and moto have answered)."""
    recorded = []
    for name in ("create_group", "modify_group", "change_replica_count", "delete_group", "create_subnet_group",
                 "modify_subnet_group", "delete_subnet_group", "add_tags", "remove_tags"):
        real = getattr(ec, name)

        def spy(*a, _name=name, _real=real, **kw):
            recorded.append((_name,) + a[1:])
            return _real(*a, **kw)

        monkeypatch.setattr(ec, name, spy)
    return recorded


def test_create(world):
    result = run_module(module, args(world))
    assert result["changed"] is True
    assert result["changes"] == ["create_subnet_group", "create"]
    assert result["replacement_needed"] == []
    group = aws_group(world)
    assert group["Status"] == "available"
    assert group["Description"] == "StreamFlix cache (unit)"
    assert len(group["MemberClusters"]) == 2
    assert (group["AutomaticFailover"], group["MultiAZ"]) == ("enabled", "enabled")
    assert group["AtRestEncryptionEnabled"] is True and group["KmsKeyId"] == world["keys"][0]
    assert group["TransitEncryptionEnabled"] is True and group["AuthTokenEnabled"] is True
    assert (group["SnapshotRetentionLimit"], group["SnapshotWindow"]) == (7, "03:00-04:00")
    assert group["CacheNodeType"] == "cache.t4g.micro"
    primary = aws_primary(world)
    assert primary["EngineVersion"] == "7.1"
    assert primary["CacheSubnetGroupName"] == GROUP_ID
    assert [sg["SecurityGroupId"] for sg in primary["SecurityGroups"]] == [world["sgs"][0]]
    assert primary["PreferredMaintenanceWindow"] == "sun:05:00-sun:06:00"
    assert aws_subnets(world) == sorted(world["subnets"][:2])
    assert aws_tags(world) == {"Project": "streamflix", "Environment": "unit"}

    rg = result["replication_group"]
    assert rg["arn"] == group["ARN"]
    assert rg["primary_endpoint"] == {"address": group["NodeGroups"][0]["PrimaryEndpoint"]["Address"], "port": 6379}
    assert rg["reader_endpoint"]["address"].startswith("replica.")
    assert rg["member_clusters"] == group["MemberClusters"]
    assert rg["auth_token_enabled"] is True
    assert rg["subnet_ids"] == sorted(world["subnets"][:2])
    assert rg["cache_parameter_group_name"] == "default.redis7"
    assert result["diff"] == {"before": {}, "after": rg}
    assert TOKEN not in json.dumps(result)


def test_second_run_is_idempotent(world, calls):
    first = run_module(module, args(world))
    del calls[:]
    second = run_module(module, args(world))
    assert second["changed"] is False
    assert second["changes"] == []
    assert calls == []  # in particular the token is not sent again
    assert second["replication_group"] == first["replication_group"]
    assert second["diff"]["before"] == second["diff"]["after"]
    # and with the options left out, nothing is touched either
    minimal = {"replication_group_id": GROUP_ID, "cache_node_type": "cache.t4g.micro", "auth_token": TOKEN}
    assert run_module(module, minimal)["changed"] is False
    assert calls == []


def test_check_mode_create_changes_nothing(world, calls):
    result = run_module(module, args(world), check_mode=True)
    assert result["changed"] is True
    assert result["changes"] == ["create_subnet_group", "create"]
    rg = result["replication_group"]
    assert rg["arn"] is None and rg["status"] == "creating"
    assert rg["num_cache_clusters"] == 2 and rg["node_type"] == "cache.t4g.micro"
    assert rg["auth_token_enabled"] is True
    assert rg["tags"] == {"Project": "streamflix", "Environment": "unit"}
    assert result["diff"] == {"before": {}, "after": rg}
    assert calls == []
    assert aws_group(world) is None
    assert aws_subnet_group(world) is None
    assert TOKEN not in json.dumps(result)


def test_create_without_waiting(world):
    result = run_module(module, args(world, wait=False))
    assert result["changed"] is True
    assert result["replication_group"]["id"] == GROUP_ID
    assert aws_group(world) is not None


def test_snapshot_retention_change_sends_only_it(world, calls):
    run_module(module, args(world))
    del calls[:]
    result = run_module(module, args(world, snapshot_retention_limit=14))
    assert result["changed"] is True
    assert result["changes"] == ["snapshot_retention_limit"]
    assert calls == [("modify_group", GROUP_ID, {"SnapshotRetentionLimit": 14})]
    assert aws_group(world)["SnapshotRetentionLimit"] == 14
    assert result["diff"]["before"]["snapshot_retention_limit"] == 7
    assert result["diff"]["after"]["snapshot_retention_limit"] == 14
    assert run_module(module, args(world, snapshot_retention_limit=14))["changed"] is False


def test_modify_in_place(world, calls):
    run_module(module, args(world))
    del calls[:]
    change = dict(
        cache_node_type="cache.t4g.small",
        engine_version="7.2",
        security_group_ids=world["sgs"],
        cache_parameter_group_name="streamflix-redis7",
        snapshot_window="04:00-05:00",
        preferred_maintenance_window="mon:01:00-mon:02:00",
        description="changed",
    )
    result = run_module(module, args(world, **change))
    assert result["changes"] == [
        "cache_parameter_group_name", "description", "engine_version", "node_type",
        "preferred_maintenance_window", "security_group_ids", "snapshot_window",
    ]
    assert [c[0] for c in calls] == ["modify_group"]
    group, primary = aws_group(world), aws_primary(world)
    assert group["CacheNodeType"] == "cache.t4g.small"
    assert group["Description"] == "changed"
    assert group["SnapshotWindow"] == "04:00-05:00"
    assert primary["EngineVersion"] == "7.2"
    assert primary["PreferredMaintenanceWindow"] == "mon:01:00-mon:02:00"
    assert sorted(sg["SecurityGroupId"] for sg in primary["SecurityGroups"]) == sorted(world["sgs"])
    assert primary["CacheParameterGroup"]["CacheParameterGroupName"] == "streamflix-redis7"
    assert result["replication_group"]["node_type"] == "cache.t4g.small"
    assert run_module(module, args(world, **change))["changed"] is False


def test_check_mode_modify_changes_nothing(world, calls):
    run_module(module, args(world))
    del calls[:]
    result = run_module(module, args(world, cache_node_type="cache.t4g.small", num_cache_clusters=3, tags={"a": "b"}), check_mode=True)
    assert result["changed"] is True
    assert result["changes"] == ["subnet_group_tags", "tags", "num_cache_clusters", "node_type"]
    assert result["replication_group"]["node_type"] == "cache.t4g.small"
    assert result["replication_group"]["num_cache_clusters"] == 3
    assert result["replication_group"]["tags"] == {"a": "b"}
    assert result["diff"]["before"]["node_type"] == "cache.t4g.micro"
    assert calls == []
    group = aws_group(world)
    assert group["CacheNodeType"] == "cache.t4g.micro" and len(group["MemberClusters"]) == 2
    assert aws_tags(world) == {"Project": "streamflix", "Environment": "unit"}


def test_replica_count_up_and_down(world, calls):
    run_module(module, args(world))
    del calls[:]
    result = run_module(module, args(world, num_cache_clusters=4))
    assert result["changes"] == ["num_cache_clusters"]
    assert calls == [("change_replica_count", GROUP_ID, "increase", 3)]
    assert len(aws_group(world)["MemberClusters"]) == 4
    assert result["replication_group"]["num_cache_clusters"] == 4
    del calls[:]
    run_module(module, args(world, num_cache_clusters=2))
    assert calls == [("change_replica_count", GROUP_ID, "decrease", 1)]
    assert len(aws_group(world)["MemberClusters"]) == 2
    assert run_module(module, args(world, num_cache_clusters=2))["changed"] is False


def test_failover_off_before_the_last_replica_goes(world, calls):
    run_module(module, args(world))
    del calls[:]
    single = args(world, num_cache_clusters=1, automatic_failover=False, multi_az=False)
    result = run_module(module, single)
    assert [c[0] for c in calls] == ["modify_group", "change_replica_count"]
    assert calls[0][2] == {"AutomaticFailoverEnabled": False, "MultiAZEnabled": False}
    group = aws_group(world)
    assert (group["AutomaticFailover"], group["MultiAZ"], len(group["MemberClusters"])) == ("disabled", "disabled", 1)
    assert result["replication_group"]["automatic_failover"] is False
    del calls[:]
    run_module(module, args(world))  # and back: a replica first, then failover on
    assert [c[0] for c in calls] == ["change_replica_count", "modify_group"]
    group = aws_group(world)
    assert (group["AutomaticFailover"], group["MultiAZ"], len(group["MemberClusters"])) == ("enabled", "enabled", 2)


def test_redis_to_valkey_in_place(world, calls):
    run_module(module, args(world))
    del calls[:]
    result = run_module(module, args(world, engine="valkey", engine_version="8.0"))
    assert calls == [("modify_group", GROUP_ID, {"Engine": "valkey", "EngineVersion": "8.0"})]
    assert aws_group(world)["Engine"] == "valkey"
    assert aws_primary(world)["EngineVersion"] == "8.0"
    assert result["replication_group"]["engine"] == "valkey"


def test_engine_change_without_version_fails(world, calls):
    run_module(module, args(world, engine_version=None))
    del calls[:]
    result = fail_module(module, args(world, engine="valkey", engine_version=None))
    assert "needs engine_version" in result["msg"]
    assert calls == []


def test_tags_update(world):
    run_module(module, args(world))
    result = run_module(module, args(world, tags={"Project": "streamflix", "Owner": "media"}))
    assert result["changes"] == ["subnet_group_tags", "tags"]
    assert aws_tags(world) == {"Project": "streamflix", "Owner": "media"}
    assert result["replication_group"]["tags"] == {"Project": "streamflix", "Owner": "media"}
    result = run_module(module, args(world, tags={"Extra": "x"}, purge_tags=False))
    assert aws_tags(world) == {"Project": "streamflix", "Owner": "media", "Extra": "x"}
    params_ = args(world)
    del params_["tags"]
    assert run_module(module, params_)["changed"] is False
    assert aws_tags(world) == {"Project": "streamflix", "Owner": "media", "Extra": "x"}


def test_subnet_ids_change_in_place(world, calls):
    run_module(module, args(world))
    del calls[:]
    result = run_module(module, args(world, subnet_ids=world["subnets"]))
    assert result["changes"] == ["subnet_ids"]
    assert calls == [("modify_subnet_group", GROUP_ID, sorted(world["subnets"]))]
    assert aws_subnets(world) == sorted(world["subnets"])
    assert result["replication_group"]["subnet_ids"] == sorted(world["subnets"])
    assert run_module(module, args(world, subnet_ids=list(reversed(world["subnets"]))))["changed"] is False


@pytest.mark.parametrize(
    "change, replace",
    [
        ({"kms_key_id": "second"}, ["kms_key_id"]),
        ({"at_rest_encryption": False, "kms_key_id": None}, ["at_rest_encryption"]),
        ({"transit_encryption": False, "auth_token": None}, ["transit_encryption"]),
        ({"engine_version": "6.2"}, ["engine_version"]),
        ({"subnet_ids": None, "cache_subnet_group_name": "elsewhere"}, ["cache_subnet_group_name"]),
        ({"kms_key_id": "second", "transit_encryption": False, "auth_token": None}, ["kms_key_id", "transit_encryption"]),
    ],
)
def test_replacement_is_refused(world, calls, change, replace):
    run_module(module, args(world))
    before = aws_group(world)
    del calls[:]
    if change.get("kms_key_id") == "second":
        change = dict(change, kms_key_id=world["keys"][1])
    result = fail_module(module, args(world, num_cache_clusters=3, snapshot_retention_limit=1, **change))
    assert result["replacement_needed"] == replace
    for name in replace:
        assert name in result["msg"]
    assert "new replication group" in result["msg"]
    assert calls == []  # nothing else was changed either
    assert aws_group(world) == before


def test_kms_alias_of_the_same_key_is_no_change(world):
    run_module(module, args(world))
    assert run_module(module, args(world, kms_key_id="alias/streamflix-unit"))["changed"] is False
    key_id = world["keys"][0].split("/")[-1]
    assert run_module(module, args(world, kms_key_id=key_id))["changed"] is False


def test_valkey_back_to_redis_is_refused(world):
    run_module(module, args(world, engine="valkey", engine_version="8.0"))
    result = fail_module(module, args(world, engine="redis", engine_version="7.1"))
    assert result["replacement_needed"] == ["engine", "engine_version"]
    assert aws_group(world)["Engine"] == "valkey"


def test_token_is_sent_only_on_rotation(world, calls):
    run_module(module, args(world))
    del calls[:]
    # a different token without rotate: AWS cannot tell us the token, so nothing is sent
    assert run_module(module, args(world, auth_token=NEW_TOKEN))["changed"] is False
    assert calls == []
    result = run_module(module, args(world, auth_token=NEW_TOKEN, rotate_auth_token=True))
    assert result["changed"] is True and result["changes"] == ["auth_token"]
    assert calls == [("modify_group", GROUP_ID, {"AuthToken": NEW_TOKEN, "AuthTokenUpdateStrategy": "ROTATE"})]
    assert NEW_TOKEN not in json.dumps(result)
    del calls[:]
    run_module(module, args(world, auth_token=NEW_TOKEN, rotate_auth_token=True, auth_token_update_strategy="SET"))
    assert calls == [("modify_group", GROUP_ID, {"AuthToken": NEW_TOKEN, "AuthTokenUpdateStrategy": "SET"})]
    assert aws_group(world)["AuthTokenEnabled"] is True


def test_token_added_to_a_group_without_auth(world, calls):
    run_module(module, args(world, auth_token=None))
    assert aws_group(world)["AuthTokenEnabled"] is False
    del calls[:]
    result = run_module(module, args(world, auth_token_update_strategy="SET"))
    assert result["changes"] == ["auth_token"]
    assert calls == [("modify_group", GROUP_ID, {"AuthToken": TOKEN, "AuthTokenUpdateStrategy": "ROTATE"})]
    assert aws_group(world)["AuthTokenEnabled"] is True
    assert result["replication_group"]["auth_token_enabled"] is True
    assert run_module(module, args(world))["changed"] is False


def test_check_mode_rotation_sends_nothing(world, calls):
    run_module(module, args(world))
    del calls[:]
    result = run_module(module, args(world, auth_token=NEW_TOKEN, rotate_auth_token=True), check_mode=True)
    assert result["changed"] is True and result["changes"] == ["auth_token"]
    assert calls == []


@pytest.mark.parametrize(
    "change, fragment",
    [
        ({"num_cache_clusters": 1}, "automatic_failover needs num_cache_clusters >= 2"),
        ({"automatic_failover": False}, "multi_az needs automatic_failover"),
        ({"transit_encryption": False}, "auth_token needs transit_encryption"),
        ({"auth_token": "too-short"}, "auth_token must be 16 to 128"),
        ({"at_rest_encryption": False}, "kms_key_id needs at_rest_encryption"),
        ({"replication_group_id": "Bad_Name"}, "replication_group_id"),
        ({"cache_node_type": None}, "cache_node_type is required"),
        ({"cache_subnet_group_name": "x"}, "mutually exclusive"),
    ],
)
def test_invalid_options_fail_before_any_call(world, calls, change, fragment):
    result = fail_module(module, args(world, **change))
    assert fragment in result["msg"]
    assert TOKEN not in result["msg"]
    assert calls == []
    assert aws_group(world) is None and aws_subnet_group(world) is None


def test_absent_deletes_group_then_subnet_group(world, calls):
    created = run_module(module, args(world))
    del calls[:]
    result = run_module(module, dict(ABSENT, final_snapshot_identifier="streamflix-redis-unit-final"))
    assert result["changed"] is True
    assert result["changes"] == ["delete", "delete_subnet_group"]
    assert [c[0] for c in calls] == ["delete_group", "delete_subnet_group"]
    assert result["replication_group"] == {}
    assert result["diff"] == {"before": created["replication_group"], "after": {}}
    assert aws_group(world) is None and aws_subnet_group(world) is None
    assert result["final_snapshot_identifier"] == "streamflix-redis-unit-final"
    snapshots = world["ecc"].describe_snapshots(SnapshotName="streamflix-redis-unit-final")["Snapshots"]
    assert [s["ReplicationGroupId"] for s in snapshots] == [GROUP_ID]


def group_snapshots(world):
    return sorted(s["SnapshotName"] for s in world["ecc"].describe_snapshots(ReplicationGroupId=GROUP_ID)["Snapshots"])


def test_absent_without_final_snapshot_takes_none(world):
    run_module(module, args(world))
    result = run_module(module, ABSENT)
    assert result["changed"] is True and result["final_snapshot_identifier"] is None
    assert aws_group(world) is None
    assert group_snapshots(world) == []


def test_absent_with_final_snapshot_twice_takes_one_snapshot(world):
    run_module(module, args(world))
    run_module(module, dict(ABSENT, final_snapshot_identifier="streamflix-redis-unit-final-20250101120000"))
    second = run_module(module, dict(ABSENT, final_snapshot_identifier="streamflix-redis-unit-final-20250101120500"))
    assert second["changed"] is False and second["changes"] == []
    assert second["final_snapshot_identifier"] is None
    assert group_snapshots(world) == ["streamflix-redis-unit-final-20250101120000"]


def test_absent_refuses_a_final_snapshot_name_in_use_before_any_change(world, calls):
    run_module(module, args(world))
    world["ecc"].create_snapshot(ReplicationGroupId=GROUP_ID, SnapshotName="streamflix-redis-unit-final")
    del calls[:]
    for check_mode in (True, False):
        result = fail_module(module, dict(ABSENT, final_snapshot_identifier="streamflix-redis-unit-final"), check_mode=check_mode)
        assert "a snapshot named streamflix-redis-unit-final already exists" in result["msg"]
        assert "final_snapshot_identifier" in result["msg"]
    assert calls == []
    assert aws_group(world)["Status"] == "available" and aws_subnet_group(world) is not None


def test_check_mode_absent_with_final_snapshot_takes_none(world, calls):
    run_module(module, args(world))
    del calls[:]
    result = run_module(module, dict(ABSENT, final_snapshot_identifier="streamflix-redis-unit-final"), check_mode=True)
    assert result["changed"] is True and result["changes"] == ["delete", "delete_subnet_group"]
    assert result["final_snapshot_identifier"] == "streamflix-redis-unit-final"
    assert calls == []
    assert aws_group(world) is not None and group_snapshots(world) == []


def test_absent_twice_is_unchanged(world):
    run_module(module, args(world))
    run_module(module, ABSENT)
    result = run_module(module, ABSENT)
    assert result["changed"] is False
    assert result["changes"] == []
    assert result["diff"] == {"before": {}, "after": {}}


def test_check_mode_absent_deletes_nothing(world, calls):
    run_module(module, args(world))
    del calls[:]
    result = run_module(module, ABSENT, check_mode=True)
    assert result["changed"] is True
    assert result["changes"] == ["delete", "delete_subnet_group"]
    assert calls == []
    assert aws_group(world) is not None and aws_subnet_group(world) is not None


def test_absent_leaves_a_named_subnet_group_alone(world):
    world["ecc"].create_cache_subnet_group(
        CacheSubnetGroupName="shared", CacheSubnetGroupDescription="shared", SubnetIds=world["subnets"][:2]
    )
    params_ = args(world, cache_subnet_group_name="shared")
    del params_["subnet_ids"]
    result = run_module(module, params_)
    assert result["replication_group"]["cache_subnet_group_name"] == "shared"
    assert aws_subnet_group(world, GROUP_ID) is None
    run_module(module, dict(ABSENT, cache_subnet_group_name="shared"))
    assert aws_group(world) is None
    assert aws_subnet_group(world, "shared") is not None


def test_absent_removes_a_left_over_subnet_group(world):
    run_module(module, args(world))
    world["ecc"].delete_replication_group(ReplicationGroupId=GROUP_ID)
    result = run_module(module, ABSENT)
    assert result["changes"] == ["delete_subnet_group"]
    assert aws_subnet_group(world) is None


def in_use_once(monkeypatch):
    """Delete the subnet group only on the second try, as AWS does while the deleted group releases it."""
    real = ec.delete_subnet_group
    tries = []

    def flaky(client, name):
        tries.append(name)
        if len(tries) == 1:
            raise ClientError({"Error": {"Code": "CacheSubnetGroupInUse", "Message": "in use"}}, "DeleteCacheSubnetGroup")
        return real(client, name)

    monkeypatch.setattr(ec, "delete_subnet_group", flaky)
    monkeypatch.setattr(module.time, "sleep", lambda seconds: None)
    return tries


def test_absent_without_wait_leaves_a_note_when_the_subnet_group_is_in_use(world, monkeypatch):
    run_module(module, args(world))
    tries = in_use_once(monkeypatch)
    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, text: warnings.append(text))
    result = run_module(module, dict(ABSENT, wait=False))
    assert result["changes"] == ["delete"]
    assert len(tries) == 1
    assert warnings and "still in use" in warnings[0] and "run again" in warnings[0]
    assert aws_subnet_group(world) is not None
    # the next run finishes the job
    result = run_module(module, ABSENT)
    assert result["changes"] == ["delete_subnet_group"]
    assert aws_subnet_group(world) is None


def test_absent_with_wait_retries_until_the_subnet_group_is_free(world, monkeypatch):
    run_module(module, args(world))
    tries = in_use_once(monkeypatch)
    result = run_module(module, ABSENT)
    assert result["changes"] == ["delete", "delete_subnet_group"]
    assert len(tries) == 2
    assert aws_subnet_group(world) is None


def test_subnet_group_used_by_someone_else_fails_clearly(world, monkeypatch):
    run_module(module, args(world))
    world["ecc"].delete_replication_group(ReplicationGroupId=GROUP_ID)
    in_use_once(monkeypatch)
    result = fail_module(module, ABSENT)
    assert "still in use by another" in result["msg"]


def test_modify_waits_for_a_busy_group_first(world, monkeypatch):
    run_module(module, args(world))
    from moto.elasticache.models import elasticache_backends

    elasticache_backends[ACCOUNT_ID][REGION].replication_groups[GROUP_ID].status = "modifying"
    waited = []
    real = ec.wait_for

    def spy(client, name, group_id, timeout):
        waited.append(name)
        elasticache_backends[ACCOUNT_ID][REGION].replication_groups[GROUP_ID].status = "available"
        return real(client, name, group_id, timeout)

    monkeypatch.setattr(ec, "wait_for", spy)
    run_module(module, args(world, snapshot_retention_limit=3, wait=False))
    assert waited == ["replication_group_available"]
    assert aws_group(world)["SnapshotRetentionLimit"] == 3


def test_aws_error_is_actionable(world, monkeypatch):
    run_module(module, args(world))

    def refuse(client, group_id, params):
        raise ClientError({"Error": {"Code": "InvalidParameterCombination", "Message": "no"}}, "ModifyReplicationGroup")

    monkeypatch.setattr(ec, "modify_group", refuse)
    result = fail_module(module, args(world, cache_node_type="cache.t4g.small"))
    assert "Could not change node_type of replication group " + GROUP_ID in result["msg"]


def test_group_being_deleted_is_not_changed(world, monkeypatch, calls):
    run_module(module, args(world))
    from moto.elasticache.models import elasticache_backends

    elasticache_backends[ACCOUNT_ID][REGION].replication_groups[GROUP_ID].status = "deleting"
    del calls[:]
    result = fail_module(module, args(world, snapshot_retention_limit=1))
    assert "is deleting" in result["msg"]
    assert calls == []


def test_current_group_without_member_cluster_compares_only_what_is_known():
    group = {"ReplicationGroupId": "g", "Status": "creating", "MemberClusters": [], "AtRestEncryptionEnabled": True,
             "TransitEncryptionEnabled": True, "Engine": "redis", "MultiAZ": "enabled", "AutomaticFailover": "enabled"}
    current = ec.current_group(group)
    wanted = desired(num_cache_clusters=0, node_type=None, description=None, kms_key_id=None, snapshot_retention_limit=None,
                     snapshot_window=None)
    assert ec.settings_to_replace(current, wanted) == []
    assert ec.group_modifications(current, wanted) == {}


# ---------------------------------------------------------------- under the latency model (AWS's states in time)


@pytest.fixture
def aws_timing(world):
    """The localaws latency model, in-process: a creation lasts 1.2 s, a snapshot or a change 0.6 s. AWS refuses
    ListTagsForResource / AddTagsToResource meanwhile (InvalidReplicationGroupState)."""
    from localaws.model import MODEL

    MODEL.configure("aws", 0.002, consistency_seconds=0)
    yield MODEL
    MODEL.configure("off", 0.0)


def test_create_without_waiting_reports_the_tags_sent(world, aws_timing):
    result = run_module(module, args(world, wait=False))
    assert aws_group(world)["Status"] == "creating"
    with pytest.raises(ClientError) as refused:  # what the module no longer asks
        aws_tags(world)
    assert refused.value.response["Error"]["Code"] == "InvalidReplicationGroupState"
    assert result["changed"] is True
    assert result["replication_group"]["tags"] == {"Project": "streamflix", "Environment": "unit"}


def test_rerun_while_creating_waits_to_read_the_tags(world, aws_timing):
    run_module(module, args(world, wait=False))
    result = run_module(module, args(world, wait=False, wait_timeout=6))
    assert result["changed"] is False, result["changes"]
    assert result["replication_group"]["tags"] == {"Project": "streamflix", "Environment": "unit"}
    assert aws_group(world)["Status"] == "available"


def test_rerun_while_snapshotting_converges(world, aws_timing, calls):
    run_module(module, args(world, wait_timeout=6))
    world["ecc"].create_snapshot(ReplicationGroupId=GROUP_ID, SnapshotName="unit-daily")
    assert aws_group(world)["Status"] == "snapshotting"
    del calls[:]
    result = run_module(module, args(world, wait=False, wait_timeout=6))
    assert result["changed"] is False and calls == []
    assert result["replication_group"]["tags"] == {"Project": "streamflix", "Environment": "unit"}


def test_tag_change_while_snapshotting_is_made_once_available(world, aws_timing):
    run_module(module, args(world, wait_timeout=6))
    world["ecc"].create_snapshot(ReplicationGroupId=GROUP_ID, SnapshotName="unit-daily")
    tags = {"Project": "streamflix", "Environment": "unit", "Owner": "media"}
    result = run_module(module, args(world, wait=False, wait_timeout=6, tags=tags))
    assert result["changed"] is True and "tags" in result["changes"]
    assert aws_tags(world) == tags


def test_tags_refused_after_the_read_are_set_once_available(world, monkeypatch):
    """A snapshot that starts between the read and AddTagsToResource: the call is made again once available."""
    run_module(module, args(world))
    from moto.elasticache.models import elasticache_backends

    group = elasticache_backends[ACCOUNT_ID][REGION].replication_groups[GROUP_ID]
    real_add, real_wait, waited = ec.add_tags, ec.wait_for, []

    def add_during_snapshot(client, arn, tags):
        if not waited:
            group.status = "snapshotting"
        return real_add(client, arn, tags)

    def wait_for(client, name, group_id, timeout):
        waited.append(name)
        group.status = "available"
        return real_wait(client, name, group_id, timeout)

    monkeypatch.setattr(ec, "add_tags", add_during_snapshot)
    monkeypatch.setattr(ec, "wait_for", wait_for)
    tags = {"Project": "streamflix", "Environment": "unit", "Owner": "media"}
    result = run_module(module, args(world, tags=tags))
    assert result["changed"] is True and waited == ["replication_group_available"]
    assert aws_tags(world) == tags


def test_change_refused_after_the_read_is_made_once_available(world, monkeypatch):
    """A snapshot (or someone else's change) that starts between the read and ModifyReplicationGroup: AWS refuses
    with InvalidReplicationGroupState, and the change is made again once the group is available."""
    run_module(module, args(world))
    from moto.elasticache.models import elasticache_backends

    group = elasticache_backends[ACCOUNT_ID][REGION].replication_groups[GROUP_ID]
    real_modify, real_wait, waited = ec.modify_group, ec.wait_for, []

    def modify_during_snapshot(client, group_id, params):
        if not waited:
            group.status = "snapshotting"
        return real_modify(client, group_id, params)

    def wait_for(client, name, group_id, timeout):
        waited.append(name)
        group.status = "available"
        return real_wait(client, name, group_id, timeout)

    monkeypatch.setattr(ec, "modify_group", modify_during_snapshot)
    monkeypatch.setattr(ec, "wait_for", wait_for)
    result = run_module(module, args(world, snapshot_retention_limit=3, wait=False))
    assert result["changed"] is True and waited == ["replication_group_available"]
    assert aws_group(world)["SnapshotRetentionLimit"] == 3
