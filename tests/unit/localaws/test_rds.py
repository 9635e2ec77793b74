"""RDS fills: the Data API switch, ModifyDBCluster log exports and scaling checks, subnet groups, DeleteDBCluster."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def rds(client):
    return client("rds")


@pytest.fixture
def subnet_group(rds, vpc, name):
    rds.create_db_subnet_group(DBSubnetGroupName=name, DBSubnetGroupDescription="unit", SubnetIds=vpc["subnets"])
    return name


def create_cluster(rds, name, subnet_group, **extra):
    request = dict(
        DBClusterIdentifier=name,
        Engine="aurora-postgresql",
        EngineVersion="16.4",
        MasterUsername="streamflix",
        ManageMasterUserPassword=True,
        ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 2},
        DBSubnetGroupName=subnet_group,
    )
    request.update(extra)
    return rds.create_db_cluster(**request)["DBCluster"]


def describe(rds, name):
    return rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]


def error_of(excinfo) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_create_with_data_api_enables_it(rds, name, subnet_group):
    create_cluster(rds, name, subnet_group, EnableHttpEndpoint=True)
    assert describe(rds, name)["HttpEndpointEnabled"] is True


def test_create_reports_the_postgresql_parameter_group(rds, name, subnet_group):
    create_cluster(rds, name, subnet_group)
    assert describe(rds, name)["DBClusterParameterGroup"] == "default.aurora-postgresql16"


def test_enable_and_disable_http_endpoint(rds, name, subnet_group):
    arn = create_cluster(rds, name, subnet_group)["DBClusterArn"]
    assert describe(rds, name)["HttpEndpointEnabled"] is False
    response = rds.enable_http_endpoint(ResourceArn=arn)
    assert (response["ResourceArn"], response["HttpEndpointEnabled"]) == (arn, True)
    assert describe(rds, name)["HttpEndpointEnabled"] is True
    assert rds.disable_http_endpoint(ResourceArn=arn)["HttpEndpointEnabled"] is False
    assert describe(rds, name)["HttpEndpointEnabled"] is False


def test_http_endpoint_of_unknown_cluster_is_not_found(rds):
    with pytest.raises(ClientError) as excinfo:
        rds.enable_http_endpoint(ResourceArn="arn:aws:rds:us-east-1:123456789012:cluster:nothing-here")
    assert error_of(excinfo) == ("ResourceNotFoundFault", 404)


def test_modify_cluster_switches_iam_database_authentication(rds, name, subnet_group):
    assert create_cluster(rds, name, subnet_group)["IAMDatabaseAuthenticationEnabled"] is False
    response = rds.modify_db_cluster(DBClusterIdentifier=name, ApplyImmediately=True, EnableIAMDatabaseAuthentication=True)
    assert response["DBCluster"]["IAMDatabaseAuthenticationEnabled"] is True
    assert describe(rds, name)["IAMDatabaseAuthenticationEnabled"] is True
    rds.modify_db_cluster(DBClusterIdentifier=name, ApplyImmediately=True, EnableIAMDatabaseAuthentication=False)
    assert describe(rds, name)["IAMDatabaseAuthenticationEnabled"] is False
    rds.modify_db_cluster(DBClusterIdentifier=name, ApplyImmediately=True, BackupRetentionPeriod=3)
    assert describe(rds, name)["IAMDatabaseAuthenticationEnabled"] is False  # unchanged when not asked


def test_modify_cluster_log_exports(rds, name, subnet_group):
    create_cluster(rds, name, subnet_group)
    rds.modify_db_cluster(
        DBClusterIdentifier=name, ApplyImmediately=True, CloudwatchLogsExportConfiguration={"EnableLogTypes": ["postgresql", "instance"]}
    )
    assert sorted(describe(rds, name)["EnabledCloudwatchLogsExports"]) == ["instance", "postgresql"]
    response = rds.modify_db_cluster(
        DBClusterIdentifier=name, ApplyImmediately=True, CloudwatchLogsExportConfiguration={"DisableLogTypes": ["instance"]}
    )
    assert response["DBCluster"]["EnabledCloudwatchLogsExports"] == ["postgresql"]
    assert describe(rds, name)["EnabledCloudwatchLogsExports"] == ["postgresql"]


def test_modify_cluster_rejects_log_types_of_another_engine(rds, name, subnet_group):
    create_cluster(rds, name, subnet_group)
    with pytest.raises(ClientError) as excinfo:
        rds.modify_db_cluster(DBClusterIdentifier=name, ApplyImmediately=True, CloudwatchLogsExportConfiguration={"EnableLogTypes": ["slowquery"]})
    assert error_of(excinfo) == ("InvalidParameterValue", 400)
    assert describe(rds, name)["EnabledCloudwatchLogsExports"] == []


@pytest.mark.parametrize(
    "scaling",
    [{"MinCapacity": 4, "MaxCapacity": 2}, {"MinCapacity": 0.25, "MaxCapacity": 2}, {"MinCapacity": 0.5, "MaxCapacity": 300}, {"MinCapacity": 8}],
)
def test_modify_cluster_rejects_invalid_scaling(rds, name, subnet_group, scaling):
    create_cluster(rds, name, subnet_group)
    with pytest.raises(ClientError) as excinfo:
        rds.modify_db_cluster(DBClusterIdentifier=name, ApplyImmediately=True, ServerlessV2ScalingConfiguration=scaling)
    assert error_of(excinfo) == ("InvalidParameterValue", 400)
    assert describe(rds, name)["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 2.0}


def test_create_cluster_rejects_min_above_max(rds, name, subnet_group):
    with pytest.raises(ClientError) as excinfo:
        create_cluster(rds, name, subnet_group, ServerlessV2ScalingConfiguration={"MinCapacity": 4, "MaxCapacity": 2})
    assert error_of(excinfo) == ("InvalidParameterValue", 400)


def test_modify_subnet_group_keeps_the_group(rds, vpc, name, subnet_group):
    response = rds.modify_db_subnet_group(DBSubnetGroupName=name, SubnetIds=vpc["subnets"][:1] + vpc["subnets"][1:])
    assert response["DBSubnetGroup"]["DBSubnetGroupName"] == name
    [group] = rds.describe_db_subnet_groups(DBSubnetGroupName=name)["DBSubnetGroups"]
    assert sorted(s["SubnetIdentifier"] for s in group["Subnets"]) == sorted(vpc["subnets"])


def test_modify_unknown_subnet_group_is_not_found(rds, vpc):
    with pytest.raises(ClientError) as excinfo:
        rds.modify_db_subnet_group(DBSubnetGroupName="no-such-group", SubnetIds=vpc["subnets"])
    assert error_of(excinfo) == ("DBSubnetGroupNotFoundFault", 404)


def test_delete_subnet_group_in_use_is_refused(rds, name, subnet_group):
    create_cluster(rds, name, subnet_group)
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_subnet_group(DBSubnetGroupName=name)
    assert error_of(excinfo) == ("InvalidDBSubnetGroupStateFault", 400)
    assert rds.describe_db_subnet_groups(DBSubnetGroupName=name)["DBSubnetGroups"]
    rds.delete_db_cluster(DBClusterIdentifier=name, SkipFinalSnapshot=True)
    rds.delete_db_subnet_group(DBSubnetGroupName=name)
    with pytest.raises(ClientError) as excinfo:
        rds.describe_db_subnet_groups(DBSubnetGroupName=name)
    assert error_of(excinfo)[0] == "DBSubnetGroupNotFoundFault"


@pytest.mark.parametrize("extra", [{}, {"SkipFinalSnapshot": False}, {"SkipFinalSnapshot": True, "FinalDBSnapshotIdentifier": "final"}])
def test_delete_cluster_needs_exactly_one_snapshot_choice(rds, name, subnet_group, extra):
    create_cluster(rds, name, subnet_group)
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_cluster(DBClusterIdentifier=name, **extra)
    assert error_of(excinfo) == ("InvalidParameterCombination", 400)
    assert describe(rds, name)["DBClusterIdentifier"] == name


def test_delete_cluster_with_final_snapshot(rds, name, subnet_group):
    create_cluster(rds, name, subnet_group)
    rds.delete_db_cluster(DBClusterIdentifier=name, FinalDBSnapshotIdentifier=name + "-final")
    snapshots = rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=name + "-final")["DBClusterSnapshots"]
    assert len(snapshots) == 1


@pytest.mark.parametrize("identifier", ["1final", "final_snapshot", "final--snapshot", "final-", "f" * 256])
def test_delete_cluster_refuses_an_invalid_final_snapshot_identifier(rds, name, subnet_group, identifier):
    create_cluster(rds, name, subnet_group)
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_cluster(DBClusterIdentifier=name, FinalDBSnapshotIdentifier=identifier)
    assert error_of(excinfo) == ("InvalidParameterValue", 400)
    assert describe(rds, name)["Status"] == "available"
    assert rds.describe_db_cluster_snapshots(DBClusterIdentifier=name, SnapshotType="manual")["DBClusterSnapshots"] == []


@pytest.mark.parametrize("identifier", ["f", "Final-Snapshot-20250101120000", "f" * 255])
def test_delete_cluster_accepts_a_valid_final_snapshot_identifier(rds, name, subnet_group, identifier):
    create_cluster(rds, name, subnet_group)
    rds.delete_db_cluster(DBClusterIdentifier=name, FinalDBSnapshotIdentifier=identifier)
    [snapshot] = rds.describe_db_cluster_snapshots(DBClusterIdentifier=name, SnapshotType="manual")["DBClusterSnapshots"]
    assert snapshot["DBClusterSnapshotIdentifier"] == identifier.lower()  # "stored as a lowercase string"
    rds.delete_db_cluster_snapshot(DBClusterSnapshotIdentifier=identifier.lower())


def test_final_snapshot_is_kept_with_the_cluster_tags_when_copy_tags_to_snapshot(rds, name, subnet_group):
    tags = [{"Key": "Environment", "Value": name}]
    create_cluster(rds, name, subnet_group, CopyTagsToSnapshot=True, Tags=tags)
    rds.delete_db_cluster(DBClusterIdentifier=name, FinalDBSnapshotIdentifier=name + "-final")
    with pytest.raises(ClientError) as excinfo:
        describe(rds, name)
    assert error_of(excinfo)[0] == "DBClusterNotFoundFault"
    [snapshot] = rds.describe_db_cluster_snapshots(DBClusterIdentifier=name, SnapshotType="manual")["DBClusterSnapshots"]
    assert (snapshot["DBClusterSnapshotIdentifier"], snapshot["Status"]) == (name + "-final", "available")
    assert snapshot["TagList"] == tags


def test_final_snapshot_identifier_in_use_keeps_the_cluster(rds, name, subnet_group):
    create_cluster(rds, name, subnet_group)
    rds.create_db_cluster_snapshot(DBClusterIdentifier=name, DBClusterSnapshotIdentifier=name + "-taken")
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_cluster(DBClusterIdentifier=name, FinalDBSnapshotIdentifier=name + "-taken")
    assert error_of(excinfo) == ("DBClusterSnapshotAlreadyExistsFault", 400)
    assert describe(rds, name)["Status"] == "available"


@pytest.mark.parametrize("with_snapshot", [False, True])
def test_delete_cluster_with_deletion_protection_is_refused(rds, name, subnet_group, with_snapshot):
    extra = {"FinalDBSnapshotIdentifier": name + "-final"} if with_snapshot else {"SkipFinalSnapshot": True}
    create_cluster(rds, name, subnet_group, DeletionProtection=True)
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_cluster(DBClusterIdentifier=name, **extra)
    assert error_of(excinfo) == ("InvalidParameterCombination", 400)
    assert describe(rds, name)["DeletionProtection"] is True
    assert rds.describe_db_cluster_snapshots(DBClusterIdentifier=name, SnapshotType="manual")["DBClusterSnapshots"] == []
    rds.modify_db_cluster(DBClusterIdentifier=name, DeletionProtection=False, ApplyImmediately=True)
    rds.delete_db_cluster(DBClusterIdentifier=name, **extra)
    with pytest.raises(ClientError) as excinfo:
        describe(rds, name)
    assert error_of(excinfo)[0] == "DBClusterNotFoundFault"


def automated_snapshots(rds, name):
    snapshots = rds.describe_db_cluster_snapshots(SnapshotType="automated")["DBClusterSnapshots"]
    return [snap for snap in snapshots if snap["DBClusterIdentifier"] == name]


def test_delete_cluster_removes_its_automated_backups(rds, name, subnet_group):
    create_cluster(rds, name, subnet_group)
    assert automated_snapshots(rds, name), "moto records an automated snapshot at creation"
    rds.delete_db_cluster(DBClusterIdentifier=name, SkipFinalSnapshot=True)
    assert automated_snapshots(rds, name) == []


def test_delete_cluster_keeps_automated_backups_when_asked(rds, name, subnet_group):
    create_cluster(rds, name, subnet_group)
    rds.delete_db_cluster(DBClusterIdentifier=name, SkipFinalSnapshot=True, DeleteAutomatedBackups=False)
    assert automated_snapshots(rds, name)
