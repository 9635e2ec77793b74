"""aurora_serverless_v2 against in-process moto (with the localaws RDS fill), the AWS state read back through boto3."""

from __future__ import annotations

import boto3
import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils import rds
from ansible_collections.streamflix.media_platform.plugins.modules import aurora_serverless_v2
from localaws.fills import rds as rds_fill
from module_harness import REGION, aws_env, fail_module, moto, run_module  # noqa: F401

CLUSTER = "streamflix-db-unit"
TAGS = {"Project": "streamflix", "Environment": "unit"}


# ---------------------------------------------------------------- pure functions


def params(**extra):
    base = {
        "state": "present",
        "cluster_identifier": CLUSTER,
        "min_capacity": 0.5,
        "max_capacity": 2.0,
        "reader_count": 1,
        "subnet_ids": ["subnet-a", "subnet-b"],
        "backup_retention_period": 7,
        "skip_final_snapshot": False,
        "final_snapshot_identifier": None,
    }
    base.update(extra)
    return base


@pytest.mark.parametrize(
    "change, fragment",
    [
        ({}, None),
        ({"min_capacity": 0}, None),
        ({"min_capacity": 256, "max_capacity": 256}, None),
        ({"min_capacity": 0.25}, "min_capacity must be 0 or 0.5 to 256"),
        ({"min_capacity": 1.2}, "min_capacity must be 0 or 0.5 to 256"),
        ({"max_capacity": 0.5, "min_capacity": 0.5}, "max_capacity must be 1 to 256"),
        ({"max_capacity": 256.5}, "max_capacity must be 1 to 256"),
        ({"min_capacity": 4, "max_capacity": 2}, "min_capacity (4) must not exceed max_capacity (2"),
        ({"reader_count": -1}, "reader_count must be 0 or more"),
        ({"backup_retention_period": 0}, "backup_retention_period must be 1 to 35"),
        ({"backup_retention_period": 36}, "backup_retention_period must be 1 to 35"),
        ({"subnet_ids": []}, "subnet_ids must list"),
        ({"cluster_identifier": "1abc"}, "is not a valid DB cluster identifier"),
        ({"cluster_identifier": "a--b"}, "is not a valid DB cluster identifier"),
        ({"cluster_identifier": "ab-"}, "is not a valid DB cluster identifier"),
        ({"cluster_identifier": "a" * 62}, "would exceed 63 characters"),
        ({"state": "absent", "min_capacity": None, "skip_final_snapshot": True}, None),
        ({"state": "absent", "final_snapshot_identifier": "snap"}, None),
        ({"state": "absent"}, "needs final_snapshot_identifier, or skip_final_snapshot=true"),
        ({"state": "absent", "skip_final_snapshot": True, "final_snapshot_identifier": "s"}, "cannot be used with skip_final_snapshot"),
        ({"state": "absent", "final_snapshot_identifier": "Streamflix-Aurora-Prod-Final-20250101120000"}, None),
        ({"state": "absent", "final_snapshot_identifier": "s" * 255}, None),
        ({"state": "absent", "final_snapshot_identifier": "s" * 256}, "is not a valid DB cluster snapshot identifier"),
        ({"state": "absent", "final_snapshot_identifier": "1final"}, "is not a valid DB cluster snapshot identifier"),
        ({"state": "absent", "final_snapshot_identifier": "final--1"}, "is not a valid DB cluster snapshot identifier"),
        ({"state": "absent", "final_snapshot_identifier": "final-"}, "is not a valid DB cluster snapshot identifier"),
        ({"state": "absent", "final_snapshot_identifier": "final_1"}, "is not a valid DB cluster snapshot identifier"),
        ({"state": "absent", "final_snapshot_identifier": "final-1\n"}, "is not a valid DB cluster snapshot identifier"),
    ],
)
def test_input_errors(change, fragment):
    errors = rds.input_errors(params(**change))
    if fragment is None:
        assert errors == []
    else:
        assert any(fragment in error for error in errors), errors


@pytest.mark.parametrize(
    "current, desired, expected",
    [
        ("16.4", "16.4", None),
        ("16.4", "16", None),
        ("16.4", None, None),
        ("16.4", "16.6", "upgrade"),
        ("16.4", "16.10", "upgrade"),
        ("16.10", "16.9", "downgrade"),
        ("16.4", "17.2", "major"),
        ("16.4", "15.8", "downgrade"),
    ],
)
def test_version_change(current, desired, expected):
    assert rds.version_change(current, desired) == expected


@pytest.mark.parametrize(
    "current, desired, expected",
    [
        ("arn:aws:kms:us-east-1:1:key/abc", "abc", True),
        ("arn:aws:kms:us-east-1:1:key/abc", "arn:aws:kms:us-east-1:1:key/abc", True),
        ("arn:aws:kms:us-east-1:1:key/abc", "abd", False),
    ],
)
def test_keys_match(current, desired, expected):
    assert rds.keys_match(current, desired) is expected


VIEW = {
    "identifier": CLUSTER,
    "arn": "arn:aws:rds:us-east-1:123456789012:cluster:" + CLUSTER,
    "engine": "aurora-postgresql",
    "engine_version": "16.4",
    "database_name": "media",
    "master_username": "streamflix",
    "master_user_secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-x",
    "master_user_secret_kms_key_id": "arn:aws:kms:us-east-1:123456789012:key/k1",
    "port": 5432,
    "min_capacity": 0.5,
    "max_capacity": 2.0,
    "vpc_security_group_ids": ["sg-1"],
    "storage_encrypted": True,
    "kms_key_id": "arn:aws:kms:us-east-1:123456789012:key/k1",
    "backup_retention_period": 7,
    "preferred_backup_window": "03:00-03:30",
    "preferred_maintenance_window": "sun:04:00-sun:04:30",
    "enabled_cloudwatch_logs_exports": ["postgresql"],
    "deletion_protection": False,
    "copy_tags_to_snapshot": True,
    "iam_database_authentication_enabled": False,
    "http_endpoint_enabled": True,
    "tags": {},
}
SAME = {k: v for k, v in VIEW.items() if k not in ("arn", "master_user_secret_arn", "identifier")}


