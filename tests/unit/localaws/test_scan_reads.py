"""Read-side fills that the Prowler scan reads: ElastiCache AutoMinorVersionUpgrade, Aurora instances' subnet
group and log exports, DescribeDBEngineVersions, DescribeCertificates, the RDS-managed secret's rotation."""

from __future__ import annotations

import datetime

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def rds(client):
    return client("rds")


@pytest.fixture
def cluster(rds, vpc, name):
    rds.create_db_subnet_group(DBSubnetGroupName=name, DBSubnetGroupDescription="unit", SubnetIds=vpc["subnets"])
    rds.create_db_cluster(
        DBClusterIdentifier=name, Engine="aurora-postgresql", EngineVersion="16.4", MasterUsername="streamflix",
        ManageMasterUserPassword=True, DBSubnetGroupName=name,
        ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 2},
        EnableCloudwatchLogsExports=["postgresql"],
    )
    rds.create_db_instance(
        DBInstanceIdentifier=f"{name}-1", DBClusterIdentifier=name, Engine="aurora-postgresql",
        DBInstanceClass="db.serverless",
    )
    return name


def instance(rds, name):
    return rds.describe_db_instances(DBInstanceIdentifier=f"{name}-1")["DBInstances"][0]


def test_replication_group_opts_into_minor_upgrades_by_default(client, name):
    ecc = client("elasticache")
    group = ecc.create_replication_group(
        ReplicationGroupId=name, ReplicationGroupDescription="unit", Engine="redis", EngineVersion="7.1",
        CacheNodeType="cache.t4g.micro", NumCacheClusters=2,
    )["ReplicationGroup"]
    assert group["AutoMinorVersionUpgrade"] is True
    described = ecc.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]
    assert described["AutoMinorVersionUpgrade"] is True
    members = ecc.describe_cache_clusters()["CacheClusters"]
    assert [m["AutoMinorVersionUpgrade"] for m in members if m.get("ReplicationGroupId") == name] == [True, True]


def test_replication_group_keeps_an_explicit_opt_out(client, name):
    ecc = client("elasticache")
    ecc.create_replication_group(
        ReplicationGroupId=name, ReplicationGroupDescription="unit", Engine="redis", EngineVersion="7.1",
        CacheNodeType="cache.t4g.micro", NumCacheClusters=1, AutoMinorVersionUpgrade=False,
    )
    assert ecc.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]["AutoMinorVersionUpgrade"] is False


def test_aurora_instance_reports_the_clusters_subnet_group_and_vpc(rds, cluster, vpc):
    group = instance(rds, cluster)["DBSubnetGroup"]
    assert group["DBSubnetGroupName"] == cluster
    assert group["VpcId"] == vpc["id"]
    assert sorted(subnet["SubnetIdentifier"] for subnet in group["Subnets"]) == sorted(vpc["subnets"])


def test_aurora_instance_reports_the_clusters_log_exports(rds, cluster):
    assert instance(rds, cluster)["EnabledCloudwatchLogsExports"] == ["postgresql"]
    rds.modify_db_cluster(
        DBClusterIdentifier=cluster, CloudwatchLogsExportConfiguration={"DisableLogTypes": ["postgresql"]},
    )
    assert instance(rds, cluster)["EnabledCloudwatchLogsExports"] == []


def test_instance_ca_is_an_rds_ca_that_describe_certificates_knows(rds, cluster):
    ca = instance(rds, cluster)["CACertificateIdentifier"]
    assert ca == "rds-ca-rsa2048-g1"
    answer = rds.describe_certificates(CertificateIdentifier=ca)
    (certificate,) = answer["Certificates"]
    assert certificate["CertificateIdentifier"] == ca and certificate["CertificateType"] == "CA"
    assert certificate["ValidTill"].year == 2061
    assert answer["DefaultCertificateForNewLaunches"] == ca
    assert {c["CertificateIdentifier"] for c in rds.describe_certificates()["Certificates"]} >= {
        "rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1"}


