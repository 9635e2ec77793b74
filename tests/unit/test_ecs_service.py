"""ecs_service against in-process moto (with the localaws ECS fill), the AWS state read back through boto3."""

from __future__ import annotations

import datetime

import boto3
import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils import ecs
from ansible_collections.streamflix.media_platform.plugins.modules import ecs_service
from module_harness import REGION, aws_env, fail_module, moto, run_module  # noqa: F401

CLUSTER = "streamflix-cluster-unit"
NAME = "streamflix-api-unit"
TG_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/streamflix-api-unit/0123456789abcdef"
TG2_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/streamflix-api-unit2/0123456789abcdef"


# ---------------------------------------------------------------- pure functions


def params(**extra):
    base = {
        "state": "present",
        "name": NAME,
        "desired_count": 2,
        "autoscaled": False,
        "min_count": None,
        "max_count": None,
        "platform_version": "LATEST",
        "network_configuration": {"subnets": ["subnet-a", "subnet-b"], "security_groups": ["sg-1"], "assign_public_ip": False},
        "load_balancers": [{"target_group_arn": TG_ARN, "container_name": "api", "container_port": 8080}],
        "health_check_grace_period_seconds": 60,
        "deployment_configuration": {
            "maximum_percent": 200,
            "minimum_healthy_percent": 100,
            "deployment_circuit_breaker": {"enable": True, "rollback": True},
        },
        "enable_execute_command": False,
        "enable_ecs_managed_tags": True,
        "propagate_tags": "SERVICE",
        "tags": {"Project": "streamflix"},
    }
    base.update(extra)
    return base


@pytest.mark.parametrize(
    "current, extra, expected",
    [
        (None, {}, 2),  # new service: desired_count
        (5, {}, 2),  # not autoscaled: converged
        (None, {"autoscaled": True}, 2),  # new autoscaled service starts at desired_count
        (5, {"autoscaled": True}, 5),  # autoscaling moved it: kept
        (5, {"autoscaled": True, "min_count": 2, "max_count": 10}, 5),
        (1, {"autoscaled": True, "min_count": 2, "max_count": 10}, 2),  # below min: raised
        (12, {"autoscaled": True, "min_count": 2, "max_count": 10}, 10),  # above max: lowered
        (None, {"autoscaled": True, "desired_count": 1, "min_count": 2}, 2),  # created within range
        (0, {"autoscaled": True, "max_count": 4}, 0),
    ],
)
def test_target_desired_count(current, extra, expected):
    assert ecs.target_desired_count(current, params(**extra)) == expected


CURRENT = {
    "task_definition": "arn:aws:ecs:us-east-1:123456789012:task-definition/app:1",
    "desired_count": 2,
    "platform_version": "LATEST",
    "network_configuration": {"subnets": ["subnet-b", "subnet-a"], "security_groups": ["sg-1"], "assign_public_ip": False},
    "load_balancers": [{"target_group_arn": TG_ARN, "container_name": "api", "container_port": 8080}],
    "health_check_grace_period_seconds": 60,
    "deployment_configuration": {
        "maximum_percent": 200,
        "minimum_healthy_percent": 100,
        "deployment_circuit_breaker": {"enable": True, "rollback": True},
    },
    "enable_execute_command": False,
    "enable_ecs_managed_tags": True,
    "propagate_tags": "SERVICE",
}


def desired(**extra):
    return ecs.desired_service(params(**extra), CURRENT["task_definition"])