@pytest.mark.parametrize(
    "change, expected",
    [
        ({}, []),
        ({"engine_version": None, "database_name": None, "kms_key_id": None}, []),
        ({"kms_key_id": "k1"}, []),
        ({"database_name": "other"}, [("database_name", "media", "other")]),
        ({"master_username": "admin"}, [("master_username", "streamflix", "admin")]),
        ({"storage_encrypted": False}, [("storage_encrypted", True, False)]),
        ({"kms_key_id": "k2"}, [("kms_key_id", VIEW["kms_key_id"], "k2")]),
        ({"master_user_secret_kms_key_id": "k2"}, [("master_user_secret_kms_key_id", VIEW["kms_key_id"], "k2")]),
    ],
)
def test_immutable_conflicts(change, expected):
    assert rds.immutable_conflicts(VIEW, dict(SAME, **change)) == expected


def test_secret_key_is_no_conflict_while_the_password_is_not_managed():
    current = dict(VIEW, master_user_secret_arn=None, master_user_secret_kms_key_id=None)
    assert rds.immutable_conflicts(current, dict(SAME, master_user_secret_kms_key_id="k2")) == []


@pytest.mark.parametrize(
    "change, request_, changed",
    [
        ({}, {}, []),
        ({"port": None, "backup_retention_period": None, "deletion_protection": None}, {}, []),
        ({"preferred_maintenance_window": "Sun:04:00-Sun:04:30".lower()}, {}, []),
        (
            {"max_capacity": 4.0},
            {"ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 4.0}},
            ["max_capacity"],
        ),
        (
            {"min_capacity": 1.0, "max_capacity": 8.0},
            {"ServerlessV2ScalingConfiguration": {"MinCapacity": 1.0, "MaxCapacity": 8.0}},
            ["min_capacity", "max_capacity"],
        ),
        ({"backup_retention_period": 14}, {"BackupRetentionPeriod": 14}, ["backup_retention_period"]),
        ({"preferred_backup_window": "05:00-05:30"}, {"PreferredBackupWindow": "05:00-05:30"}, ["preferred_backup_window"]),
        ({"deletion_protection": True}, {"DeletionProtection": True}, ["deletion_protection"]),
        ({"copy_tags_to_snapshot": False}, {"CopyTagsToSnapshot": False}, ["copy_tags_to_snapshot"]),
        (
            {"iam_database_authentication_enabled": True},
            {"EnableIAMDatabaseAuthentication": True},
            ["iam_database_authentication_enabled"],
        ),
        ({"iam_database_authentication_enabled": None}, {}, []),
        ({"port": 5433}, {"Port": 5433}, ["port"]),
        ({"vpc_security_group_ids": ["sg-1", "sg-2"]}, {"VpcSecurityGroupIds": ["sg-1", "sg-2"]}, ["vpc_security_group_ids"]),
        (
            {"enabled_cloudwatch_logs_exports": []},
            {"CloudwatchLogsExportConfiguration": {"EnableLogTypes": [], "DisableLogTypes": ["postgresql"]}},
            ["enabled_cloudwatch_logs_exports"],
        ),
        (
            {"enabled_cloudwatch_logs_exports": ["instance", "postgresql"]},
            {"CloudwatchLogsExportConfiguration": {"EnableLogTypes": ["instance"], "DisableLogTypes": []}},
            ["enabled_cloudwatch_logs_exports"],
        ),
        ({"engine_version": "16.6"}, {"EngineVersion": "16.6"}, ["engine_version"]),
        ({"engine_version": "17.2"}, {"EngineVersion": "17.2", "AllowMajorVersionUpgrade": True}, ["engine_version"]),
        ({"engine_version": "16.1"}, {}, []),
    ],
)
def test_cluster_modifications(change, request_, changed):
    assert rds.cluster_modifications(VIEW, dict(SAME, **change)) == (request_, changed)


def test_cluster_modifications_turn_on_the_managed_password():
    current = dict(VIEW, master_user_secret_arn=None, master_user_secret_kms_key_id=None)
    request, changed = rds.cluster_modifications(current, SAME)
    assert request == {"ManageMasterUserPassword": True, "MasterUserSecretKmsKeyId": SAME["master_user_secret_kms_key_id"]}
    assert changed == ["manage_master_user_password"]


def instance(number, role="reader", status="available", name=CLUSTER):
    return {"id": "{0}-{1}".format(name, number), "role": role, "status": status}


@pytest.mark.parametrize(
    "instances, readers, zones, to_add, to_remove",
    [
        ([], 1, ["a", "b"], [(CLUSTER + "-1", "a"), (CLUSTER + "-2", "b")], []),
        ([], 0, [], [(CLUSTER + "-1", None)], []),
        ([instance(1, "writer")], 3, ["a", "b"], [(CLUSTER + "-2", "b"), (CLUSTER + "-3", "a"), (CLUSTER + "-4", "b")], []),
        ([instance(1, "writer"), instance(3)], 2, ["a", "b", "c"], [(CLUSTER + "-2", "b")], []),
        ([instance(1, "writer"), instance(2), instance(3), instance(4)], 1, ["a"], [], [CLUSTER + "-4", CLUSTER + "-3"]),
        # after a failover the writer is -3: it stays, the highest readers go
        ([instance(1), instance(2), instance(3, "writer")], 0, [], [], [CLUSTER + "-2", CLUSTER + "-1"]),
        # an instance the module did not name counts but is never removed
        ([instance(1, "writer"), {"id": "manual", "role": "reader", "status": "available"}, instance(2)], 0, [], [], [CLUSTER + "-2"]),
        # an instance already being deleted does not count, and its number is not reused
        ([instance(1, "writer"), instance(2, status="deleting")], 1, ["a", "b"], [(CLUSTER + "-3", "a")], []),
        ([instance(1, "writer"), instance(2)], 1, ["a"], [], []),
    ],
)
def test_plan_instances(instances, readers, zones, to_add, to_remove):
    assert rds.plan_instances(CLUSTER, instances, readers, zones) == (to_add, to_remove)


@pytest.mark.parametrize(
    "identifier, expected",
    [(CLUSTER + "-1", 1), (CLUSTER + "-12", 12), (CLUSTER + "-01", None), (CLUSTER + "-x", None), ("other-1", None)],
)
def test_instance_number(identifier, expected):
    assert rds.instance_number(CLUSTER, identifier) == expected


@pytest.mark.parametrize(
    "current, expected",
    [
        ({"instance_class": "db.serverless", "publicly_accessible": False}, {}),
        ({"instance_class": "db.r6g.large", "publicly_accessible": False}, {"DBInstanceClass": "db.serverless"}),
        ({"instance_class": "db.serverless", "publicly_accessible": True}, {"PubliclyAccessible": False}),
    ],
)
def test_instance_fixes(current, expected):
    assert rds.instance_fixes(current) == expected


def test_create_request_sends_only_what_was_asked():
    desired = rds.desired_settings(dict(params(), engine="aurora-postgresql", master_username="u", tags=None, storage_encrypted=True))
    request = rds.create_cluster_request(desired, CLUSTER)
    assert request == {
        "DBClusterIdentifier": CLUSTER,
        "Engine": "aurora-postgresql",
        "EngineMode": "provisioned",
        "MasterUsername": "u",
        "ManageMasterUserPassword": True,
        "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 2.0},
        "DBSubnetGroupName": CLUSTER,
        "StorageEncrypted": True,
        "Tags": [],
        "BackupRetentionPeriod": 7,
    }
    assert "MasterUserPassword" not in request


# ---------------------------------------------------------------- module against moto


@pytest.fixture
def world(moto):
    rds_fill.apply()
    ec2 = boto3.client("ec2", region_name=REGION)
    kms = boto3.client("kms", region_name=REGION)
    vpc_id = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.30.{0}.0/24".format(i), AvailabilityZone=REGION + zone)["Subnet"]["SubnetId"]
        for i, zone in ((1, "a"), (2, "b"), (3, "c"))
    ]
    groups = [ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id)["GroupId"] for name in ("db", "db2")]
    key = kms.create_key(Description="streamflix unit")["KeyMetadata"]
    kms.create_alias(AliasName="alias/streamflix-unit", TargetKeyId=key["KeyId"])
    return {
        "rds": boto3.client("rds", region_name=REGION),
        "subnets": subnets,
        "groups": groups,
        "key_arn": key["Arn"],
        "key_id": key["KeyId"],
    }