def test_describe_certificates_of_an_unknown_ca_is_not_found(rds):
    with pytest.raises(ClientError) as excinfo:
        rds.describe_certificates(CertificateIdentifier="rds-ca-2015")
    assert excinfo.value.response["Error"]["Code"] == "CertificateNotFound"


def test_describe_db_engine_versions_lists_the_version_the_platform_runs(rds):
    versions = rds.describe_db_engine_versions(Engine="aurora-postgresql")["DBEngineVersions"]
    assert "16.4" in {v["EngineVersion"] for v in versions}
    assert {v["Engine"] for v in versions} == {"aurora-postgresql"}
    (one,) = rds.describe_db_engine_versions(Engine="aurora-postgresql", EngineVersion="16.4")["DBEngineVersions"]
    assert one["DBParameterGroupFamily"] == "aurora-postgresql16" and one["Status"] == "available"
    assert "postgresql" in one["ExportableLogTypes"]
    family = rds.describe_db_engine_versions(Engine="aurora-postgresql", DBParameterGroupFamily="aurora-postgresql15")
    assert {v["EngineVersion"].split(".")[0] for v in family["DBEngineVersions"]} == {"15"}
    assert rds.describe_db_engine_versions(Engine="aurora-postgresql", EngineVersion="9.6.1")["DBEngineVersions"] == []


def test_rds_managed_master_secret_rotates_every_seven_days(rds, client, cluster):
    arn = rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0]["MasterUserSecret"]["SecretArn"]
    secret = client("secretsmanager").describe_secret(SecretId=arn)
    assert secret["RotationEnabled"] is True
    assert secret["RotationRules"]["AutomaticallyAfterDays"] == 7
    assert (secret["NextRotationDate"] - secret["LastRotatedDate"]).days == 7
    assert "RotationLambdaARN" not in secret or not secret["RotationLambdaARN"]


def test_a_secret_of_our_own_still_reports_no_rotation(client, name):
    secrets = client("secretsmanager")
    secrets.create_secret(Name=name, SecretString="x")
    assert "RotationEnabled" not in secrets.describe_secret(SecretId=name)


def test_last_accessed_date_is_the_day_of_the_last_retrieval(client, name):
    secrets = client("secretsmanager")
    arn = secrets.create_secret(Name=name, SecretString="x")["ARN"]
    assert "LastAccessedDate" not in secrets.describe_secret(SecretId=name)
    secrets.get_secret_value(SecretId=arn)
    accessed = secrets.describe_secret(SecretId=name)["LastAccessedDate"]
    utc = accessed.astimezone(datetime.timezone.utc)
    assert (utc.hour, utc.minute, utc.second) == (0, 0, 0)
    assert utc.date() == datetime.datetime.now(datetime.timezone.utc).date()
    listed = [s for s in secrets.list_secrets()["SecretList"] if s["Name"] == name]
    assert listed[0]["LastAccessedDate"] == accessed


def test_a_service_whose_tasks_start_retrieves_their_secrets(client, name, vpc):
    secrets, ecs = client("secretsmanager"), client("ecs")
    used = secrets.create_secret(Name=f"{name}-used", SecretString='{"k": "v"}')["ARN"]
    secrets.create_secret(Name=f"{name}-idle", SecretString="x")
    ecs.create_cluster(clusterName=name)
    definition = ecs.register_task_definition(
        family=name, requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256", memory="512",
        containerDefinitions=[{"name": "app", "image": "nginx", "secrets": [{"name": "K", "valueFrom": f"{used}:k::"}]}],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster=name, serviceName=name, taskDefinition=definition, desiredCount=1, launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": vpc["subnets"][:1]}},
    )
    assert "LastAccessedDate" in secrets.describe_secret(SecretId=f"{name}-used")
    assert "LastAccessedDate" not in secrets.describe_secret(SecretId=f"{name}-idle")


def _managed_interfaces(ec2, **filters):
    answer = ec2.describe_network_interfaces(Filters=[{"Name": k, "Values": v} for k, v in filters.items()])
    return [eni for eni in answer["NetworkInterfaces"] if eni.get("RequesterManaged")]


