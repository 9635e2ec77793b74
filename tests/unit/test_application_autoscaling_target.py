"""application_autoscaling_target against in-process moto (with the application_autoscaling fill), the AWS
state read back through boto3."""

from __future__ import annotations

import datetime

import boto3
import pytest

from ansible_collections.streamflix.media_platform.plugins.module_utils import application_autoscaling as aas
from ansible_collections.streamflix.media_platform.plugins.modules import application_autoscaling_target as module
from localaws.fills import application_autoscaling as aas_fill
from module_harness import REGION, aws_env, fail_module, moto, run_module  # noqa: F401

CLUSTER = "streamflix-unit"
SERVICE = "streamflix-api-unit"
ECS_RESOURCE = "service/{0}/{1}".format(CLUSTER, SERVICE)
ECS_DIMENSION = "ecs:service:DesiredCount"
RDS_RESOURCE = "cluster:streamflix-unit-db"
RDS_DIMENSION = "rds:cluster:ReadReplicaCount"
LABEL = "app/streamflix-unit/50dc6c495c0c9188/targetgroup/streamflix-api-unit/6d0ecf831eec9f09"


# ---------------------------------------------------------------- pure: validation


def params(**extra):
    base = {
        "state": "present",
        "service_namespace": "ecs",
        "resource_id": ECS_RESOURCE,
        "scalable_dimension": None,
        "min_capacity": 1,
        "max_capacity": 4,
        "target_tracking_policies": [],
        "scheduled_actions": [],
    }
    base.update(extra)
    return base


def policy(**extra):
    base = {
        "name": "cpu",
        "predefined_metric": "ECSServiceAverageCPUUtilization",
        "resource_label": None,
        "target_value": 70.0,
        "scale_in_cooldown": 300,
        "scale_out_cooldown": 300,
        "disable_scale_in": False,
    }
    base.update(extra)
    return base


def action(**extra):
    base = {
        "name": "night",
        "schedule": "cron(0 22 * * ? *)",
        "timezone": "UTC",
        "min_capacity": 1,
        "max_capacity": 2,
        "start_time": None,
        "end_time": None,
    }
    base.update(extra)
    return base


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"service_namespace": "rds", "resource_id": RDS_RESOURCE, "max_capacity": 15},
        {"scalable_dimension": ECS_DIMENSION},
        {"min_capacity": 3, "max_capacity": 3},
        {"min_capacity": 0, "max_capacity": 0},
        {"target_tracking_policies": [policy(), policy(name="mem", predefined_metric="ECSServiceAverageMemoryUtilization", target_value=100)]},
        {"target_tracking_policies": [policy(predefined_metric="ALBRequestCountPerTarget", resource_label=LABEL, target_value=5000)]},
        {"target_tracking_policies": [policy(target_value=0.5)]},
        {"scheduled_actions": [action(), action(name="day", schedule="rate(1 day)", min_capacity=None)]},
        {"scheduled_actions": [action(schedule="at(2030-01-01T08:00:00)", max_capacity=None)]},
        {"scheduled_actions": [action(start_time="2030-01-01T00:00:00Z", end_time="2030-06-01T00:00:00+02:00")]},
        {"state": "absent", "min_capacity": None, "max_capacity": None},
    ],
)
def test_valid_parameters(change):
    assert aas.validation_errors(params(**change)) == []