def args(world, **extra):
    base = {
        "cluster_identifier": CLUSTER,
        "engine_version": "16.4",
        "database_name": "media",
        "master_username": "streamflix",
        "kms_key_id": world["key_arn"],
        "min_capacity": 0.5,
        "max_capacity": 2,
        "reader_count": 1,
        "availability_zones": [REGION + "a", REGION + "b"],
        "subnet_ids": world["subnets"][:2],
        "vpc_security_group_ids": [world["groups"][0]],
        "backup_retention_period": 7,
        "preferred_backup_window": "03:00-03:30",
        "preferred_maintenance_window": "sun:04:00-sun:04:30",
        "enable_cloudwatch_logs_exports": ["postgresql"],
        "deletion_protection": False,
        "copy_tags_to_snapshot": True,
        "enable_http_endpoint": True,
        "tags": dict(TAGS),
        "wait_timeout": 60,
    }
    base.update(extra)
    return base


def absent(**extra):
    base = {"cluster_identifier": CLUSTER, "state": "absent", "skip_final_snapshot": True, "wait_timeout": 60}
    base.update(extra)
    return base


def aws_cluster(world):
    clusters = world["rds"].describe_db_clusters(Filters=[{"Name": "db-cluster-id", "Values": [CLUSTER]}])["DBClusters"]
    return clusters[0] if clusters else None


def aws_instances(world):
    found = world["rds"].describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [CLUSTER]}])["DBInstances"]
    return {i["DBInstanceIdentifier"]: i for i in found}


def aws_subnet_group(world):
    groups = [g for g in world["rds"].describe_db_subnet_groups()["DBSubnetGroups"] if g["DBSubnetGroupName"] == CLUSTER]
    return groups[0] if groups else None


def aws_tags(world, arn):
    return {t["Key"]: t["Value"] for t in world["rds"].list_tags_for_resource(ResourceName=arn)["TagList"]}


def writer_of(cluster):
    return [m["DBInstanceIdentifier"] for m in cluster["DBClusterMembers"] if m["IsClusterWriter"]]


@pytest.fixture
def sent(monkeypatch):
    """Records the requests the module sends to ModifyDBCluster and ModifyDBSubnetGroup."""
    calls = []
    original_cluster, original_group = rds.modify_cluster, rds.modify_subnet_group

    def modify_cluster(client, identifier, request):
        calls.append(("cluster", dict(request)))
        return original_cluster(client, identifier, request)

    def modify_subnet_group(client, name, subnet_ids):
        calls.append(("subnet_group", list(subnet_ids)))
        return original_group(client, name, subnet_ids)

    monkeypatch.setattr(rds, "modify_cluster", modify_cluster)
    monkeypatch.setattr(rds, "modify_subnet_group", modify_subnet_group)
    return calls