@pytest.mark.parametrize(
    "want, count, expected",
    [
        (desired(), 2, []),
        (dict(desired(), task_definition="arn:aws:ecs:us-east-1:123456789012:task-definition/app:2"), 2, ["task_definition"]),
        (desired(), 3, ["desired_count"]),
        (desired(platform_version="1.4.0"), 2, ["platform_version"]),
        (desired(platform_version=None), 2, []),
        # subnet order does not matter; membership does
        (desired(network_configuration={"subnets": ["subnet-a", "subnet-b"], "security_groups": ["sg-1"], "assign_public_ip": False}), 2, []),
        (desired(network_configuration={"subnets": ["subnet-a"], "security_groups": ["sg-1"], "assign_public_ip": False}), 2, ["network_configuration"]),
        (desired(network_configuration={"subnets": ["subnet-a", "subnet-b"], "security_groups": ["sg-2"], "assign_public_ip": False}), 2, ["network_configuration"]),
        # security groups not given: not compared
        (desired(network_configuration={"subnets": ["subnet-a", "subnet-b"], "security_groups": None, "assign_public_ip": False}), 2, []),
        (desired(network_configuration={"subnets": ["subnet-a", "subnet-b"], "security_groups": ["sg-1"], "assign_public_ip": True}), 2, ["network_configuration"]),
        (desired(load_balancers=None), 2, []),
        (desired(load_balancers=[]), 2, ["load_balancers"]),
        (desired(load_balancers=[{"target_group_arn": TG_ARN, "container_name": "api", "container_port": 80}]), 2, ["load_balancers"]),
        (desired(health_check_grace_period_seconds=None), 2, []),
        (desired(health_check_grace_period_seconds=120), 2, ["health_check_grace_period_seconds"]),
        (desired(deployment_configuration=None), 2, []),
        (desired(deployment_configuration={"maximum_percent": 200}), 2, []),
        (desired(deployment_configuration={"maximum_percent": 150}), 2, ["deployment_configuration"]),
        (
            desired(deployment_configuration={"deployment_circuit_breaker": {"enable": True, "rollback": False}}),
            2,
            ["deployment_configuration"],
        ),
        (desired(enable_execute_command=True), 2, ["enable_execute_command"]),
        (desired(enable_ecs_managed_tags=False), 2, ["enable_ecs_managed_tags"]),
        (desired(propagate_tags="TASK_DEFINITION"), 2, ["propagate_tags"]),
        (desired(propagate_tags="NONE", enable_execute_command=True), 5, ["desired_count", "enable_execute_command", "propagate_tags"]),
    ],
)
def test_changed_settings(want, count, expected):
    assert ecs.changed_settings(CURRENT, want, count) == expected


@pytest.mark.parametrize(
    "current, expected",
    [
        ({"launch_type": "FARGATE", "scheduling_strategy": "REPLICA", "deployment_controller": "ECS"}, []),
        ({"launch_type": "EC2", "scheduling_strategy": "REPLICA", "deployment_controller": "ECS"}, ["launch_type"]),
        ({"launch_type": None, "scheduling_strategy": "REPLICA", "deployment_controller": "ECS"}, ["launch_type"]),  # capacity providers
        ({"launch_type": "FARGATE", "scheduling_strategy": "DAEMON", "deployment_controller": "CODE_DEPLOY"}, ["scheduling_strategy", "deployment_controller"]),
    ],
)
def test_settings_to_replace(current, expected):
    assert ecs.settings_to_replace(current, desired()) == expected


@pytest.mark.parametrize(
    "extra, fragment",
    [
        ({}, None),
        ({"desired_count": -1}, "desired_count must be 0 or more"),
        ({"autoscaled": True, "min_count": 4, "max_count": 2}, "min_count (4) must not be above max_count (2)"),
        ({"min_count": 1}, "only apply with autoscaled=true"),
        ({"network_configuration": {"subnets": [], "security_groups": None, "assign_public_ip": False}}, "at least one subnet"),
        ({"load_balancers": []}, "health_check_grace_period_seconds only applies"),
        ({"deployment_configuration": {"minimum_healthy_percent": 150}}, "between 0 and 100"),
        ({"deployment_configuration": {"minimum_healthy_percent": 100, "maximum_percent": 50}}, "must not be below"),
    ],
)
def test_input_problems(extra, fragment):
    problems = ecs.input_problems(params(**extra))
    if fragment is None:
        assert problems == []
    else:
        assert any(fragment in problem for problem in problems), problems


def test_deployment_configuration_request_keeps_what_is_not_managed():
    raw = {
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
        "deploymentCircuitBreaker": {"enable": False, "rollback": False},
        "alarms": {"alarmNames": ["a"], "enable": True, "rollback": True},
    }
    assert ecs.deployment_configuration_request(raw, {"maximum_percent": 150, "deployment_circuit_breaker": {"enable": True, "rollback": True}}) == {
        "maximumPercent": 150,
        "minimumHealthyPercent": 100,
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "alarms": {"alarmNames": ["a"], "enable": True, "rollback": True},
    }


