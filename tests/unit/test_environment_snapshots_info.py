"""environment_snapshots_info against in-process moto: the environment's manual snapshots and their keys."""

from __future__ import annotations

import boto3
import pytest

from ansible_collections.streamflix.media_platform.plugins.modules import environment_snapshots_info
from module_harness import REGION, aws_env, moto, run_module  # noqa: F401

CLUSTER, GROUP = "streamflix-aurora-unit", "streamflix-redis-unit"


@pytest.mark.parametrize(
    "snapshot_key, wanted, expected",
    [
        ("arn:aws:kms:us-east-1:123456789012:key/abc", "arn:aws:kms:us-east-1:123456789012:key/abc", True),
        ("arn:aws:kms:us-east-1:123456789012:key/abc", "abc", True),
        ("abc", "arn:aws:kms:us-east-1:123456789012:key/abc", True),
        ("arn:aws:kms:us-east-1:123456789012:key/abc", "arn:aws:kms:us-east-1:123456789012:key/def", False),
        (None, "abc", False),
        ("arn:aws:kms:us-east-1:123456789012:key/abc", None, True),  # no filter: every snapshot
    ],
)
def test_same_key(snapshot_key, wanted, expected):
    assert environment_snapshots_info.same_key(snapshot_key, wanted) is expected


@pytest.fixture
def environment(moto):
    kms, rds = boto3.client("kms", region_name=REGION), boto3.client("rds", region_name=REGION)
    keys = [kms.create_key(Description="unit {0}".format(n))["KeyMetadata"]["Arn"] for n in range(2)]
    rds.create_db_cluster(
        DBClusterIdentifier=CLUSTER, Engine="aurora-postgresql", MasterUsername="admin_user",
        MasterUserPassword="not-a-secret-1", StorageEncrypted=True, KmsKeyId=keys[0],
    )
    rds.create_db_cluster_snapshot(DBClusterIdentifier=CLUSTER, DBClusterSnapshotIdentifier=CLUSTER + "-final-1")
    return {"keys": keys, "rds": rds}


def names(result):
    return [(s["kind"], s["name"]) for s in result["snapshots"]]


def test_lists_the_clusters_manual_snapshots_with_their_key(environment):
    result = run_module(environment_snapshots_info, {"db_cluster_identifier": CLUSTER, "replication_group_id": GROUP})
    assert result["changed"] is False
    assert names(result) == [("aurora", CLUSTER + "-final-1")]
    [snapshot] = result["snapshots"]
    assert environment_snapshots_info.same_key(snapshot["kms_key_id"], environment["keys"][0])
    assert snapshot["arn"].endswith(":cluster-snapshot:" + CLUSTER + "-final-1")


def test_filters_by_key(environment):
    under_key = run_module(environment_snapshots_info, {"db_cluster_identifier": CLUSTER, "kms_key_arn": environment["keys"][0]})
    under_other = run_module(environment_snapshots_info, {"db_cluster_identifier": CLUSTER, "kms_key_arn": environment["keys"][1]})
    assert names(under_key) == [("aurora", CLUSTER + "-final-1")]
    assert names(under_other) == []


def test_snapshots_outlive_the_cluster(environment):
    environment["rds"].delete_db_cluster(DBClusterIdentifier=CLUSTER, SkipFinalSnapshot=True)
    result = run_module(environment_snapshots_info, {"db_cluster_identifier": CLUSTER, "kms_key_arn": environment["keys"][0]})
    assert names(result) == [("aurora", CLUSTER + "-final-1")]


def test_nothing_asked_nothing_found(moto):
    assert run_module(environment_snapshots_info, {}, check_mode=True)["snapshots"] == []


def test_lists_the_groups_snapshots_too(environment):
    cache = boto3.client("elasticache", region_name=REGION)
    cache.create_replication_group(
        ReplicationGroupId=GROUP, ReplicationGroupDescription="unit", Engine="redis", CacheNodeType="cache.t4g.micro",
        AtRestEncryptionEnabled=True, KmsKeyId=environment["keys"][0],
    )
    cache.create_snapshot(ReplicationGroupId=GROUP, SnapshotName=GROUP + "-final-1")
    result = run_module(environment_snapshots_info, {"db_cluster_identifier": CLUSTER, "replication_group_id": GROUP})
    assert names(result) == [("aurora", CLUSTER + "-final-1"), ("redis", GROUP + "-final-1")]