def test_create(world):
    result = run_module(aurora_serverless_v2, args(world))
    assert result["changed"] is True
    cluster = aws_cluster(world)
    assert cluster["Engine"] == "aurora-postgresql"
    assert cluster["EngineMode"] == "provisioned"
    assert cluster["EngineVersion"] == "16.4"
    assert cluster["DatabaseName"] == "media"
    assert cluster["MasterUsername"] == "streamflix"
    assert cluster["MasterUserSecret"]["KmsKeyId"] == world["key_arn"]
    assert cluster["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 2.0}
    assert cluster["StorageEncrypted"] is True
    assert cluster["KmsKeyId"] == world["key_arn"]
    assert cluster["DBSubnetGroup"] == CLUSTER
    assert [g["VpcSecurityGroupId"] for g in cluster["VpcSecurityGroups"]] == [world["groups"][0]]
    assert cluster["BackupRetentionPeriod"] == 7
    assert cluster["PreferredBackupWindow"] == "03:00-03:30"
    assert cluster["PreferredMaintenanceWindow"] == "sun:04:00-sun:04:30"
    assert cluster["EnabledCloudwatchLogsExports"] == ["postgresql"]
    assert cluster["DeletionProtection"] is False
    assert cluster["CopyTagsToSnapshot"] is True
    assert cluster["HttpEndpointEnabled"] is True
    assert aws_tags(world, cluster["DBClusterArn"]) == TAGS
    assert writer_of(cluster) == [CLUSTER + "-1"]

    instances = aws_instances(world)
    assert sorted(instances) == [CLUSTER + "-1", CLUSTER + "-2"]
    assert instances[CLUSTER + "-1"]["AvailabilityZone"] == REGION + "a"
    assert instances[CLUSTER + "-2"]["AvailabilityZone"] == REGION + "b"
    for entry in instances.values():
        assert entry["DBInstanceClass"] == "db.serverless"
        assert entry["PubliclyAccessible"] is False
        assert aws_tags(world, entry["DBInstanceArn"]) == TAGS

    group = aws_subnet_group(world)
    assert sorted(s["SubnetIdentifier"] for s in group["Subnets"]) == sorted(world["subnets"][:2])
    assert aws_tags(world, group["DBSubnetGroupArn"]) == TAGS

    view = result["cluster"]
    assert view["identifier"] == CLUSTER
    assert view["arn"] == cluster["DBClusterArn"]
    assert view["endpoint"] == cluster["Endpoint"]
    assert view["reader_endpoint"] == cluster["ReaderEndpoint"]
    assert view["port"] == 5432
    assert view["master_user_secret_arn"] == cluster["MasterUserSecret"]["SecretArn"]
    assert (view["min_capacity"], view["max_capacity"]) == (0.5, 2.0)
    assert [(i["id"], i["role"], i["availability_zone"]) for i in view["instances"]] == [
        (CLUSTER + "-1", "writer", REGION + "a"),
        (CLUSTER + "-2", "reader", REGION + "b"),
    ]
    assert result["changes"] == [
        "create DB subnet group " + CLUSTER,
        "create cluster " + CLUSTER,
        "create instance {0}-1 (writer) in {1}a".format(CLUSTER, REGION),
        "create instance {0}-2 (reader) in {1}b".format(CLUSTER, REGION),
    ]
    assert result["diff"] == {"before": {}, "after": view}
    assert "password" not in str(result).lower().replace("manage_master_user_password", "")


def test_second_run_is_idempotent(world, sent):
    first = run_module(aurora_serverless_v2, args(world))
    second = run_module(aurora_serverless_v2, args(world))
    assert second["changed"] is False
    assert second["changes"] == []
    assert sent == []
    assert second["diff"]["before"] == second["diff"]["after"]
    assert second["cluster"]["arn"] == first["cluster"]["arn"]
    assert sorted(aws_instances(world)) == [CLUSTER + "-1", CLUSTER + "-2"]


def test_key_alias_and_key_id_compare_with_the_arn(world):
    run_module(aurora_serverless_v2, args(world))
    assert run_module(aurora_serverless_v2, args(world, kms_key_id="alias/streamflix-unit"))["changed"] is False
    assert run_module(aurora_serverless_v2, args(world, kms_key_id=world["key_id"]))["changed"] is False


def test_create_without_waiting(world):
    result = run_module(aurora_serverless_v2, args(world, wait=False))
    assert result["changed"] is True
    assert aws_cluster(world) is not None
    assert sorted(aws_instances(world)) == [CLUSTER + "-1", CLUSTER + "-2"]


def test_check_mode_create_changes_nothing(world):
    result = run_module(aurora_serverless_v2, args(world), check_mode=True)
    assert result["changed"] is True
    assert aws_cluster(world) is None
    assert aws_subnet_group(world) is None
    view = result["cluster"]
    assert view["arn"] is None
    assert view["status"] == "creating"
    assert (view["min_capacity"], view["max_capacity"]) == (0.5, 2.0)
    assert [(i["id"], i["role"]) for i in view["instances"]] == [(CLUSTER + "-1", "writer"), (CLUSTER + "-2", "reader")]
    assert result["diff"] == {"before": {}, "after": view}
    assert result["changes"][1] == "create cluster " + CLUSTER


def test_capacity_and_backups_change_in_place(world, sent):
    first = run_module(aurora_serverless_v2, args(world))
    result = run_module(aurora_serverless_v2, args(world, min_capacity=1, max_capacity=8, backup_retention_period=14))
    assert result["changed"] is True
    assert sent == [
        (
            "cluster",
            {"ServerlessV2ScalingConfiguration": {"MinCapacity": 1.0, "MaxCapacity": 8.0}, "BackupRetentionPeriod": 14},
        )
    ]
    assert result["changes"] == ["modify cluster {0}: min_capacity, max_capacity, backup_retention_period".format(CLUSTER)]
    cluster = aws_cluster(world)
    assert cluster["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 1.0, "MaxCapacity": 8.0}
    assert cluster["BackupRetentionPeriod"] == 14
    assert cluster["DBClusterArn"] == first["cluster"]["arn"]
    assert result["diff"]["before"]["max_capacity"] == 2.0
    assert result["diff"]["after"]["max_capacity"] == 8.0
    assert run_module(aurora_serverless_v2, args(world, min_capacity=1, max_capacity=8, backup_retention_period=14))["changed"] is False


def test_check_mode_modify_changes_nothing(world, sent):
    run_module(aurora_serverless_v2, args(world))
    result = run_module(aurora_serverless_v2, args(world, max_capacity=4, reader_count=2), check_mode=True)
    assert result["changed"] is True
    assert sent == []
    assert aws_cluster(world)["ServerlessV2ScalingConfiguration"]["MaxCapacity"] == 2.0
    assert sorted(aws_instances(world)) == [CLUSTER + "-1", CLUSTER + "-2"]
    assert result["cluster"]["max_capacity"] == 4
    assert [i["id"] for i in result["cluster"]["instances"]] == [CLUSTER + "-1", CLUSTER + "-2", CLUSTER + "-3"]
    assert result["diff"]["before"]["max_capacity"] == 2.0


def test_other_settings_change_in_place(world, sent):
    run_module(aurora_serverless_v2, args(world))
    changed = args(
        world,
        enable_cloudwatch_logs_exports=[],
        deletion_protection=True,
        copy_tags_to_snapshot=False,
        preferred_backup_window="05:00-05:30",
        preferred_maintenance_window="Mon:06:00-Mon:06:30",
        vpc_security_group_ids=world["groups"],
        enable_http_endpoint=False,
    )
    result = run_module(aurora_serverless_v2, changed)
    assert result["changed"] is True
    [(kind, request)] = sent
    assert request == {
        "VpcSecurityGroupIds": sorted(world["groups"]),
        "PreferredBackupWindow": "05:00-05:30",
        "PreferredMaintenanceWindow": "mon:06:00-mon:06:30",
        "CloudwatchLogsExportConfiguration": {"EnableLogTypes": [], "DisableLogTypes": ["postgresql"]},
        "DeletionProtection": True,
        "CopyTagsToSnapshot": False,
    }
    cluster = aws_cluster(world)
    assert cluster["EnabledCloudwatchLogsExports"] == []
    assert cluster["DeletionProtection"] is True
    assert cluster["CopyTagsToSnapshot"] is False
    assert cluster["HttpEndpointEnabled"] is False
    assert cluster["PreferredMaintenanceWindow"] == "mon:06:00-mon:06:30"
    assert sorted(g["VpcSecurityGroupId"] for g in cluster["VpcSecurityGroups"]) == sorted(world["groups"])
    assert "disable the Data API (HTTP endpoint) of " + CLUSTER in result["changes"]
    assert run_module(aurora_serverless_v2, changed)["changed"] is False


def test_iam_database_authentication_at_creation_and_in_place(world, sent):
    run_module(aurora_serverless_v2, args(world, enable_iam_database_authentication=True))
    assert aws_cluster(world)["IAMDatabaseAuthenticationEnabled"] is True
    sent.clear()
    assert run_module(aurora_serverless_v2, args(world, enable_iam_database_authentication=True))["changed"] is False
    assert run_module(aurora_serverless_v2, args(world))["changed"] is False  # omitted: left alone
    projected = run_module(aurora_serverless_v2, args(world, enable_iam_database_authentication=False), check_mode=True)
    assert projected["changed"] is True and sent == []
    assert projected["diff"]["before"]["iam_database_authentication_enabled"] is True
    assert projected["diff"]["after"]["iam_database_authentication_enabled"] is False
    assert aws_cluster(world)["IAMDatabaseAuthenticationEnabled"] is True
    result = run_module(aurora_serverless_v2, args(world, enable_iam_database_authentication=False))
    assert [request for _kind, request in sent] == [{"EnableIAMDatabaseAuthentication": False}]
    assert result["cluster"]["iam_database_authentication_enabled"] is False
    assert aws_cluster(world)["IAMDatabaseAuthenticationEnabled"] is False


def test_reader_count_adds_and_removes_readers(world):
    run_module(aurora_serverless_v2, args(world))
    up = run_module(aurora_serverless_v2, args(world, reader_count=3))
    assert up["changed"] is True
    instances = aws_instances(world)
    assert sorted(instances) == [CLUSTER + "-{0}".format(n) for n in (1, 2, 3, 4)]
    assert instances[CLUSTER + "-3"]["AvailabilityZone"] == REGION + "a"
    assert instances[CLUSTER + "-4"]["AvailabilityZone"] == REGION + "b"
    assert aws_tags(world, instances[CLUSTER + "-4"]["DBInstanceArn"]) == TAGS
    assert writer_of(aws_cluster(world)) == [CLUSTER + "-1"]

    down = run_module(aurora_serverless_v2, args(world, reader_count=1))
    assert down["changes"] == ["delete instance {0}-4 (reader)".format(CLUSTER), "delete instance {0}-3 (reader)".format(CLUSTER)]
    assert sorted(aws_instances(world)) == [CLUSTER + "-1", CLUSTER + "-2"]
    assert [i["id"] for i in down["cluster"]["instances"]] == [CLUSTER + "-1", CLUSTER + "-2"]


def test_writer_is_kept_after_a_failover(world):
    run_module(aurora_serverless_v2, args(world))
    world["rds"].failover_db_cluster(DBClusterIdentifier=CLUSTER, TargetDBInstanceIdentifier=CLUSTER + "-2")
    result = run_module(aurora_serverless_v2, args(world, reader_count=0))
    assert result["changes"] == ["delete instance {0}-1 (reader)".format(CLUSTER)]
    assert sorted(aws_instances(world)) == [CLUSTER + "-2"]
    assert writer_of(aws_cluster(world)) == [CLUSTER + "-2"]


def test_public_instance_is_made_private(world):
    run_module(aurora_serverless_v2, args(world))
    world["rds"].modify_db_instance(DBInstanceIdentifier=CLUSTER + "-2", PubliclyAccessible=True, ApplyImmediately=True)
    result = run_module(aurora_serverless_v2, args(world))
    assert result["changes"] == ["modify instance {0}-2: PubliclyAccessible".format(CLUSTER)]
    assert aws_instances(world)[CLUSTER + "-2"]["PubliclyAccessible"] is False


def test_subnet_ids_change_modifies_the_subnet_group(world, sent):
    run_module(aurora_serverless_v2, args(world))
    result = run_module(aurora_serverless_v2, args(world, subnet_ids=world["subnets"]))
    assert result["changed"] is True
    assert sent == [("subnet_group", sorted(world["subnets"]))]
    assert sorted(s["SubnetIdentifier"] for s in aws_subnet_group(world)["Subnets"]) == sorted(world["subnets"])
    assert result["cluster"]["subnet_ids"] == sorted(world["subnets"])


def test_tags_update_cluster_instances_and_subnet_group(world):
    run_module(aurora_serverless_v2, args(world))
    result = run_module(aurora_serverless_v2, args(world, tags={"Project": "streamflix", "Owner": "media"}))
    assert result["changed"] is True
    expected = {"Project": "streamflix", "Owner": "media"}
    cluster = aws_cluster(world)
    assert aws_tags(world, cluster["DBClusterArn"]) == expected
    for entry in aws_instances(world).values():
        assert aws_tags(world, entry["DBInstanceArn"]) == expected
    assert aws_tags(world, aws_subnet_group(world)["DBSubnetGroupArn"]) == expected
    assert result["diff"]["before"]["tags"] == TAGS
    assert result["diff"]["after"]["tags"] == expected


def test_tags_without_purge_keep_others(world):
    run_module(aurora_serverless_v2, args(world))
    run_module(aurora_serverless_v2, args(world, tags={"Owner": "media"}, purge_tags=False))
    assert aws_tags(world, aws_cluster(world)["DBClusterArn"]) == dict(TAGS, Owner="media")


def test_tags_omitted_are_left_alone(world):
    run_module(aurora_serverless_v2, args(world))
    params_ = args(world)
    del params_["tags"]
    assert run_module(aurora_serverless_v2, params_)["changed"] is False
    assert aws_tags(world, aws_cluster(world)["DBClusterArn"]) == TAGS


@pytest.mark.parametrize(
    "change, option",
    [
        ({"database_name": "other"}, "database_name"),
        ({"master_username": "admin"}, "master_username"),
        ({"storage_encrypted": False, "kms_key_id": None, "master_user_secret_kms_key_id": "alias/streamflix-unit"}, "storage_encrypted"),
        ({"kms_key_id": "alias/aws/rds"}, "kms_key_id"),
    ],
)
def test_immutable_change_fails_without_changing_anything(world, sent, change, option):
    boto3.client("kms", region_name=REGION).create_key()  # moto resolves aws/rds only once some key exists; any key will do
    run_module(aurora_serverless_v2, args(world))
    if option == "kms_key_id":
        other = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
        change = {"kms_key_id": other, "master_user_secret_kms_key_id": world["key_arn"]}
    result = fail_module(aurora_serverless_v2, args(world, max_capacity=4, **change))
    assert "cannot change {0} in place".format(option) in result["msg"]
    assert "will not do silently" in result["msg"]
    assert result["conflicts"][0]["option"] == option
    assert sent == []
    assert aws_cluster(world)["ServerlessV2ScalingConfiguration"]["MaxCapacity"] == 2.0


def test_engine_version_minor_upgrade_major_refused(world, sent):
    run_module(aurora_serverless_v2, args(world))
    result = fail_module(aurora_serverless_v2, args(world, engine_version="17.2"))
    assert "allow_major_version_upgrade=true" in result["msg"]
    assert sent == []
    upgraded = run_module(aurora_serverless_v2, args(world, engine_version="16.6"))
    assert sent == [("cluster", {"EngineVersion": "16.6"})]
    assert aws_cluster(world)["EngineVersion"] == "16.6"
    assert upgraded["cluster"]["engine_version"] == "16.6"
    # AWS ahead of the inventory (an automatic minor upgrade): left alone
    assert run_module(aurora_serverless_v2, args(world, engine_version="16.4"))["changed"] is False


def test_existing_cluster_gets_a_managed_password(world, sent):
    world["rds"].create_db_subnet_group(DBSubnetGroupName=CLUSTER, DBSubnetGroupDescription="d", SubnetIds=world["subnets"][:2])
    world["rds"].create_db_cluster(
        DBClusterIdentifier=CLUSTER,
        Engine="aurora-postgresql",
        EngineVersion="16.4",
        DatabaseName="media",
        MasterUsername="streamflix",
        MasterUserPassword="not-managed-123",
        DBSubnetGroupName=CLUSTER,
        StorageEncrypted=True,
        KmsKeyId=world["key_arn"],
        ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 2},
    )
    result = run_module(aurora_serverless_v2, args(world, reader_count=0))
    [(kind, request)] = sent
    assert request["ManageMasterUserPassword"] is True
    assert request["MasterUserSecretKmsKeyId"] == world["key_arn"]
    assert aws_cluster(world)["MasterUserSecret"]["KmsKeyId"] == world["key_arn"]
    assert result["cluster"]["master_user_secret_arn"]


def test_invalid_arguments_fail_before_any_change(world):
    result = fail_module(aurora_serverless_v2, args(world, min_capacity=4, max_capacity=2))
    assert "min_capacity (4.0) must not exceed max_capacity (2.0)" in result["msg"]
    assert aws_cluster(world) is None and aws_subnet_group(world) is None


def test_absent_removes_readers_writer_cluster_and_subnet_group(world):
    run_module(aurora_serverless_v2, args(world, reader_count=2))
    result = run_module(aurora_serverless_v2, absent())
    assert result["changed"] is True
    assert result["changes"] == [
        "delete instance {0}-3 (reader)".format(CLUSTER),
        "delete instance {0}-2 (reader)".format(CLUSTER),
        "delete instance {0}-1 (writer)".format(CLUSTER),
        "delete cluster {0} without a final snapshot".format(CLUSTER),
        "delete DB subnet group " + CLUSTER,
    ]
    assert aws_cluster(world) is None
    assert aws_instances(world) == {}
    assert aws_subnet_group(world) is None
    assert result["cluster"] == {}
    assert result["diff"]["before"]["identifier"] == CLUSTER
    assert result["diff"]["after"] == {}
    assert result["final_snapshot_identifier"] is None
    assert world["rds"].describe_db_cluster_snapshots(DBClusterIdentifier=CLUSTER, SnapshotType="manual")["DBClusterSnapshots"] == []


def test_absent_without_waiting_leaves_the_subnet_group_of_a_deleting_cluster_to_a_later_run(world):
    import time

    from localaws.model import MODEL

    run_module(aurora_serverless_v2, args(world))
    MODEL.configure("aws", 0.02)  # the instances stay "deleting" for 6 s; AWS deletes the cluster meanwhile
    try:
        started = run_module(aurora_serverless_v2, absent(wait=False, skip_final_snapshot=False, final_snapshot_identifier=CLUSTER + "-final"))
        assert started["changes"] == [
            "delete instance {0}-2 (reader)".format(CLUSTER),
            "delete instance {0}-1 (writer)".format(CLUSTER),
            "delete cluster {0} with final snapshot {0}-final".format(CLUSTER),
        ]
        assert started["final_snapshot_identifier"] == CLUSTER + "-final"
        assert manual_snapshots(world).keys() == {CLUSTER + "-final"}
        assert aws_cluster(world)["Status"] == "deleting"
        assert {i["DBInstanceStatus"] for i in aws_instances(world).values()} == {"deleting"}
        assert aws_subnet_group(world) is not None  # AWS refuses to delete it while the cluster uses it
        # A second run while the cluster is deleting takes no second snapshot and changes nothing.
        again = run_module(aurora_serverless_v2, absent(wait=False, skip_final_snapshot=False, final_snapshot_identifier=CLUSTER + "-final2"))
        assert again["changed"] is False and manual_snapshots(world).keys() == {CLUSTER + "-final"}
        deadline = time.monotonic() + 30
        while aws_cluster(world) is not None:  # the model's clock: the cluster goes with its last instance
            assert time.monotonic() < deadline
            time.sleep(0.1)
            MODEL.settle()
        assert aws_instances(world) == {}
        finished = run_module(aurora_serverless_v2, absent())
        assert finished["changes"] == ["delete DB subnet group " + CLUSTER]
        assert aws_subnet_group(world) is None
    finally:
        MODEL.configure("off", 0.0)


def manual_snapshots(world):
    found = world["rds"].describe_db_cluster_snapshots(DBClusterIdentifier=CLUSTER, SnapshotType="manual")["DBClusterSnapshots"]
    return {s["DBClusterSnapshotIdentifier"]: s for s in found}


def test_absent_with_final_snapshot(world):
    run_module(aurora_serverless_v2, args(world))
    result = run_module(aurora_serverless_v2, absent(skip_final_snapshot=False, final_snapshot_identifier=CLUSTER + "-final"))
    assert "delete cluster {0} with final snapshot {0}-final".format(CLUSTER) in result["changes"]
    assert result["final_snapshot_identifier"] == CLUSTER + "-final"
    assert aws_cluster(world) is None
    snapshots = world["rds"].describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=CLUSTER + "-final")["DBClusterSnapshots"]
    assert len(snapshots) == 1
    assert snapshots[0]["TagList"] == [{"Key": k, "Value": v} for k, v in sorted(TAGS.items())]  # copy_tags_to_snapshot