def test_update_request_sends_only_the_changes():
    want = desired(enable_execute_command=True, network_configuration={"subnets": ["subnet-c"], "security_groups": None, "assign_public_ip": False})
    changes = ecs.changed_settings(CURRENT, want, 2)
    assert changes == ["network_configuration", "enable_execute_command"]
    request = ecs.update_request({}, CURRENT, want, 2, changes, False)
    assert request == {
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-c"], "assignPublicIp": "DISABLED", "securityGroups": ["sg-1"]}},
        "enableExecuteCommand": True,
    }
    assert ecs.update_request({}, CURRENT, desired(), 2, [], True) == {"forceNewDeployment": True}


def test_current_service_maps_describe_entry():
    entry = {
        "serviceArn": "arn:svc",
        "serviceName": NAME,
        "clusterArn": "arn:cluster",
        "status": "ACTIVE",
        "desiredCount": 2,
        "runningCount": 1,
        "pendingCount": 1,
        "taskDefinition": "arn:td:1",
        "launchType": "FARGATE",
        "platformVersion": "LATEST",
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"], "securityGroups": ["sg-1"], "assignPublicIp": "ENABLED"}},
        "loadBalancers": [{"targetGroupArn": TG_ARN, "containerName": "api", "containerPort": 8080}],
        "deploymentConfiguration": {"maximumPercent": 200, "minimumHealthyPercent": 50},
        "deployments": [{"id": "d1", "status": "PRIMARY", "taskDefinition": "arn:td:1", "desiredCount": 2, "runningCount": 1,
                         "pendingCount": 1, "failedTasks": 0, "rolloutState": "IN_PROGRESS"}],
        "schedulingStrategy": "REPLICA",
        "deploymentController": {"type": "ECS"},
    }
    view = ecs.current_service(entry, [{"key": "Project", "value": "streamflix"}])
    assert view["network_configuration"] == {"subnets": ["subnet-a"], "security_groups": ["sg-1"], "assign_public_ip": True}
    assert view["load_balancers"] == [{"target_group_arn": TG_ARN, "container_name": "api", "container_port": 8080}]
    assert view["deployment_configuration"] == {
        "maximum_percent": 200, "minimum_healthy_percent": 50, "deployment_circuit_breaker": {"enable": False, "rollback": False},
    }
    assert view["deployments"][0]["rollout_state"] == "IN_PROGRESS"
    assert view["enable_execute_command"] is False and view["propagate_tags"] == "NONE"
    assert view["tags"] == {"Project": "streamflix"}
    assert "running_count" not in ecs.config_view(view) and "deployments" not in ecs.config_view(view)
    assert ecs.current_service(None, []) == {}


# ---------------------------------------------------------------- module against moto


@pytest.fixture
def world(moto):
    from localaws.fills import ecs as ecs_fill

    ecs_fill.apply()
    ec2 = boto3.client("ec2", region_name=REGION)
    client = boto3.client("ecs", region_name=REGION)
    vpc_id = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.30.{0}.0/24".format(i), AvailabilityZone=REGION + az)["Subnet"]["SubnetId"]
        for i, az in ((1, "a"), (2, "b"))
    ]
    groups = [
        ec2.create_security_group(GroupName="streamflix-app-{0}".format(i), Description="app", VpcId=vpc_id)["GroupId"]
        for i in (1, 2)
    ]
    client.create_cluster(clusterName=CLUSTER)
    arns = []
    for image in ("nginx:1", "nginx:2"):
        arns.append(
            client.register_task_definition(
                family="streamflix-api-unit",
                requiresCompatibilities=["FARGATE"],
                networkMode="awsvpc",
                cpu="256",
                memory="512",
                containerDefinitions=[{"name": "api", "image": image, "portMappings": [{"containerPort": 8080}]}],
            )["taskDefinition"]["taskDefinitionArn"]
        )
    return {"ecs": client, "subnets": subnets, "groups": groups, "td": arns}