@pytest.mark.parametrize(
    "change, fragment",
    [
        ({"min_capacity": 5, "max_capacity": 4}, "min_capacity 5 is greater than max_capacity 4"),
        ({"min_capacity": -1}, "min_capacity must be 0 or more"),
        ({"scalable_dimension": RDS_DIMENSION}, "does not belong to service_namespace ecs"),
        ({"resource_id": "service/only-cluster"}, "service/<cluster-name>/<service-name>"),
        ({"resource_id": RDS_RESOURCE}, "service/<cluster-name>/<service-name>"),
        ({"service_namespace": "rds"}, "cluster:<db-cluster-identifier>"),
        ({"service_namespace": "rds", "resource_id": RDS_RESOURCE, "max_capacity": 16}, "above 15"),
        ({"target_tracking_policies": [policy(), policy()]}, "the name cpu is used more than once"),
        ({"target_tracking_policies": [policy(predefined_metric="RDSReaderAverageCPUUtilization")]}, "does not apply to service_namespace ecs"),
        ({"target_tracking_policies": [policy(predefined_metric="ALBRequestCountPerTarget")]}, "needs resource_label"),
        ({"target_tracking_policies": [policy(predefined_metric="ALBRequestCountPerTarget", resource_label="my-alb")]}, "is not app/"),
        ({"target_tracking_policies": [policy(resource_label=LABEL)]}, "resource_label applies only to ALBRequestCountPerTarget"),
        ({"target_tracking_policies": [policy(target_value=0)]}, "target_value must be greater than 0"),
        ({"target_tracking_policies": [policy(target_value=120)]}, "a percentage, 100 at most"),
        ({"target_tracking_policies": [policy(scale_in_cooldown=-5)]}, "scale_in_cooldown must be 0 or more"),
        ({"target_tracking_policies": [policy(name="")]}, "printable ASCII"),
        ({"scheduled_actions": [action(), action()]}, "the name night is used more than once"),
        ({"scheduled_actions": [action(min_capacity=3, max_capacity=2)]}, "min_capacity 3 is greater than max_capacity 2"),
        ({"scheduled_actions": [action(min_capacity=None, max_capacity=None)]}, "give min_capacity, max_capacity or both"),
        ({"scheduled_actions": [action(name="a/b")]}, "without : / |"),
        ({"scheduled_actions": [action(schedule="every night")]}, "is not at("),
        ({"scheduled_actions": [action(schedule="cron(0 22 * * ?)")]}, "is not at("),
        ({"scheduled_actions": [action(schedule="rate(0 days)")]}, "is not at("),
        ({"scheduled_actions": [action(start_time="tomorrow")]}, "start_time 'tomorrow' is not an ISO 8601"),
        ({"scheduled_actions": [action(start_time="2030-02-01T00:00:00", end_time="2030-01-01T00:00:00")]}, "start_time must be before end_time"),
        (
            {"service_namespace": "rds", "resource_id": RDS_RESOURCE, "scheduled_actions": [action(max_capacity=20)]},
            "scheduled_actions[night]: max_capacity 20 is above 15",
        ),
    ],
)
def test_invalid_parameters(change, fragment):
    errors = aas.validation_errors(params(**change))
    assert any(fragment in error for error in errors), errors


# ---------------------------------------------------------------- pure: comparison


CURRENT_TARGET = {
    "service_namespace": "ecs",
    "resource_id": ECS_RESOURCE,
    "scalable_dimension": ECS_DIMENSION,
    "min_capacity": 1,
    "max_capacity": 4,
    "suspended_state": aas.suspended_view(None),
    "arn": "arn:t",
    "tags": {},
}


@pytest.mark.parametrize(
    "change, expected",
    [
        ({}, []),
        ({"min_capacity": 2}, ["min_capacity"]),
        ({"max_capacity": 8}, ["max_capacity"]),
        ({"min_capacity": 2, "max_capacity": 8}, ["min_capacity", "max_capacity"]),
        ({"suspended_state": dict(aas.suspended_view(None), scheduled_scaling_suspended=True)}, ["suspended_state"]),
        ({"tags": {"a": "b"}, "arn": "other"}, []),
    ],
)
def test_target_differences(change, expected):
    assert aas.target_differences(CURRENT_TARGET, dict(CURRENT_TARGET, **change)) == expected


def test_target_differences_without_target_is_everything():
    assert aas.target_differences({}, CURRENT_TARGET) == ["min_capacity", "max_capacity", "suspended_state"]


@pytest.mark.parametrize(
    "differences, new, expected_keys",
    [
        (["max_capacity"], False, {"MinCapacity", "MaxCapacity"}),
        (["suspended_state"], False, {"SuspendedState"}),
        (["min_capacity", "max_capacity", "suspended_state"], True, {"MinCapacity", "MaxCapacity", "SuspendedState", "Tags"}),
    ],
)
def test_register_request_sends_only_what_differs(differences, new, expected_keys):
    request = aas.register_request(CURRENT_TARGET, differences, new, {"Project": "streamflix"})
    identity = {"ServiceNamespace", "ResourceId", "ScalableDimension"}
    assert set(request) - identity == expected_keys