def test_absent_with_final_snapshot_twice_takes_one_snapshot(world):
    run_module(aurora_serverless_v2, args(world))
    final = absent(skip_final_snapshot=False, final_snapshot_identifier=CLUSTER + "-final-20250101120000")
    run_module(aurora_serverless_v2, final)
    second = run_module(aurora_serverless_v2, dict(final, final_snapshot_identifier=CLUSTER + "-final-20250101120500"))
    assert second["changed"] is False and second["changes"] == []
    assert second["final_snapshot_identifier"] is None
    assert list(manual_snapshots(world)) == [CLUSTER + "-final-20250101120000"]


def test_absent_refuses_a_final_snapshot_name_in_use_before_any_change(world):
    run_module(aurora_serverless_v2, args(world, deletion_protection=True))
    world["rds"].create_db_cluster_snapshot(DBClusterIdentifier=CLUSTER, DBClusterSnapshotIdentifier=CLUSTER + "-final")
    result = fail_module(aurora_serverless_v2, absent(skip_final_snapshot=False, final_snapshot_identifier=CLUSTER + "-final", deletion_protection=False))
    assert "a DB cluster snapshot named {0}-final already exists".format(CLUSTER) in result["msg"]
    assert "final_snapshot_identifier" in result["msg"]
    cluster = aws_cluster(world)
    assert cluster["Status"] == "available" and cluster["DeletionProtection"] is True
    assert len(aws_instances(world)) == 2
    assert aws_subnet_group(world) is not None