def args(world, **extra):
    base = {
        "cluster": CLUSTER,
        "name": NAME,
        "task_definition": "streamflix-api-unit:1",
        "desired_count": 2,
        "network_configuration": {"subnets": world["subnets"], "security_groups": [world["groups"][0]]},
        "load_balancers": [{"target_group_arn": TG_ARN, "container_name": "api", "container_port": 8080}],
        "health_check_grace_period_seconds": 60,
        "deployment_configuration": {
            "maximum_percent": 200,
            "minimum_healthy_percent": 100,
            "deployment_circuit_breaker": {"enable": True, "rollback": True},
        },
        "tags": {"Project": "streamflix", "Environment": "unit"},
    }
    base.update(extra)
    return base


ABSENT = {"cluster": CLUSTER, "name": NAME, "state": "absent"}


def aws_service(world):
    services = world["ecs"].describe_services(cluster=CLUSTER, services=[NAME])["services"]
    return services[0] if services else None


def aws_tags(world):
    return {tag["key"]: tag["value"] for tag in world["ecs"].list_tags_for_resource(resourceArn=aws_service(world)["serviceArn"])["tags"]}


@pytest.fixture
def update_calls(monkeypatch):
    """The UpdateService requests the module sends."""
    calls = []
    real = ecs_service.ecs.update_service

    def spy(client, cluster, name, request):
        calls.append(request)
        return real(client, cluster, name, request)

    monkeypatch.setattr(ecs_service.ecs, "update_service", spy)
    return calls