def test_desired_target_keeps_suspended_state_when_not_given():
    current = dict(CURRENT_TARGET, suspended_state=dict(aas.suspended_view(None), dynamic_scaling_in_suspended=True))
    desired = aas.desired_target(dict(params(), suspended_state=None), current)
    assert desired["suspended_state"]["dynamic_scaling_in_suspended"] is True
    given = {"dynamic_scaling_in_suspended": False, "dynamic_scaling_out_suspended": True, "scheduled_scaling_suspended": False}
    assert aas.desired_target(dict(params(), suspended_state=given), current)["suspended_state"] == given


def described_policy(**config):
    body = {"TargetValue": 70.0, "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}}
    body.update(config)
    return {"PolicyName": "cpu", "PolicyARN": "arn:p", "PolicyType": "TargetTrackingScaling", "TargetTrackingScalingPolicyConfiguration": body}


@pytest.mark.parametrize(
    "described, spec, same",
    [
        (described_policy(), policy(), True),  # AWS's defaults: cooldowns 300, scale-in enabled
        (described_policy(ScaleInCooldown=300, ScaleOutCooldown=300, DisableScaleIn=False), policy(), True),
        (described_policy(TargetValue=70), policy(target_value=70.0), True),
        (described_policy(), policy(target_value=60.0), False),
        (described_policy(), policy(scale_in_cooldown=600), False),
        (described_policy(), policy(disable_scale_in=True), False),
        (described_policy(), policy(predefined_metric="ECSServiceAverageMemoryUtilization"), False),
        (
            described_policy(PredefinedMetricSpecification={"PredefinedMetricType": "ALBRequestCountPerTarget", "ResourceLabel": LABEL}),
            policy(predefined_metric="ALBRequestCountPerTarget", resource_label=LABEL),
            True,
        ),
        (
            described_policy(PredefinedMetricSpecification={"PredefinedMetricType": "ALBRequestCountPerTarget", "ResourceLabel": LABEL}),
            policy(predefined_metric="ALBRequestCountPerTarget", resource_label=LABEL.replace("unit", "other")),
            False,
        ),
        (
            described_policy(PredefinedMetricSpecification=None, CustomizedMetricSpecification={"MetricName": "x", "Namespace": "y", "Statistic": "Average"}),
            policy(),
            False,
        ),
    ],
)
def test_policy_comparison(described, spec, same):
    result = aas.plan([aas.policy_view(described)], [aas.desired_policy(spec)], purge=True)
    if same:
        assert result == {"put": [], "delete": [], "keep": [aas.policy_view(described)]}
    else:
        assert [view["name"] for view in result["put"]] == ["cpu"]
        assert result["delete"] == []


def view(name, **extra):
    base = {"name": name, "arn": "arn:" + name, "type": "TargetTrackingScaling", "config": {"target_value": 1.0}}
    base.update(extra)
    return base


@pytest.mark.parametrize(
    "current, desired, purge, put, delete, keep",
    [
        ([], [], True, [], [], []),
        ([], [view("a")], True, ["a"], [], []),
        ([view("a")], [view("a", arn=None)], True, [], [], ["a"]),
        ([view("a")], [view("a", config={"target_value": 2.0})], True, ["a"], [], []),
        ([view("a"), view("b")], [view("a")], True, [], ["b"], ["a"]),
        ([view("a"), view("b")], [view("a")], False, [], [], ["a", "b"]),
        ([view("a", type="StepScaling")], [view("a")], True, ["a"], ["a"], []),
        ([view("a"), view("b")], [], True, [], ["a", "b"], []),
    ],
)
def test_plan(current, desired, purge, put, delete, keep):
    result = aas.plan(current, desired, purge)
    assert [v["name"] for v in result["put"]] == put
    assert result["delete"] == delete
    assert sorted(v["name"] for v in result["keep"]) == keep


def test_plan_deletes_a_scheduled_action_that_loses_a_bound():
    current = [aas.desired_scheduled_action(action())]
    desired = [aas.desired_scheduled_action(action(max_capacity=None))]
    result = aas.plan(current, desired, purge=True)
    assert result["delete"] == ["night"]
    assert [v["name"] for v in result["put"]] == ["night"]


def test_project_keeps_arns_of_updated_and_drops_them_for_recreated():
    current = [view("a"), view("b", type="StepScaling"), view("c")]
    desired = [view("a", config={"target_value": 5.0}, arn=None), view("b", arn=None), view("new", arn=None)]
    projected = aas.project(aas.plan(current, desired, purge=True), current)
    assert [(v["name"], v["arn"]) for v in projected] == [("a", "arn:a"), ("b", None), ("new", None)]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2030-01-01T08:00:00", "2030-01-01T08:00:00Z"),
        ("2030-01-01T08:00:00Z", "2030-01-01T08:00:00Z"),
        ("2030-01-01T10:00:00+02:00", "2030-01-01T08:00:00Z"),
        (datetime.datetime(2030, 1, 1, 8, 0, tzinfo=datetime.timezone.utc), "2030-01-01T08:00:00Z"),
        (None, None),
    ],
)
def test_format_time(value, expected):
    assert aas.format_time(value) == expected