def test_check_mode_absent_with_final_snapshot_takes_none(world):
    run_module(aurora_serverless_v2, args(world, deletion_protection=True))
    final = absent(skip_final_snapshot=False, final_snapshot_identifier=CLUSTER + "-final", deletion_protection=False)
    result = run_module(aurora_serverless_v2, final, check_mode=True)
    assert result["changed"] is True
    assert result["final_snapshot_identifier"] == CLUSTER + "-final"
    assert result["changes"][0] == "lift the deletion protection of " + CLUSTER
    assert "delete cluster {0} with final snapshot {0}-final".format(CLUSTER) in result["changes"]
    assert manual_snapshots(world) == {}
    assert aws_cluster(world)["DeletionProtection"] is True
    assert len(aws_instances(world)) == 2


def test_absent_refuses_a_protected_cluster_and_takes_no_snapshot(world):
    run_module(aurora_serverless_v2, args(world, deletion_protection=True))
    result = fail_module(aurora_serverless_v2, absent(skip_final_snapshot=False, final_snapshot_identifier=CLUSTER + "-final"))
    assert "deletion protection on" in result["msg"]
    assert manual_snapshots(world) == {}
    assert aws_cluster(world)["DeletionProtection"] is True
    assert len(aws_instances(world)) == 2


def test_absent_lifts_protection_and_skips_the_snapshot_when_asked(world):
    run_module(aurora_serverless_v2, args(world, deletion_protection=True))
    result = run_module(aurora_serverless_v2, absent(deletion_protection=False, skip_final_snapshot=True))
    assert "delete cluster {0} without a final snapshot".format(CLUSTER) in result["changes"]
    assert result["final_snapshot_identifier"] is None
    assert aws_cluster(world) is None
    assert manual_snapshots(world) == {}