def test_create(world):
    result = run_module(ecs_service, args(world))
    assert result["changed"] is True
    assert result["changes"] == ["create"]
    service = aws_service(world)
    assert service["status"] == "ACTIVE"
    assert service["desiredCount"] == 2
    assert service["taskDefinition"] == world["td"][0]
    assert service["launchType"] == "FARGATE"
    assert service["platformVersion"] == "LATEST"
    assert service["schedulingStrategy"] == "REPLICA"
    assert service["networkConfiguration"]["awsvpcConfiguration"] == {
        "subnets": world["subnets"], "securityGroups": [world["groups"][0]], "assignPublicIp": "DISABLED",
    }
    assert service["loadBalancers"] == [{"targetGroupArn": TG_ARN, "containerName": "api", "containerPort": 8080}]
    assert service["healthCheckGracePeriodSeconds"] == 60
    assert service["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert (service["deploymentConfiguration"]["maximumPercent"], service["deploymentConfiguration"]["minimumHealthyPercent"]) == (200, 100)
    assert service["enableExecuteCommand"] is False
    assert service["enableECSManagedTags"] is True
    assert service["propagateTags"] == "SERVICE"
    assert aws_tags(world) == {"Project": "streamflix", "Environment": "unit"}
    view = result["service"]
    assert view["arn"] == service["serviceArn"]
    assert view["task_definition"] == world["td"][0]
    assert view["tags"] == {"Project": "streamflix", "Environment": "unit"}
    assert view["deployments"][0]["task_definition"] == world["td"][0]
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"] == ecs.config_view(view)


def test_second_run_is_idempotent(world, update_calls):
    first = run_module(ecs_service, args(world))
    second = run_module(ecs_service, args(world))
    assert second["changed"] is False
    assert second["changes"] == []
    assert second["diff"]["before"] == second["diff"]["after"]
    assert second["service"]["arn"] == first["service"]["arn"]
    assert update_calls == []


def test_check_mode_run_after_create_is_unchanged(world):
    run_module(ecs_service, args(world))
    assert run_module(ecs_service, args(world), check_mode=True)["changed"] is False


def test_check_mode_create_changes_nothing(world):
    result = run_module(ecs_service, args(world), check_mode=True)
    assert result["changed"] is True
    assert result["changes"] == ["create"]
    view = result["service"]
    assert view["arn"] is None
    assert view["desired_count"] == 2
    assert view["task_definition"] == world["td"][0]
    assert view["load_balancers"] == [{"target_group_arn": TG_ARN, "container_name": "api", "container_port": 8080}]
    assert view["deployment_configuration"]["deployment_circuit_breaker"] == {"enable": True, "rollback": True}
    assert view["tags"] == {"Project": "streamflix", "Environment": "unit"}
    assert result["diff"] == {"before": {}, "after": ecs.config_view(view)}
    assert aws_service(world) is None


def test_check_mode_on_empty_account_plans(world):
    """--check before the cluster and the task definition exist (an earlier task would create them)."""
    result = run_module(ecs_service, args(world, cluster="streamflix-cluster-new", task_definition="streamflix-api-new:1"), check_mode=True)
    assert result["changed"] is True
    assert result["service"]["task_definition"] == "streamflix-api-new:1"
    assert world["ecs"].list_clusters()["clusterArns"] == [world["ecs"].describe_clusters(clusters=[CLUSTER])["clusters"][0]["clusterArn"]]


def test_check_mode_with_a_planned_new_revision_plans_the_update(world, update_calls):
    """--check after the task definition changed: its task planned a new revision and passes no ARN (None)."""
    run_module(ecs_service, args(world))
    result = run_module(ecs_service, args(world, task_definition=None), check_mode=True)
    assert result["changed"] is True
    assert result["service"]["task_definition"] == ecs_service.NEW_REVISION
    assert aws_service(world)["taskDefinition"] == world["td"][0] and update_calls == []


def test_autoscaled_count_is_kept(world, update_calls):
    run_module(ecs_service, args(world, autoscaled=True, min_count=2, max_count=4))
    # Autoscaling moves the count.
    world["ecs"].update_service(cluster=CLUSTER, service=NAME, desiredCount=3)
    result = run_module(ecs_service, args(world, autoscaled=True, min_count=2, max_count=4))
    assert result["changed"] is False
    assert aws_service(world)["desiredCount"] == 3
    assert result["service"]["desired_count"] == 3
    assert update_calls == []
    # ... and another setting changing does not reset it either.
    result = run_module(ecs_service, args(world, autoscaled=True, min_count=2, max_count=4, task_definition="streamflix-api-unit:2"))
    assert result["changes"] == ["task_definition"]
    assert update_calls == [{"taskDefinition": world["td"][1]}]
    assert aws_service(world)["desiredCount"] == 3


@pytest.mark.parametrize("moved, expected", [(10, 4), (1, 2)])
def test_autoscaled_count_outside_range_is_clamped(world, update_calls, moved, expected):
    run_module(ecs_service, args(world, autoscaled=True, min_count=2, max_count=4))
    world["ecs"].update_service(cluster=CLUSTER, service=NAME, desiredCount=moved)
    result = run_module(ecs_service, args(world, autoscaled=True, min_count=2, max_count=4))
    assert result["changed"] is True
    assert result["changes"] == ["desired_count"]
    assert update_calls == [{"desiredCount": expected}]
    assert aws_service(world)["desiredCount"] == expected
    assert result["diff"]["before"]["desired_count"] == moved
    assert result["diff"]["after"]["desired_count"] == expected


def test_not_autoscaled_count_is_converged(world, update_calls):
    run_module(ecs_service, args(world))
    world["ecs"].update_service(cluster=CLUSTER, service=NAME, desiredCount=5)
    result = run_module(ecs_service, args(world))
    assert result["changes"] == ["desired_count"]
    assert update_calls == [{"desiredCount": 2}]
    assert aws_service(world)["desiredCount"] == 2


def test_task_definition_change_deploys_only_it(world, update_calls):
    first = run_module(ecs_service, args(world))
    result = run_module(ecs_service, args(world, task_definition=world["td"][1]))
    assert result["changed"] is True
    assert result["changes"] == ["task_definition"]
    assert update_calls == [{"taskDefinition": world["td"][1]}]
    service = aws_service(world)
    assert service["taskDefinition"] == world["td"][1]
    assert [d["taskDefinition"] for d in service["deployments"]] == [world["td"][1]]
    assert service["deployments"][0]["id"] != first["service"]["deployments"][0]["id"]
    assert result["diff"]["before"]["task_definition"] == world["td"][0]
    assert result["diff"]["after"]["task_definition"] == world["td"][1]
    assert run_module(ecs_service, args(world, task_definition=world["td"][1]))["changed"] is False


def test_family_means_latest_revision(world):
    run_module(ecs_service, args(world))
    result = run_module(ecs_service, args(world, task_definition="streamflix-api-unit"))
    assert result["changes"] == ["task_definition"]
    assert aws_service(world)["taskDefinition"] == world["td"][1]


def test_network_and_settings_change_in_place(world, update_calls):
    run_module(ecs_service, args(world))
    changed = args(
        world,
        network_configuration={"subnets": world["subnets"][:1], "security_groups": world["groups"]},
        health_check_grace_period_seconds=120,
        deployment_configuration={"maximum_percent": 150},
        enable_execute_command=True,
        propagate_tags="TASK_DEFINITION",
    )
    result = run_module(ecs_service, changed)
    assert result["changes"] == [
        "network_configuration", "health_check_grace_period_seconds", "deployment_configuration", "enable_execute_command", "propagate_tags",
    ]
    [request] = update_calls
    assert set(request) == {
        "networkConfiguration", "healthCheckGracePeriodSeconds", "deploymentConfiguration", "enableExecuteCommand", "propagateTags",
    }
    service = aws_service(world)
    assert service["networkConfiguration"]["awsvpcConfiguration"]["subnets"] == world["subnets"][:1]
    assert service["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"] == world["groups"]
    assert service["healthCheckGracePeriodSeconds"] == 120
    # the deployment settings not given are kept
    assert service["deploymentConfiguration"] == {
        "maximumPercent": 150, "minimumHealthyPercent": 100, "deploymentCircuitBreaker": {"enable": True, "rollback": True},
    }
    assert service["enableExecuteCommand"] is True
    assert service["propagateTags"] == "TASK_DEFINITION"
    assert result["service"]["deployment_configuration"]["maximum_percent"] == 150
    assert run_module(ecs_service, changed)["changed"] is False


def test_load_balancers_change_and_removal(world, update_calls):
    run_module(ecs_service, args(world))
    other = [{"target_group_arn": TG2_ARN, "container_name": "api", "container_port": 8080}]
    result = run_module(ecs_service, args(world, load_balancers=other))
    assert result["changes"] == ["load_balancers"]
    assert aws_service(world)["loadBalancers"] == [{"targetGroupArn": TG2_ARN, "containerName": "api", "containerPort": 8080}]
    # omitted: left alone
    params = args(world)
    del params["load_balancers"]
    assert run_module(ecs_service, params)["changed"] is False
    # empty list: removed (the grace period only applies with load balancers)
    params = args(world, load_balancers=[])
    del params["health_check_grace_period_seconds"]
    result = run_module(ecs_service, params)
    assert result["changes"] == ["load_balancers"]
    assert update_calls[-1] == {"loadBalancers": []}
    assert aws_service(world)["loadBalancers"] == []


def test_check_mode_update_changes_nothing(world):
    run_module(ecs_service, args(world))
    result = run_module(ecs_service, args(world, task_definition=world["td"][1], desired_count=3, tags={"Owner": "media"}), check_mode=True)
    assert result["changed"] is True
    assert result["changes"] == ["task_definition", "desired_count", "tags"]
    assert result["service"]["task_definition"] == world["td"][1]
    assert result["service"]["desired_count"] == 3
    assert result["service"]["tags"] == {"Owner": "media"}
    assert result["diff"]["before"]["desired_count"] == 2
    service = aws_service(world)
    assert (service["taskDefinition"], service["desiredCount"]) == (world["td"][0], 2)
    assert aws_tags(world) == {"Project": "streamflix", "Environment": "unit"}


def test_tags(world, update_calls):
    run_module(ecs_service, args(world))
    result = run_module(ecs_service, args(world, tags={"Project": "streamflix", "Owner": "media"}))
    assert result["changes"] == ["tags"]
    assert update_calls == []
    assert aws_tags(world) == {"Project": "streamflix", "Owner": "media"}
    assert result["diff"]["after"]["tags"] == {"Project": "streamflix", "Owner": "media"}
    result = run_module(ecs_service, args(world, tags={"Team": "video"}, purge_tags=False))
    assert aws_tags(world) == {"Project": "streamflix", "Owner": "media", "Team": "video"}
    assert result["service"]["tags"] == {"Project": "streamflix", "Owner": "media", "Team": "video"}
    params = args(world)
    del params["tags"]
    assert run_module(ecs_service, params)["changed"] is False
    assert aws_tags(world) == {"Project": "streamflix", "Owner": "media", "Team": "video"}


def test_force_new_deployment(world, update_calls):
    first = run_module(ecs_service, args(world))
    result = run_module(ecs_service, args(world, force_new_deployment=True))
    assert result["changed"] is True
    assert result["changes"] == ["force_new_deployment"]
    assert update_calls == [{"forceNewDeployment": True}]
    assert aws_service(world)["deployments"][0]["id"] != first["service"]["deployments"][0]["id"]


def test_redeploy_if_before_rolls_once_after_the_instant(world, update_calls):
    run_module(ecs_service, args(world))
    created = aws_service(world)["deployments"][0]["createdAt"]
    earlier = (created - datetime.timedelta(seconds=5)).isoformat()
    assert run_module(ecs_service, args(world, redeploy_if_before=earlier))["changed"] is False  # deployed after it
    later = datetime.datetime.now(datetime.timezone.utc).isoformat()  # "the secret changed now", after the deployment
    planned = run_module(ecs_service, args(world, redeploy_if_before=later), check_mode=True)
    assert planned["changed"] is True and planned["changes"] == ["force_new_deployment"] and update_calls == []
    rolled = run_module(ecs_service, args(world, redeploy_if_before=later))
    assert rolled["changes"] == ["force_new_deployment"] and update_calls == [{"forceNewDeployment": True}]
    newest = aws_service(world)["deployments"][0]["createdAt"]
    assert newest > created
    # The new deployment is after the instant: a re-run rolls nothing (the state decides, not a flag).
    assert run_module(ecs_service, args(world, redeploy_if_before=later))["changed"] is False


def test_redeploy_if_before_must_be_a_date(world):
    run_module(ecs_service, args(world))
    assert "redeploy_if_before must be an ISO 8601" in fail_module(ecs_service, args(world, redeploy_if_before="yesterday"))["msg"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-12-04T01:45:44+00:00", datetime.datetime(2026, 12, 4, 1, 45, 44, tzinfo=datetime.timezone.utc)),
        ("2026-12-04 01:45:44.5Z", datetime.datetime(2026, 12, 4, 1, 45, 44, 500000, tzinfo=datetime.timezone.utc)),
        ("2026-12-04T02:45:44+01:00", datetime.datetime(2026, 12, 4, 1, 45, 44, tzinfo=datetime.timezone.utc)),
        ("2026-12-04T01:45:44", datetime.datetime(2026, 12, 4, 1, 45, 44, tzinfo=datetime.timezone.utc)),
    ],
)
def test_parse_instant(text, expected):
    assert ecs.parse_instant(text) == expected


