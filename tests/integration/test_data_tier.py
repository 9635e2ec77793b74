"""The data tier on localaws: what a deploy makes, in-place changes from the inventory, and teardown.

One environment of its own: deployed once, checked through boto3, changed with -e overrides (as an inventory
edit would), checked again (same resources, only the changed settings differ), then torn down.
"""

from __future__ import annotations

import json

import pytest

from integration_support import assert_succeeded, is_empty, leftovers, unique_suffix

CHANGES = {
    "streamflix_db_min_acu": 1,
    "streamflix_db_max_acu": 4,
    "streamflix_db_reader_count": 2,
    "streamflix_cache_snapshot_retention_days": 3,
    "streamflix_efs_transition_to_ia": "AFTER_60_DAYS",
}


def names(suffix):
    return {
        "aurora": "streamflix-aurora-" + suffix,
        "redis": "streamflix-redis-" + suffix,
        "efs": "streamflix-efs-" + suffix,
        "alias": "alias/streamflix-" + suffix,
    }


def data_state(aws, suffix):
    """The data tier as AWS reports it, keyed for comparison."""
    n = names(suffix)
    rds, cache, efs = aws("rds"), aws("elasticache"), aws("efs")
    cluster = rds.describe_db_clusters(DBClusterIdentifier=n["aurora"])["DBClusters"][0]
    instances = {
        member["DBInstanceIdentifier"]: rds.describe_db_instances(DBInstanceIdentifier=member["DBInstanceIdentifier"])["DBInstances"][0]
        for member in cluster["DBClusterMembers"]
    }
    group = cache.describe_replication_groups(ReplicationGroupId=n["redis"])["ReplicationGroups"][0]
    file_system = next(fs for fs in efs.describe_file_systems()["FileSystems"] if fs.get("Name") == n["efs"])
    fs_id = file_system["FileSystemId"]
    return {
        "cluster": cluster,
        "instances": instances,
        "group": group,
        "cache_clusters": [cache.describe_cache_clusters(CacheClusterId=c)["CacheClusters"][0] for c in group["MemberClusters"]],
        "file_system": file_system,
        "lifecycle": efs.describe_lifecycle_configuration(FileSystemId=fs_id)["LifecyclePolicies"],
        "mount_targets": efs.describe_mount_targets(FileSystemId=fs_id)["MountTargets"],
        "access_points": efs.describe_access_points(FileSystemId=fs_id)["AccessPoints"],
    }


@pytest.fixture(scope="module")
def environment(playbook, aws):
    suffix = unique_suffix("itdata")
    assert_succeeded(playbook("site", suffix))
    key_arn = aws("kms").describe_key(KeyId=names(suffix)["alias"])["KeyMetadata"]["Arn"]
    vpc = aws("ec2").describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["streamflix-vpc-" + suffix]}])["Vpcs"][0]
    subnets = aws("ec2").describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    private = sorted(s["SubnetId"] for s in subnets if {"Key": "Tier", "Value": "private"} in s.get("Tags", []))
    groups = aws("ec2").describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["SecurityGroups"]
    sg = {g["GroupName"]: g["GroupId"] for g in groups}
    env = {"suffix": suffix, "key_arn": key_arn, "private": private, "sg": sg, "state": data_state(aws, suffix)}
    yield env
    assert_succeeded(playbook("teardown", suffix))


