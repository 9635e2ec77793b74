"""RDS fills: DescribeDBEngineVersions, and the cluster parameter group checks of Create/ModifyDBCluster and DeleteDBClusterParameterGroup."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def rds(client):
    return client("rds")


def group(rds, name, family="aurora-postgresql16"):
    rds.create_db_cluster_parameter_group(DBClusterParameterGroupName=name, DBParameterGroupFamily=family, Description="unit")
    return name


def create_cluster(rds, name, **extra):
    request = dict(
        DBClusterIdentifier=name,
        Engine="aurora-postgresql",
        EngineVersion="16.4",
        MasterUsername="streamflix",
        ManageMasterUserPassword=True,
        ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 2},
    )
    request.update(extra)
    return rds.create_db_cluster(**request)["DBCluster"]


def error_of(excinfo) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_engine_versions_give_the_parameter_group_family(rds):
    versions = rds.describe_db_engine_versions(Engine="aurora-postgresql", EngineVersion="16.4")["DBEngineVersions"]
    assert [(v["EngineVersion"], v["DBParameterGroupFamily"]) for v in versions] == [("16.4", "aurora-postgresql16")]
    families = {v["DBParameterGroupFamily"] for v in rds.describe_db_engine_versions(Engine="aurora-postgresql")["DBEngineVersions"]}
    assert {"aurora-postgresql15", "aurora-postgresql16", "aurora-postgresql17"} <= families


def test_a_version_aws_does_not_have_lists_nothing(rds):
    assert rds.describe_db_engine_versions(Engine="aurora-postgresql", EngineVersion="16.99")["DBEngineVersions"] == []


def test_create_cluster_with_its_own_parameter_group(rds, name):
    create_cluster(rds, name, DBClusterParameterGroupName=group(rds, name + "-pg"))
    assert rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]["DBClusterParameterGroup"] == name + "-pg"


def test_create_cluster_with_an_unknown_parameter_group_is_refused(rds, name):
    with pytest.raises(ClientError) as excinfo:
        create_cluster(rds, name, DBClusterParameterGroupName=name + "-missing")
    assert error_of(excinfo) == ("DBClusterParameterGroupNotFound", 404)
    assert not [c for c in rds.describe_db_clusters()["DBClusters"] if c["DBClusterIdentifier"] == name]


def test_modify_cluster_to_a_group_of_another_family_is_refused(rds, name):
    create_cluster(rds, name)
    with pytest.raises(ClientError) as excinfo:
        rds.modify_db_cluster(DBClusterIdentifier=name, DBClusterParameterGroupName=group(rds, name + "-pg15", "aurora-postgresql15"), ApplyImmediately=True)
    assert error_of(excinfo) == ("InvalidParameterCombination", 400)
    rds.modify_db_cluster(DBClusterIdentifier=name, DBClusterParameterGroupName=group(rds, name + "-pg16"), ApplyImmediately=True)
    assert rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]["DBClusterParameterGroup"] == name + "-pg16"


def test_a_group_in_use_is_not_deleted(rds, name):
    create_cluster(rds, name, DBClusterParameterGroupName=group(rds, name + "-pg"))
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_cluster_parameter_group(DBClusterParameterGroupName=name + "-pg")
    assert error_of(excinfo) == ("InvalidDBParameterGroupState", 400)
    rds.delete_db_cluster(DBClusterIdentifier=name, SkipFinalSnapshot=True)
    rds.delete_db_cluster_parameter_group(DBClusterParameterGroupName=name + "-pg")
    assert name + "-pg" not in {g["DBClusterParameterGroupName"] for g in rds.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"]}