def create_ec2_service(world):
    world["ecs"].create_service(
        cluster=CLUSTER,
        serviceName=NAME,
        taskDefinition="streamflix-api-unit:1",
        desiredCount=1,
        launchType="EC2",
        networkConfiguration={"awsvpcConfiguration": {"subnets": world["subnets"], "securityGroups": [world["groups"][0]]}},
    )


def test_launch_type_change_fails_clearly(world):
    create_ec2_service(world)
    result = fail_module(ecs_service, args(world))
    assert "cannot change launch_type in place" in result["msg"]
    assert "recreate_on_change" in result["msg"]
    assert result["replacement_needed"] == ["launch_type"]
    assert aws_service(world)["launchType"] == "EC2"


def test_launch_type_change_with_recreate_on_change(world):
    create_ec2_service(world)
    check = run_module(ecs_service, args(world, recreate_on_change=True), check_mode=True)
    assert check["changes"] == ["recreate", "launch_type"]
    assert aws_service(world)["launchType"] == "EC2"
    result = run_module(ecs_service, args(world, recreate_on_change=True))
    assert result["changes"] == ["recreate", "launch_type"]
    service = aws_service(world)
    assert (service["status"], service["launchType"], service["desiredCount"]) == ("ACTIVE", "FARGATE", 2)
    assert result["diff"]["before"]["launch_type"] == "EC2"
    assert result["diff"]["after"]["launch_type"] == "FARGATE"
    assert run_module(ecs_service, args(world))["changed"] is False