def test_absent_twice_is_unchanged(world):
    run_module(aurora_serverless_v2, args(world))
    run_module(aurora_serverless_v2, absent())
    second = run_module(aurora_serverless_v2, absent())
    assert second["changed"] is False
    assert second["changes"] == []
    assert second["diff"] == {"before": {}, "after": {}}


def test_check_mode_absent_deletes_nothing(world):
    run_module(aurora_serverless_v2, args(world))
    result = run_module(aurora_serverless_v2, absent(), check_mode=True)
    assert result["changed"] is True
    assert result["cluster"] == {}
    assert aws_cluster(world) is not None
    assert len(aws_instances(world)) == 2
    assert aws_subnet_group(world) is not None


def test_absent_refuses_a_protected_cluster(world):
    run_module(aurora_serverless_v2, args(world, deletion_protection=True))
    result = fail_module(aurora_serverless_v2, absent())
    assert "deletion protection on" in result["msg"]
    assert "deletion_protection: false" in result["msg"]
    assert aws_cluster(world) is not None
    assert len(aws_instances(world)) == 2


def test_absent_lifts_protection_when_asked(world):
    run_module(aurora_serverless_v2, args(world, deletion_protection=True))
    result = run_module(aurora_serverless_v2, absent(deletion_protection=False))
    assert result["changes"][0] == "lift the deletion protection of " + CLUSTER
    assert aws_cluster(world) is None
    assert aws_subnet_group(world) is None