def test_aurora_serverless_v2_cluster(environment):
    cluster, suffix = environment["state"]["cluster"], environment["suffix"]
    assert cluster["Engine"] == "aurora-postgresql"
    assert cluster["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 2.0}
    assert cluster["StorageEncrypted"] is True and cluster["KmsKeyId"] == environment["key_arn"]
    assert cluster["MasterUserSecret"]["KmsKeyId"] in (environment["key_arn"], environment["key_arn"].split("/")[-1])
    assert cluster["BackupRetentionPeriod"] >= 7
    assert cluster["PreferredBackupWindow"] == "03:00-04:00"
    assert cluster["PreferredMaintenanceWindow"] == "sun:04:30-sun:05:30"
    assert cluster["EnabledCloudwatchLogsExports"] == ["postgresql"]
    assert [g["VpcSecurityGroupId"] for g in cluster["VpcSecurityGroups"]] == [environment["sg"]["streamflix-database-sg-" + suffix]]
    assert cluster["HttpEndpointEnabled"] is True
    assert cluster["CopyTagsToSnapshot"] is True


def test_aurora_writer_and_reader_are_private_serverless_instances(environment, aws):
    state = environment["state"]
    roles = sorted(m["IsClusterWriter"] for m in state["cluster"]["DBClusterMembers"])
    assert roles == [False, True]
    for instance in state["instances"].values():
        assert instance["DBInstanceClass"] == "db.serverless"
        assert instance["PubliclyAccessible"] is False
    subnet_group = aws("rds").describe_db_subnet_groups(DBSubnetGroupName=state["cluster"]["DBSubnetGroup"])["DBSubnetGroups"][0]
    assert sorted(s["SubnetIdentifier"] for s in subnet_group["Subnets"]) == environment["private"]


def test_redis_replication_group(environment, aws):
    group, suffix = environment["state"]["group"], environment["suffix"]
    assert group["AutomaticFailover"] == "enabled" and group["MultiAZ"] == "enabled"
    assert group["AtRestEncryptionEnabled"] is True and group["TransitEncryptionEnabled"] is True
    assert group["AuthTokenEnabled"] is True
    assert group["KmsKeyId"] == environment["key_arn"]
    assert group["SnapshotRetentionLimit"] >= 1
    assert len(group["MemberClusters"]) == 2
    subnet_group_name = environment["state"]["cache_clusters"][0]["CacheSubnetGroupName"]
    subnet_group = aws("elasticache").describe_cache_subnet_groups(CacheSubnetGroupName=subnet_group_name)["CacheSubnetGroups"][0]
    assert sorted(s["SubnetIdentifier"] for s in subnet_group["Subnets"]) == environment["private"]
    for member in environment["state"]["cache_clusters"]:
        assert [g["SecurityGroupId"] for g in member["SecurityGroups"]] == [environment["sg"]["streamflix-cache-sg-" + suffix]]


def test_efs_with_mount_targets_lifecycle_and_media_access_point(environment):
    state, suffix = environment["state"], environment["suffix"]
    assert state["file_system"]["Encrypted"] is True and state["file_system"]["KmsKeyId"] == environment["key_arn"]
    assert {"TransitionToIA": "AFTER_30_DAYS"} in state["lifecycle"]
    assert sorted(t["SubnetId"] for t in state["mount_targets"]) == environment["private"]
    [access_point] = state["access_points"]
    assert access_point["PosixUser"]["Uid"] == 1000 and access_point["PosixUser"]["Gid"] == 1000
    assert access_point["RootDirectory"]["Path"] == "/media"
    assert access_point["RootDirectory"]["CreationInfo"] == {"OwnerUid": 1000, "OwnerGid": 1000, "Permissions": "0755"}


def test_secrets_are_generated_under_our_key(environment, aws):
    sm, suffix = aws("secretsmanager"), environment["suffix"]
    for name in ("streamflix-api-keys-" + suffix, "streamflix-redis-auth-" + suffix):
        described = sm.describe_secret(SecretId=name)
        assert described["KmsKeyId"] in (environment["key_arn"], "alias/streamflix-" + suffix)
        value = sm.get_secret_value(SecretId=name)["SecretString"]
        assert len(value) >= 40
    api_keys = json.loads(sm.get_secret_value(SecretId="streamflix-api-keys-" + suffix)["SecretString"])
    assert sorted(api_keys) == ["primary", "secondary"] and api_keys["primary"] != api_keys["secondary"]


def test_job_state_schema_was_applied_once_through_the_data_api(environment, aws):
    cluster = environment["state"]["cluster"]
    answer = aws("rds-data").execute_statement(
        resourceArn=cluster["DBClusterArn"],
        secretArn=cluster["MasterUserSecret"]["SecretArn"],
        database="streamflix",
        sql="SELECT version FROM schema_migrations ORDER BY version",
    )
    assert [record[0]["stringValue"] for record in answer["records"]] == ["0001", "0002"]
    tables = aws("rds-data").execute_statement(
        resourceArn=cluster["DBClusterArn"],
        secretArn=cluster["MasterUserSecret"]["SecretArn"],
        database="streamflix",
        sql="SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    )
    assert {"processing_jobs", "videos"} <= {record[0]["stringValue"] for record in tables["records"]}


def test_inventory_changes_apply_in_place(environment, playbook, aws):
    suffix, before = environment["suffix"], environment["state"]
    extra = ["-e", json.dumps(CHANGES)]
    run = assert_succeeded(playbook("site", suffix, *extra))
    assert run.changed > 0
    after = data_state(aws, suffix)
    # The same resources...
    assert after["cluster"]["DBClusterArn"] == before["cluster"]["DBClusterArn"]
    assert after["group"]["ARN"] == before["group"]["ARN"]
    assert after["file_system"]["FileSystemId"] == before["file_system"]["FileSystemId"]
    assert set(before["instances"]) < set(after["instances"])
    # ...with exactly the changed settings.
    assert after["cluster"]["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 1.0, "MaxCapacity": 4.0}
    assert len(after["cluster"]["DBClusterMembers"]) == 3
    assert after["group"]["SnapshotRetentionLimit"] == 3
    assert {"TransitionToIA": "AFTER_60_DAYS"} in after["lifecycle"]
    for unchanged in ("BackupRetentionPeriod", "EnabledCloudwatchLogsExports", "KmsKeyId", "PreferredBackupWindow"):
        assert after["cluster"][unchanged] == before["cluster"][unchanged]
    assert after["group"]["MemberClusters"] == before["group"]["MemberClusters"]
    assert after["mount_targets"] == before["mount_targets"]
    # A re-run with the same inventory changes nothing more.
    again = assert_succeeded(playbook("site", suffix, *extra))
    assert again.changed == 0, again.changed_tasks()


def test_teardown_leaves_no_data_tier(environment, playbook, aws, take_snapshot):
    suffix = environment["suffix"]
    assert_succeeded(playbook("teardown", suffix))
    rds, cache, efs = aws("rds"), aws("elasticache"), aws("efs")
    assert [c for c in rds.describe_db_clusters()["DBClusters"] if suffix in c["DBClusterIdentifier"]] == []
    assert [i for i in rds.describe_db_instances()["DBInstances"] if suffix in i["DBInstanceIdentifier"]] == []
    assert [g for g in cache.describe_replication_groups()["ReplicationGroups"] if suffix in g["ReplicationGroupId"]] == []
    assert [f for f in efs.describe_file_systems()["FileSystems"] if suffix in (f.get("Name") or "")] == []
    state = take_snapshot(suffix)
    assert is_empty(state), leftovers(state)