def test_wait_true_waits_for_a_stable_service(world):
    result = run_module(ecs_service, args(world, wait=True, wait_timeout=30))
    assert result["service"]["running_count"] == 2
    assert result["service"]["deployments"][0]["rollout_state"] == "COMPLETED"
    result = run_module(ecs_service, dict(ABSENT, wait=True, wait_timeout=30))
    assert result["changed"] is True
    assert aws_service(world)["status"] == "INACTIVE"


def test_wait_timeout_fails_with_advice(world, monkeypatch):
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "0")  # moto's switch: tasks never start
    result = fail_module(ecs_service, args(world, wait=True, wait_timeout=2))
    assert "did not become stable within wait_timeout (2s)" in result["msg"]
    assert "describe-services" in result["msg"]
    assert aws_service(world)["status"] == "ACTIVE"  # created; the wait is what failed


def test_unknown_task_definition_fails(world):
    result = fail_module(ecs_service, args(world, task_definition="streamflix-nope:7"))
    assert "Task definition streamflix-nope:7 is not registered" in result["msg"]
    assert aws_service(world) is None


def test_unknown_subnet_on_update_fails(world):
    run_module(ecs_service, args(world))
    result = fail_module(ecs_service, args(world, network_configuration={"subnets": ["subnet-0000000000000000f"]}, desired_count=3))
    assert "Could not change desired_count, network_configuration" in result["msg"]
    service = aws_service(world)
    assert service["desiredCount"] == 2
    assert service["networkConfiguration"]["awsvpcConfiguration"]["subnets"] == world["subnets"]