def test_absent_without_a_snapshot_choice_fails_up_front(world):
    run_module(aurora_serverless_v2, args(world))
    result = fail_module(aurora_serverless_v2, absent(skip_final_snapshot=False))
    assert "final_snapshot_identifier, or skip_final_snapshot=true" in result["msg"]
    assert aws_cluster(world) is not None


def test_present_without_required_options_fails(world):
    result = fail_module(aurora_serverless_v2, {"cluster_identifier": CLUSTER})
    assert "master_username" in result["msg"]


def test_parameter_group_is_applied_in_place_and_at_creation(world, sent):
    from localaws.fills import rds_parameter_groups

    rds_parameter_groups.apply()
    world["rds"].create_db_cluster_parameter_group(
        DBClusterParameterGroupName="unit-pg16", DBParameterGroupFamily="aurora-postgresql16", Description="unit")
    run_module(aurora_serverless_v2, args(world))
    assert aws_cluster(world)["DBClusterParameterGroup"] == "default.aurora-postgresql16"
    del sent[:]
    result = run_module(aurora_serverless_v2, args(world, db_cluster_parameter_group_name="unit-pg16"))
    assert sent == [("cluster", {"DBClusterParameterGroupName": "unit-pg16"})]
    assert result["changes"] == ["modify cluster {0}: db_cluster_parameter_group_name".format(CLUSTER)]
    assert aws_cluster(world)["DBClusterParameterGroup"] == "unit-pg16"
    assert result["diff"]["after"]["db_cluster_parameter_group_name"] == "unit-pg16"
    assert run_module(aurora_serverless_v2, args(world, db_cluster_parameter_group_name="unit-pg16"))["changed"] is False
    # AWS refuses a group of another family (the localaws fill answers as AWS does): the module names the change.
    world["rds"].create_db_cluster_parameter_group(
        DBClusterParameterGroupName="unit-pg15", DBParameterGroupFamily="aurora-postgresql15", Description="unit")
    failure = fail_module(aurora_serverless_v2, args(world, db_cluster_parameter_group_name="unit-pg15"))
    assert "db_cluster_parameter_group_name" in failure["msg"]


def test_create_with_a_parameter_group_sends_it(world):
    from localaws.fills import rds_parameter_groups

    rds_parameter_groups.apply()
    world["rds"].create_db_cluster_parameter_group(
        DBClusterParameterGroupName="unit-pg16", DBParameterGroupFamily="aurora-postgresql16", Description="unit")
    result = run_module(aurora_serverless_v2, args(world, db_cluster_parameter_group_name="Unit-PG16"))
    assert result["cluster"]["db_cluster_parameter_group_name"] == "unit-pg16"
    assert aws_cluster(world)["DBClusterParameterGroup"] == "unit-pg16"


def test_change_refused_while_the_cluster_is_modifying_is_made_once_available(world, monkeypatch):
    """Someone else's change in progress: AWS refuses ModifyDBCluster (InvalidDBClusterStateFault); the module
    waits for the cluster to be available and sends its change again, even with wait=false."""
    from botocore.exceptions import ClientError

    run_module(aurora_serverless_v2, args(world))
    real_modify, real_wait, waited, refused = rds.modify_cluster, rds.wait_for, [], []

    def modify_while_busy(client, identifier, request):
        if not refused:
            refused.append(request)
            raise ClientError(
                {"Error": {"Code": "InvalidDBClusterStateFault", "Message": "The cluster is modifying."}}, "ModifyDBCluster"
            )
        return real_modify(client, identifier, request)

    def wait_for(client, waiter_name, timeout, **params):
        waited.append(waiter_name)
        return real_wait(client, waiter_name, timeout, **params)

    monkeypatch.setattr(rds, "modify_cluster", modify_while_busy)
    monkeypatch.setattr(rds, "wait_for", wait_for)
    result = run_module(aurora_serverless_v2, args(world, backup_retention_period=14, wait=False))
    assert result["changed"] is True and refused and waited == ["cluster_available"]
    assert aws_cluster(world)["BackupRetentionPeriod"] == 14


def test_change_refused_until_wait_timeout_fails_naming_it(world, monkeypatch):
    from botocore.exceptions import ClientError

    run_module(aurora_serverless_v2, args(world))

    def always_busy(client, identifier, request):
        raise ClientError({"Error": {"Code": "InvalidDBClusterStateFault", "Message": "busy"}}, "ModifyDBCluster")

    monkeypatch.setattr(rds, "modify_cluster", always_busy)
    monkeypatch.setattr(rds, "wait_for", lambda client, waiter_name, timeout, **params: None)
    result = fail_module(aurora_serverless_v2, args(world, backup_retention_period=14, wait=False, wait_timeout=0))
    assert "modify cluster {0}: backup_retention_period".format(CLUSTER) in result["msg"] and "stayed busy" in result["msg"]