def test_scheduled_action_view_defaults_timezone_to_utc():
    described = {"ScheduledActionName": "n", "Schedule": "rate(1 day)", "ScalableTargetAction": {"MinCapacity": 2}}
    assert aas.scheduled_action_view(described) == {
        "name": "n",
        "arn": None,
        "schedule": "rate(1 day)",
        "timezone": "UTC",
        "start_time": None,
        "end_time": None,
        "min_capacity": 2,
        "max_capacity": None,
    }


# ---------------------------------------------------------------- module against moto


@pytest.fixture
def world(moto):
    aas_fill.apply()
    ecs = boto3.client("ecs", region_name=REGION)
    ecs.create_cluster(clusterName=CLUSTER)
    ecs.register_task_definition(family=SERVICE, containerDefinitions=[{"name": "app", "image": "nginx", "memory": 256}])
    ecs.create_service(cluster=CLUSTER, serviceName=SERVICE, taskDefinition=SERVICE, desiredCount=1)
    return {"aas": boto3.client("application-autoscaling", region_name=REGION), "ecs": ecs}


def ecs_args(**extra):
    base = {
        "service_namespace": "ecs",
        "resource_id": ECS_RESOURCE,
        "min_capacity": 1,
        "max_capacity": 4,
        "target_tracking_policies": [
            {"name": "cpu", "predefined_metric": "ECSServiceAverageCPUUtilization", "target_value": 70},
            {"name": "memory", "predefined_metric": "ECSServiceAverageMemoryUtilization", "target_value": 80, "scale_in_cooldown": 600},
            {"name": "requests", "predefined_metric": "ALBRequestCountPerTarget", "resource_label": LABEL, "target_value": 1000},
        ],
        "scheduled_actions": [
            {"name": "night", "schedule": "cron(0 22 * * ? *)", "timezone": "Europe/Paris", "min_capacity": 1, "max_capacity": 2},
        ],
        "tags": {"Project": "streamflix", "Environment": "unit"},
    }
    base.update(extra)
    return base


ABSENT = {"state": "absent", "service_namespace": "ecs", "resource_id": ECS_RESOURCE}


def aws_target(world, namespace="ecs", resource_id=ECS_RESOURCE):
    targets = world["aas"].describe_scalable_targets(ServiceNamespace=namespace, ResourceIds=[resource_id])["ScalableTargets"]
    return targets[0] if targets else None


def aws_policies(world, namespace="ecs", resource_id=ECS_RESOURCE):
    policies = world["aas"].describe_scaling_policies(ServiceNamespace=namespace, ResourceId=resource_id)["ScalingPolicies"]
    return {p["PolicyName"]: p for p in policies}


def aws_actions(world, namespace="ecs", resource_id=ECS_RESOURCE):
    actions = world["aas"].describe_scheduled_actions(ServiceNamespace=namespace, ResourceId=resource_id)["ScheduledActions"]
    return {a["ScheduledActionName"]: a for a in actions}


def aws_tags(world, arn):
    return world["aas"].list_tags_for_resource(ResourceARN=arn)["Tags"]