def test_aurora_instances_have_managed_interfaces_with_the_clusters_groups(client, rds, vpc, name):
    ec2 = client("ec2")
    group = ec2.create_security_group(GroupName=name, Description="unit", VpcId=vpc["id"])["GroupId"]
    rds.create_db_subnet_group(DBSubnetGroupName=name, DBSubnetGroupDescription="unit", SubnetIds=vpc["subnets"])
    rds.create_db_cluster(DBClusterIdentifier=name, Engine="aurora-postgresql", EngineVersion="16.4",
                          MasterUsername="streamflix", ManageMasterUserPassword=True, DBSubnetGroupName=name,
                          VpcSecurityGroupIds=[group])
    for index in (1, 2):
        rds.create_db_instance(DBInstanceIdentifier=f"{name}-{index}", DBClusterIdentifier=name,
                               Engine="aurora-postgresql", DBInstanceClass="db.serverless")
    enis = _managed_interfaces(ec2, **{"group-id": [group]})
    assert len(enis) == 2
    assert {eni["SubnetId"] for eni in enis} <= set(vpc["subnets"])
    assert all(eni["VpcId"] == vpc["id"] and eni["InterfaceType"] == "interface" and eni["RequesterId"] == "amazon-rds"
               and eni["Status"] == "in-use" and eni["Groups"][0]["GroupName"] == name for eni in enis)
    again = ec2.describe_network_interfaces(NetworkInterfaceIds=[enis[0]["NetworkInterfaceId"]])["NetworkInterfaces"]
    assert [eni["PrivateIpAddress"] for eni in again] == [enis[0]["PrivateIpAddress"]]  # stable between calls
    assert _managed_interfaces(ec2, **{"group-id": [group], "requester-managed": ["false"]}) == []
    assert _managed_interfaces(ec2, **{"group-id": [group], "tag:Name": ["x"]}) == []  # unknown filter: left out

    # Never stored: the group deletes once the instances are gone, and the interfaces go with them.
    for index in (1, 2):
        rds.delete_db_instance(DBInstanceIdentifier=f"{name}-{index}")
    rds.delete_db_cluster(DBClusterIdentifier=name, SkipFinalSnapshot=True)
    assert _managed_interfaces(ec2, **{"group-id": [group]}) == []
    ec2.delete_security_group(GroupId=group)


def test_cache_nodes_have_managed_interfaces_and_unknown_ids_still_fail(client, vpc, name):
    ec2 = client("ec2")
    ecc = client("elasticache")
    group = ec2.create_security_group(GroupName=name, Description="unit", VpcId=vpc["id"])["GroupId"]
    ecc.create_cache_subnet_group(CacheSubnetGroupName=name, CacheSubnetGroupDescription="unit", SubnetIds=vpc["subnets"])
    ecc.create_replication_group(ReplicationGroupId=name, ReplicationGroupDescription="unit", Engine="redis",
                                 EngineVersion="7.1", CacheNodeType="cache.t4g.micro", NumCacheClusters=2,
                                 CacheSubnetGroupName=name, SecurityGroupIds=[group])
    enis = _managed_interfaces(ec2, **{"vpc-id": [vpc["id"]], "group-id": [group]})
    assert sorted(eni["Description"] for eni in enis) == [f"ElastiCache {name}-001", f"ElastiCache {name}-002"]
    assert all(eni["RequesterId"] == "amazon-elasticache" for eni in enis)
    with pytest.raises(ClientError) as error:
        ec2.describe_network_interfaces(NetworkInterfaceIds=["eni-0123456789abcdef0"])
    assert error.value.response["Error"]["Code"] == "InvalidNetworkInterfaceID.NotFound"
    ecc.delete_replication_group(ReplicationGroupId=name)
    assert _managed_interfaces(ec2, **{"group-id": [group]}) == []


def test_aurora_instance_reports_the_clusters_iam_database_authentication(rds, cluster):
    assert instance(rds, cluster)["IAMDatabaseAuthenticationEnabled"] is False
    rds.modify_db_cluster(DBClusterIdentifier=cluster, ApplyImmediately=True, EnableIAMDatabaseAuthentication=True)
    assert instance(rds, cluster)["IAMDatabaseAuthenticationEnabled"] is True
