"""ECS fills: the cluster and service fields AWS always returns (and that
community.aws ecs_cluster / ecs_service read), awsvpc without securityGroups, and UpdateService,
ListServices and the steady state as the ECS API reference describes them."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def ecs(client):
    return client("ecs")


@pytest.fixture
def task_definition(ecs, name):
    ecs.register_task_definition(
        family=name,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "app", "image": "nginx", "portMappings": [{"containerPort": 80}]}],
    )
    return name


def test_cluster_without_capacity_providers_returns_empty_lists(ecs, name):
    created = ecs.create_cluster(clusterName=name)["cluster"]
    assert created["capacityProviders"] == []
    assert created["defaultCapacityProviderStrategy"] == []

    described = ecs.describe_clusters(clusters=[name], include=["TAGS"])["clusters"][0]
    assert described["capacityProviders"] == []
    assert described["defaultCapacityProviderStrategy"] == []
    assert described["tags"] == []
    # Without include=TAGS, AWS leaves tags out.
    assert "tags" not in ecs.describe_clusters(clusters=[name])["clusters"][0]


def test_cluster_capacity_providers_round_trip(ecs, name):
    ecs.create_cluster(
        clusterName=name,
        capacityProviders=["FARGATE"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1, "base": 1}],
        tags=[{"key": "Project", "value": "streamflix"}],
    )
    described = ecs.describe_clusters(clusters=[name], include=["TAGS"])["clusters"][0]
    assert described["capacityProviders"] == ["FARGATE"]
    assert described["defaultCapacityProviderStrategy"][0]["capacityProvider"] == "FARGATE"
    assert described["tags"] == [{"key": "Project", "value": "streamflix"}]


def test_missing_cluster_is_reported_as_failure(ecs, name):
    response = ecs.describe_clusters(clusters=[name])
    assert response["clusters"] == []
    assert response["failures"][0]["reason"] == "MISSING"


def test_service_returns_the_fields_aws_returns(ecs, name, task_definition, vpc):
    ecs.create_cluster(clusterName=name)
    created = ecs.create_service(
        cluster=name,
        serviceName=name,
        taskDefinition=task_definition,
        desiredCount=2,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": vpc["subnets"],
                "securityGroups": [vpc["default_sg"]],
                "assignPublicIp": "DISABLED",
            }
        },
        healthCheckGracePeriodSeconds=60,
        propagateTags="SERVICE",
        tags=[{"key": "Project", "value": "streamflix"}],
    )["service"]
    assert created["enableExecuteCommand"] is False
    assert created["healthCheckGracePeriodSeconds"] == 60
    assert created["placementConstraints"] == []
    assert created["placementStrategy"] == []
    assert created["deploymentConfiguration"]["maximumPercent"] == 200
    assert created["deploymentConfiguration"]["minimumHealthyPercent"] == 100
    assert created["platformVersion"] == "LATEST"
    assert "createdAt" in created

    described = ecs.describe_services(cluster=name, services=[name], include=["TAGS"])["services"][0]
    assert described["enableExecuteCommand"] is False
    assert described["tags"] == [{"key": "Project", "value": "streamflix"}]
    assert described["propagateTags"] == "SERVICE"
    assert described["deploymentController"] == {"type": "ECS"}

    updated = ecs.update_service(cluster=name, service=name, desiredCount=3, enableExecuteCommand=True)["service"]
    assert updated["desiredCount"] == 3
    assert updated["enableExecuteCommand"] is True


def test_awsvpc_without_security_groups_is_accepted(ecs, name, task_definition, vpc):
    ecs.create_cluster(clusterName=name)
    service = ecs.create_service(
        cluster=name,
        serviceName=name,
        taskDefinition=task_definition,
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": vpc["subnets"]}},
    )["service"]
    assert service["networkConfiguration"]["awsvpcConfiguration"]["subnets"] == vpc["subnets"]


@pytest.mark.parametrize(
    "awsvpc",
    [
        {"subnets": ["subnet-doesnotexist"]},
        {"subnets": "VPC", "securityGroups": ["sg-doesnotexist"]},
        {"subnets": []},
    ],
)
def test_awsvpc_with_unknown_network_is_rejected(ecs, name, task_definition, vpc, awsvpc):
    ecs.create_cluster(clusterName=name)
    if awsvpc["subnets"] == "VPC":
        awsvpc = dict(awsvpc, subnets=vpc["subnets"])
    with pytest.raises(ClientError) as excinfo:
        ecs.create_service(
            cluster=name,
            serviceName=name,
            taskDefinition=task_definition,
            desiredCount=1,
            launchType="FARGATE",
            networkConfiguration={"awsvpcConfiguration": awsvpc},
        )
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterException"
    assert ecs.describe_services(cluster=name, services=[name])["services"] == []


def _fargate_service(ecs, name, task_definition, vpc, **extra):
    return ecs.create_service(
        cluster=name,
        serviceName=name,
        taskDefinition=task_definition,
        desiredCount=2,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": vpc["subnets"], "securityGroups": [vpc["default_sg"]]}},
        **extra,
    )["service"]


def test_create_service_returns_enable_ecs_managed_tags(ecs, name, task_definition, vpc):
    ecs.create_cluster(clusterName=name)
    assert _fargate_service(ecs, name, task_definition, vpc, enableECSManagedTags=True)["enableECSManagedTags"] is True
    other = name + "x"
    ecs.create_cluster(clusterName=other)
    assert _fargate_service(ecs, other, task_definition, vpc)["enableECSManagedTags"] is False


def test_service_reaches_steady_state(ecs, name, task_definition, vpc):
    ecs.create_cluster(clusterName=name)
    created = _fargate_service(ecs, name, task_definition, vpc)
    assert (created["runningCount"], created["pendingCount"]) == (2, 0)
    [deployment] = created["deployments"]
    assert (deployment["status"], deployment["rolloutState"], deployment["runningCount"]) == ("PRIMARY", "COMPLETED", 2)
    ecs.get_waiter("services_stable").wait(cluster=name, services=[name], WaiterConfig={"Delay": 1, "MaxAttempts": 3})


def test_update_service_task_definition_starts_a_deployment(ecs, name, task_definition, vpc):
    ecs.create_cluster(clusterName=name)
    created = _fargate_service(ecs, name, task_definition, vpc)
    second = ecs.register_task_definition(
        family=task_definition,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "app", "image": "nginx:2"}],
    )["taskDefinition"]["taskDefinitionArn"]
    updated = ecs.update_service(cluster=name, service=name, taskDefinition=f"{task_definition}:2")["service"]
    assert updated["taskDefinition"] == second  # the ARN, not the family:revision given
    [deployment] = updated["deployments"]
    assert deployment["taskDefinition"] == second
    assert deployment["id"] != created["deployments"][0]["id"]
    # a desired count change alone starts no new deployment
    scaled = ecs.update_service(cluster=name, service=name, desiredCount=3)["service"]
    assert [d["id"] for d in scaled["deployments"]] == [deployment["id"]]
    assert (scaled["desiredCount"], scaled["runningCount"], scaled["deployments"][0]["desiredCount"]) == (3, 3, 3)


def test_update_service_refuses_unknown_task_definition_without_changing_anything(ecs, name, task_definition, vpc):
    ecs.create_cluster(clusterName=name)
    _fargate_service(ecs, name, task_definition, vpc)
    with pytest.raises(ClientError) as excinfo:
        ecs.update_service(cluster=name, service=name, taskDefinition="nope:9", desiredCount=5)
    assert excinfo.value.response["Error"]["Code"] == "ClientException"
    described = ecs.describe_services(cluster=name, services=[name])["services"][0]
    assert described["desiredCount"] == 2
    assert described["taskDefinition"].endswith(f"task-definition/{task_definition}:1")


def test_update_service_validates_the_network(ecs, name, task_definition, vpc):
    ecs.create_cluster(clusterName=name)
    _fargate_service(ecs, name, task_definition, vpc)
    with pytest.raises(ClientError) as excinfo:
        ecs.update_service(
            cluster=name, service=name, networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-doesnotexist"]}}
        )
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterException"
    described = ecs.describe_services(cluster=name, services=[name])["services"][0]
    assert described["networkConfiguration"]["awsvpcConfiguration"]["subnets"] == vpc["subnets"]


def test_deleted_service_is_not_listed_and_cannot_be_updated(ecs, name, task_definition, vpc):
    ecs.create_cluster(clusterName=name)
    _fargate_service(ecs, name, task_definition, vpc)
    ecs.delete_service(cluster=name, service=name, force=True)
    assert ecs.list_services(cluster=name)["serviceArns"] == []
    assert ecs.describe_services(cluster=name, services=[name])["services"][0]["status"] == "INACTIVE"
    with pytest.raises(ClientError) as excinfo:
        ecs.update_service(cluster=name, service=name, desiredCount=1)
    assert excinfo.value.response["Error"]["Code"] == "ServiceNotActiveException"


def test_update_cluster_settings_replaces_the_named_setting(client, name):
    ecs = client("ecs")
    ecs.create_cluster(clusterName=name, settings=[{"name": "containerInsights", "value": "enabled"}])
    cluster = ecs.update_cluster_settings(cluster=name, settings=[{"name": "containerInsights", "value": "disabled"}])["cluster"]
    assert cluster["settings"] == [{"name": "containerInsights", "value": "disabled"}]
    described = ecs.describe_clusters(clusters=[name], include=["SETTINGS"])["clusters"][0]
    assert described["settings"] == [{"name": "containerInsights", "value": "disabled"}]


def test_update_cluster_settings_of_an_unknown_cluster_fails(client):
    ecs = client("ecs")
    with pytest.raises(ecs.exceptions.ClusterNotFoundException):
        ecs.update_cluster_settings(cluster="no-such-cluster", settings=[{"name": "containerInsights", "value": "enabled"}])


def test_tagging_api_does_not_list_deleted_clusters(client, name):
    ecs, tagging = client("ecs"), client("resourcegroupstaggingapi")
    arn = ecs.create_cluster(clusterName=name, tags=[{"key": "Environment", "value": name}])["cluster"]["clusterArn"]
    filters = [{"Key": "Environment", "Values": [name]}]
    assert [r["ResourceARN"] for r in tagging.get_resources(TagFilters=filters)["ResourceTagMappingList"]] == [arn]
    ecs.delete_cluster(cluster=name)
    assert tagging.get_resources(TagFilters=filters)["ResourceTagMappingList"] == []