class Spy:
    """Records the changing calls the module makes (by wrapping the module_utils functions)."""

    NAMES = ("register_target", "deregister_target", "tag_target", "untag_target", "put_policy", "delete_policy",
             "put_scheduled_action", "delete_scheduled_action")

    def __init__(self, monkeypatch):
        self.calls = []
        for name in self.NAMES:
            real = getattr(aas, name)
            monkeypatch.setattr(aas, name, self.wrap(name, real))

    def wrap(self, name, real):
        def spy(client, *args):
            self.calls.append((name,) + tuple(self.summary(arg) for arg in args))
            return real(client, *args)
        return spy

    @staticmethod
    def summary(arg):
        if isinstance(arg, dict) and "name" in arg and "config" in arg or isinstance(arg, dict) and "schedule" in arg:
            return arg["name"]
        if isinstance(arg, dict) and "service_namespace" in arg:
            return "target"
        return arg


def test_create_ecs(world):
    result = run_module(module, ecs_args())
    assert result["changed"] is True
    target = aws_target(world)
    assert (target["MinCapacity"], target["MaxCapacity"], target["ScalableDimension"]) == (1, 4, ECS_DIMENSION)
    assert result["scalable_target"]["arn"] == target["ScalableTargetARN"]
    assert result["scalable_target"]["min_capacity"] == 1 and result["scalable_target"]["max_capacity"] == 4
    assert aws_tags(world, target["ScalableTargetARN"]) == {"Project": "streamflix", "Environment": "unit"}

    policies = aws_policies(world)
    assert sorted(policies) == ["cpu", "memory", "requests"]
    cpu = policies["cpu"]["TargetTrackingScalingPolicyConfiguration"]
    assert cpu == {
        "TargetValue": 70.0,
        "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
        "ScaleInCooldown": 300,
        "ScaleOutCooldown": 300,
        "DisableScaleIn": False,
    }
    assert policies["memory"]["TargetTrackingScalingPolicyConfiguration"]["ScaleInCooldown"] == 600
    assert policies["requests"]["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"] == {
        "PredefinedMetricType": "ALBRequestCountPerTarget",
        "ResourceLabel": LABEL,
    }
    assert [p["name"] for p in result["policies"]] == ["cpu", "memory", "requests"]
    assert {p["name"]: p["arn"] for p in result["policies"]} == {name: p["PolicyARN"] for name, p in policies.items()}
    assert result["policies"][0]["type"] == "TargetTrackingScaling"
    assert result["policies"][0]["config"]["target_value"] == 70.0

    night = aws_actions(world)["night"]
    assert night["Schedule"] == "cron(0 22 * * ? *)"
    assert night["Timezone"] == "Europe/Paris"
    assert night["ScalableTargetAction"] == {"MinCapacity": 1, "MaxCapacity": 2}
    assert result["scheduled_actions"][0]["arn"] == night["ScheduledActionARN"]

    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["scalable_target"] == result["scalable_target"]
    assert result["changes"][0].startswith("register scalable target " + ECS_RESOURCE)
    assert "create policy cpu" in result["changes"] and "create scheduled action night" in result["changes"]


def test_create_rds_reader_count(world):
    args = {
        "service_namespace": "rds",
        "resource_id": RDS_RESOURCE,
        "scalable_dimension": RDS_DIMENSION,
        "min_capacity": 1,
        "max_capacity": 3,
        "target_tracking_policies": [
            {"name": "reader-cpu", "predefined_metric": "RDSReaderAverageCPUUtilization", "target_value": 60},
            {"name": "connections", "predefined_metric": "RDSReaderAverageDatabaseConnections", "target_value": 500},
        ],
    }
    result = run_module(module, args)
    assert result["changed"] is True
    target = aws_target(world, "rds", RDS_RESOURCE)
    assert (target["ScalableDimension"], target["MinCapacity"], target["MaxCapacity"]) == (RDS_DIMENSION, 1, 3)
    assert sorted(aws_policies(world, "rds", RDS_RESOURCE)) == ["connections", "reader-cpu"]
    assert run_module(module, args)["changed"] is False


def test_second_run_is_idempotent(world, monkeypatch):
    first = run_module(module, ecs_args())
    spy = Spy(monkeypatch)
    second = run_module(module, ecs_args())
    assert second["changed"] is False
    assert second["changes"] == []
    assert spy.calls == []
    assert second["diff"]["before"] == second["diff"]["after"]
    assert second["scalable_target"] == first["scalable_target"]
    assert second["policies"] == first["policies"]
    assert second["scheduled_actions"] == first["scheduled_actions"]