@pytest.mark.parametrize(
    "extra, fragment",
    [
        ({"autoscaled": True, "min_count": 5, "max_count": 2}, "min_count (5) must not be above max_count (2)"),
        ({"desired_count": -1}, "desired_count must be 0 or more"),
        ({"network_configuration": {"subnets": []}}, "at least one subnet"),
    ],
)
def test_invalid_options_fail_before_any_call(world, extra, fragment):
    result = fail_module(ecs_service, args(world, **extra))
    assert fragment in result["msg"]
    assert aws_service(world) is None


def test_present_without_task_definition_fails(world):
    params = args(world)
    del params["task_definition"]
    assert "task_definition" in fail_module(ecs_service, params)["msg"]


def test_absent_deletes(world):
    first = run_module(ecs_service, args(world))
    result = run_module(ecs_service, ABSENT)
    assert result["changed"] is True
    assert result["changes"] == ["delete"]
    assert result["service"] == {}
    assert result["diff"] == {"before": ecs.config_view(first["service"]), "after": {}}
    assert aws_service(world)["status"] == "INACTIVE"
    assert world["ecs"].list_services(cluster=CLUSTER)["serviceArns"] == []


def test_absent_twice_and_without_cluster_is_unchanged(world):
    run_module(ecs_service, args(world))
    run_module(ecs_service, ABSENT)
    result = run_module(ecs_service, ABSENT)
    assert result["changed"] is False
    assert result["diff"] == {"before": {}, "after": {}}
    assert run_module(ecs_service, dict(ABSENT, cluster="streamflix-cluster-gone"))["changed"] is False


def test_check_mode_absent_deletes_nothing(world):
    run_module(ecs_service, args(world))
    result = run_module(ecs_service, ABSENT, check_mode=True)
    assert result["changed"] is True
    assert result["service"] == {}
    service = aws_service(world)
    assert (service["status"], service["desiredCount"]) == ("ACTIVE", 2)


def test_present_after_delete_creates_again(world):
    first = run_module(ecs_service, args(world))
    run_module(ecs_service, ABSENT)
    result = run_module(ecs_service, args(world))
    assert result["changes"] == ["create"]
    assert aws_service(world)["status"] == "ACTIVE"
    assert result["service"]["arn"] == first["service"]["arn"]


def test_draining_service_is_absent(world):
    from moto.ecs.models import ecs_backends

    run_module(ecs_service, args(world))
    ecs_backends["123456789012"][REGION].services["{0}:{1}".format(CLUSTER, NAME)].status = "DRAINING"
    assert run_module(ecs_service, ABSENT)["changed"] is False