def test_min_max_change_in_place(world, monkeypatch):
    first = run_module(module, ecs_args())
    spy = Spy(monkeypatch)
    result = run_module(module, ecs_args(min_capacity=2, max_capacity=10))
    assert result["changed"] is True
    assert result["changes"] == ["min_capacity 1 -> 2", "max_capacity 4 -> 10"]
    assert spy.calls == [("register_target", {
        "ServiceNamespace": "ecs", "ResourceId": ECS_RESOURCE, "ScalableDimension": ECS_DIMENSION, "MinCapacity": 2, "MaxCapacity": 10,
    })]
    target = aws_target(world)
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 10)
    assert target["ScalableTargetARN"] == first["scalable_target"]["arn"]
    assert result["diff"]["before"]["scalable_target"]["max_capacity"] == 4
    assert result["diff"]["after"]["scalable_target"]["max_capacity"] == 10


def test_policy_change_sends_only_that_policy(world, monkeypatch):
    first = run_module(module, ecs_args())
    spy = Spy(monkeypatch)
    args = ecs_args()
    args["target_tracking_policies"][0]["target_value"] = 60
    result = run_module(module, args)
    assert result["changed"] is True
    assert result["changes"] == ["update policy cpu"]
    assert spy.calls == [("put_policy", "target", "cpu")]
    cpu = aws_policies(world)["cpu"]
    assert cpu["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 60.0
    assert cpu["PolicyARN"] == first["policies"][0]["arn"]
    assert result["diff"]["before"]["policies"][0]["config"]["target_value"] == 70.0
    assert result["diff"]["after"]["policies"][0]["config"]["target_value"] == 60.0
    assert run_module(module, args)["changed"] is False


def test_undeclared_policies_and_actions_are_purged(world, monkeypatch):
    run_module(module, ecs_args())
    args = ecs_args(scheduled_actions=[])
    args["target_tracking_policies"] = args["target_tracking_policies"][:1]
    spy = Spy(monkeypatch)
    result = run_module(module, args)
    assert result["changed"] is True
    assert sorted(result["changes"]) == ["delete policy memory", "delete policy requests", "delete scheduled action night"]
    assert sorted(call[0] for call in spy.calls) == ["delete_policy", "delete_policy", "delete_scheduled_action"]
    assert sorted(aws_policies(world)) == ["cpu"]
    assert aws_actions(world) == {}
    assert [p["name"] for p in result["policies"]] == ["cpu"]
    assert result["scheduled_actions"] == []


def test_without_purge_others_are_kept(world):
    run_module(module, ecs_args())
    args = ecs_args(scheduled_actions=[], purge_policies=False, purge_scheduled_actions=False)
    args["target_tracking_policies"] = args["target_tracking_policies"][:1]
    result = run_module(module, args)
    assert result["changed"] is False
    assert sorted(aws_policies(world)) == ["cpu", "memory", "requests"]
    assert sorted(aws_actions(world)) == ["night"]
    assert [p["name"] for p in result["policies"]] == ["cpu", "memory", "requests"]


def test_policy_made_elsewhere_is_purged(world):
    run_module(module, ecs_args())
    world["aas"].put_scaling_policy(
        PolicyName="manual", ServiceNamespace="ecs", ResourceId=ECS_RESOURCE, ScalableDimension=ECS_DIMENSION, PolicyType="StepScaling",
        StepScalingPolicyConfiguration={"AdjustmentType": "ChangeInCapacity", "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]},
    )
    kept = run_module(module, ecs_args(purge_policies=False))
    assert kept["changed"] is False
    manual = [p for p in kept["policies"] if p["name"] == "manual"][0]
    assert manual["type"] == "StepScaling"
    assert manual["config"]["adjustment_type"] == "ChangeInCapacity"
    result = run_module(module, ecs_args())
    assert result["changes"] == ["delete policy manual"]
    assert "manual" not in aws_policies(world)


def test_scheduled_action_update(world, monkeypatch):
    run_module(module, ecs_args())
    args = ecs_args()
    args["scheduled_actions"][0].update(max_capacity=3, start_time="2030-01-01T00:00:00Z", end_time="2030-12-31T00:00:00Z")
    spy = Spy(monkeypatch)
    result = run_module(module, args)
    assert result["changes"] == ["update scheduled action night"]
    assert spy.calls == [("put_scheduled_action", "target", "night")]
    night = aws_actions(world)["night"]
    assert night["ScalableTargetAction"] == {"MinCapacity": 1, "MaxCapacity": 3}
    assert night["StartTime"] == datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
    assert night["EndTime"] == datetime.datetime(2030, 12, 31, tzinfo=datetime.timezone.utc)
    assert result["scheduled_actions"][0]["start_time"] == "2030-01-01T00:00:00Z"
    assert run_module(module, args)["changed"] is False


def test_scheduled_action_losing_a_bound_is_recreated(world):
    run_module(module, ecs_args())
    args = ecs_args()
    args["scheduled_actions"][0]["max_capacity"] = None
    result = run_module(module, args)
    assert result["changes"] == ["delete scheduled action night", "create scheduled action night"]
    assert aws_actions(world)["night"]["ScalableTargetAction"] == {"MinCapacity": 1}
    assert run_module(module, args)["changed"] is False


def test_tags_update_and_purge(world, monkeypatch):
    first = run_module(module, ecs_args())
    arn = first["scalable_target"]["arn"]
    spy = Spy(monkeypatch)
    result = run_module(module, ecs_args(tags={"Project": "streamflix", "Owner": "media"}))
    assert result["changed"] is True
    assert aws_tags(world, arn) == {"Project": "streamflix", "Owner": "media"}
    assert result["scalable_target"]["tags"] == {"Project": "streamflix", "Owner": "media"}
    assert [call[0] for call in spy.calls] == ["untag_target", "tag_target"]
    assert spy.calls[0][2] == ["Environment"] and spy.calls[1][2] == {"Owner": "media"}

    kept = run_module(module, ecs_args(tags={"Team": "video"}, purge_tags=False))
    assert aws_tags(world, arn) == {"Project": "streamflix", "Owner": "media", "Team": "video"}
    assert kept["scalable_target"]["tags"] == {"Project": "streamflix", "Owner": "media", "Team": "video"}

    args = ecs_args()
    del args["tags"]
    assert run_module(module, args)["changed"] is False
    assert aws_tags(world, arn) == {"Project": "streamflix", "Owner": "media", "Team": "video"}


def test_suspended_state(world):
    run_module(module, ecs_args())
    suspended = {"scheduled_scaling_suspended": True}
    result = run_module(module, ecs_args(suspended_state=suspended))
    assert result["changes"] == [
        "suspended_state {0} -> {1}".format(
            aas.suspended_view(None), dict(aas.suspended_view(None), scheduled_scaling_suspended=True)
        )
    ]
    assert aws_target(world)["SuspendedState"] == {
        "DynamicScalingInSuspended": False,
        "DynamicScalingOutSuspended": False,
        "ScheduledScalingSuspended": True,
    }
    assert run_module(module, ecs_args())["changed"] is False  # omitted: kept
    assert run_module(module, ecs_args(suspended_state=suspended))["changed"] is False


def test_check_mode_create_changes_nothing(world, monkeypatch):
    spy = Spy(monkeypatch)
    result = run_module(module, ecs_args(), check_mode=True)
    assert result["changed"] is True
    assert spy.calls == []
    assert aws_target(world) is None
    assert aws_policies(world) == {}
    assert aws_actions(world) == {}
    assert result["scalable_target"]["arn"] is None
    assert result["scalable_target"]["min_capacity"] == 1 and result["scalable_target"]["max_capacity"] == 4
    assert result["scalable_target"]["tags"] == {"Project": "streamflix", "Environment": "unit"}
    assert [(p["name"], p["arn"]) for p in result["policies"]] == [("cpu", None), ("memory", None), ("requests", None)]
    assert [a["name"] for a in result["scheduled_actions"]] == ["night"]
    assert result["diff"]["before"] == {}


def test_check_mode_update_changes_nothing_and_projects(world, monkeypatch):
    first = run_module(module, ecs_args())
    args = ecs_args(max_capacity=8, scheduled_actions=[], tags={"Project": "other"})
    args["target_tracking_policies"][0]["target_value"] = 50
    spy = Spy(monkeypatch)
    result = run_module(module, args, check_mode=True)
    assert result["changed"] is True
    assert spy.calls == []
    assert sorted(result["changes"]) == sorted([
        "max_capacity 4 -> 8", "tags: set ['Project']; unset ['Environment']", "update policy cpu", "delete scheduled action night",
    ])
    assert result["scalable_target"]["max_capacity"] == 8
    assert result["scalable_target"]["tags"] == {"Project": "other"}
    assert result["policies"][0]["config"]["target_value"] == 50.0
    assert result["policies"][0]["arn"] == first["policies"][0]["arn"]
    assert result["scheduled_actions"] == []
    # nothing changed in AWS
    assert aws_target(world)["MaxCapacity"] == 4
    assert aws_policies(world)["cpu"]["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 70.0
    assert sorted(aws_actions(world)) == ["night"]
    assert aws_tags(world, first["scalable_target"]["arn"]) == {"Project": "streamflix", "Environment": "unit"}
    # and the projection is what a real run gives
    real = run_module(module, args)
    assert real["scalable_target"] == result["scalable_target"]
    assert real["policies"] == result["policies"]
    assert real["scheduled_actions"] == result["scheduled_actions"]


def test_absent_deregisters_with_policies_and_actions(world):
    first = run_module(module, ecs_args())
    result = run_module(module, ABSENT)
    assert result["changed"] is True
    assert result["scalable_target"] == {} and result["policies"] == [] and result["scheduled_actions"] == []
    assert result["diff"]["before"]["scalable_target"] == first["scalable_target"]
    assert result["diff"]["after"] == {}
    assert result["changes"] == ["deregister scalable target {0} ({1}) with 3 policies and 1 scheduled actions".format(ECS_RESOURCE, ECS_DIMENSION)]
    assert aws_target(world) is None
    assert aws_policies(world) == {}
    assert aws_actions(world) == {}


def test_absent_twice_is_unchanged(world):
    run_module(module, ecs_args())
    run_module(module, ABSENT)
    result = run_module(module, ABSENT)
    assert result["changed"] is False
    assert result["diff"] == {"before": {}, "after": {}}


def test_check_mode_absent_deregisters_nothing(world, monkeypatch):
    run_module(module, ecs_args())
    spy = Spy(monkeypatch)
    result = run_module(module, ABSENT, check_mode=True)
    assert result["changed"] is True
    assert spy.calls == []
    assert aws_target(world) is not None
    assert sorted(aws_policies(world)) == ["cpu", "memory", "requests"]


def test_recreate_after_absent(world):
    first = run_module(module, ecs_args())
    run_module(module, ABSENT)
    again = run_module(module, ecs_args())
    assert again["changed"] is True
    assert aws_target(world)["ScalableTargetARN"] == again["scalable_target"]["arn"] != first["scalable_target"]["arn"]
    assert sorted(aws_policies(world)) == ["cpu", "memory", "requests"]


def test_invalid_parameters_fail_before_any_call(world, monkeypatch):
    calls = []
    monkeypatch.setattr(aas, "describe_target", lambda *a: calls.append(a))
    args = ecs_args(min_capacity=5, max_capacity=2)
    args["target_tracking_policies"].append({"name": "cpu", "predefined_metric": "RDSReaderAverageCPUUtilization", "target_value": 70})
    result = fail_module(module, args)
    assert calls == []
    assert result["msg"].startswith("Invalid parameters, nothing was changed: ")
    assert "min_capacity 5 is greater than max_capacity 2" in result["msg"]
    assert "the name cpu is used more than once" in result["msg"]
    assert "RDSReaderAverageCPUUtilization does not apply to service_namespace ecs" in result["msg"]


def test_present_without_capacities_fails(world):
    result = fail_module(module, {"service_namespace": "ecs", "resource_id": ECS_RESOURCE})
    assert "min_capacity" in result["msg"] and "max_capacity" in result["msg"]


def test_missing_ecs_service_fails_with_actionable_message(world):
    result = fail_module(module, ecs_args(resource_id="service/{0}/no-such-service".format(CLUSTER)))
    assert "Could not register the scalable target service/{0}/no-such-service".format(CLUSTER) in result["msg"]
    assert "must exist" in result["msg"]
    assert result["error"]["code"] == "ValidationException"
    result = fail_module(module, ecs_args(resource_id="service/no-such-cluster/api"))
    assert result["error"]["code"] == "ValidationException"
    assert aws_target(world, resource_id="service/no-such-cluster/api") is None
