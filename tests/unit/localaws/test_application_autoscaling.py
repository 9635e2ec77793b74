"""Application Auto Scaling fills: tags on scalable targets, what DeregisterScalableTarget removes, the
ObjectNotFoundException of operations on unregistered targets, and RegisterScalableTarget's checks."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

DIMENSION = "rds:cluster:ReadReplicaCount"
ECS_DIMENSION = "ecs:service:DesiredCount"
LABEL = "app/alb/50dc6c495c0c9188/targetgroup/tg/6d0ecf831eec9f09"


@pytest.fixture
def aas(client):
    return client("application-autoscaling")


def key(name):
    return {"ServiceNamespace": "rds", "ResourceId": f"cluster:{name}", "ScalableDimension": DIMENSION}


def register(aas, name, **extra):
    return aas.register_scalable_target(**key(name), **dict({"MinCapacity": 1, "MaxCapacity": 3}, **extra))["ScalableTargetARN"]


def put_policy(aas, name, policy="cpu", metric=None, resource_key=None):
    return aas.put_scaling_policy(
        PolicyName=policy,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 60.0,
            "PredefinedMetricSpecification": metric or {"PredefinedMetricType": "RDSReaderAverageCPUUtilization"},
        },
        **(resource_key or key(name)),
    )


def put_action(aas, name, action="night"):
    aas.put_scheduled_action(
        ScheduledActionName=action, Schedule="cron(0 22 * * ? *)", ScalableTargetAction={"MinCapacity": 1}, **key(name)
    )


def error_of(excinfo) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_tags_on_register_and_tag_untag(aas, name):
    arn = register(aas, name, Tags={"Project": "streamflix", "Environment": "unit"})
    assert aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Project": "streamflix", "Environment": "unit"}
    aas.tag_resource(ResourceARN=arn, Tags={"Owner": "media", "Project": "other"})
    aas.untag_resource(ResourceARN=arn, TagKeys=["Environment", "NotThere"])
    assert aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Project": "other", "Owner": "media"}
    # updating the target keeps its tags
    register(aas, name, MaxCapacity=5)
    assert aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Project": "other", "Owner": "media"}


def test_tagging_an_unknown_arn_is_resource_not_found(aas, name):
    arn = register(aas, name)
    aas.deregister_scalable_target(**key(name))
    for call in (
        lambda: aas.list_tags_for_resource(ResourceARN=arn),
        lambda: aas.tag_resource(ResourceARN=arn, Tags={"a": "b"}),
        lambda: aas.untag_resource(ResourceARN=arn, TagKeys=["a"]),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo)[0] == "ResourceNotFoundException"


def test_reserved_tag_prefix_is_rejected(aas, name):
    arn = register(aas, name)
    with pytest.raises(ClientError) as excinfo:
        aas.tag_resource(ResourceARN=arn, Tags={"aws:owner": "x"})
    assert error_of(excinfo) == ("ValidationException", 400)


def test_suspended_state_is_reported_with_its_defaults(aas, name):
    register(aas, name)
    [target] = aas.describe_scalable_targets(ServiceNamespace="rds", ResourceIds=[f"cluster:{name}"])["ScalableTargets"]
    assert target["SuspendedState"] == {
        "DynamicScalingInSuspended": False,
        "DynamicScalingOutSuspended": False,
        "ScheduledScalingSuspended": False,
    }


@pytest.mark.parametrize(
    "request_args",
    [
        {"MinCapacity": None, "MaxCapacity": 3},
        {"MinCapacity": 1, "MaxCapacity": None},
        {"MinCapacity": 4, "MaxCapacity": 3},
        {"MinCapacity": -1, "MaxCapacity": 3},
    ],
)
def test_register_rejects_bad_capacities(aas, name, request_args):
    args = {k: v for k, v in request_args.items() if v is not None}
    with pytest.raises(ClientError) as excinfo:
        aas.register_scalable_target(**key(name), **args)
    assert error_of(excinfo) == ("ValidationException", 400)
    assert aas.describe_scalable_targets(ServiceNamespace="rds", ResourceIds=[f"cluster:{name}"])["ScalableTargets"] == []


def test_update_checks_the_merged_range(aas, name):
    register(aas, name, MinCapacity=2, MaxCapacity=4)
    with pytest.raises(ClientError) as excinfo:
        aas.register_scalable_target(**key(name), MinCapacity=5)
    assert error_of(excinfo) == ("ValidationException", 400)
    aas.register_scalable_target(**key(name), MaxCapacity=6)
    [target] = aas.describe_scalable_targets(ServiceNamespace="rds", ResourceIds=[f"cluster:{name}"])["ScalableTargets"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 6)


def test_register_for_a_missing_ecs_cluster_is_validation_exception(aas, name):
    with pytest.raises(ClientError) as excinfo:
        aas.register_scalable_target(
            ServiceNamespace="ecs", ResourceId=f"service/{name}/api", ScalableDimension=ECS_DIMENSION, MinCapacity=1, MaxCapacity=2
        )
    assert error_of(excinfo) == ("ValidationException", 400)
    assert "ECS service doesn't exist" in excinfo.value.response["Error"]["Message"]


def test_deregister_deletes_policies_and_scheduled_actions(aas, name):
    register(aas, name)
    put_policy(aas, name)
    put_action(aas, name)
    aas.deregister_scalable_target(**key(name))
    assert aas.describe_scaling_policies(ServiceNamespace="rds", ResourceId=f"cluster:{name}")["ScalingPolicies"] == []
    assert aas.describe_scheduled_actions(ServiceNamespace="rds", ResourceId=f"cluster:{name}")["ScheduledActions"] == []
    # registering again starts empty
    register(aas, name)
    assert aas.describe_scaling_policies(ServiceNamespace="rds", ResourceId=f"cluster:{name}")["ScalingPolicies"] == []


def test_deregister_unknown_target_is_object_not_found(aas, name):
    with pytest.raises(ClientError) as excinfo:
        aas.deregister_scalable_target(**key(name))
    assert error_of(excinfo) == ("ObjectNotFoundException", 400)


def test_put_policy_and_action_need_a_registered_target(aas, name):
    with pytest.raises(ClientError) as excinfo:
        put_policy(aas, name)
    assert error_of(excinfo) == ("ObjectNotFoundException", 400)
    with pytest.raises(ClientError) as excinfo:
        put_action(aas, name)
    assert error_of(excinfo) == ("ObjectNotFoundException", 400)
    assert aas.describe_scaling_policies(ServiceNamespace="rds", ResourceId=f"cluster:{name}")["ScalingPolicies"] == []
    assert aas.describe_scheduled_actions(ServiceNamespace="rds", ResourceId=f"cluster:{name}")["ScheduledActions"] == []


def test_delete_unknown_policy_and_action_is_object_not_found(aas, name):
    register(aas, name)
    with pytest.raises(ClientError) as excinfo:
        aas.delete_scaling_policy(PolicyName="nope", **key(name))
    assert error_of(excinfo) == ("ObjectNotFoundException", 400)
    with pytest.raises(ClientError) as excinfo:
        aas.delete_scheduled_action(ScheduledActionName="nope", **key(name))
    assert error_of(excinfo) == ("ObjectNotFoundException", 400)


@pytest.mark.parametrize(
    "metric",
    [
        {"PredefinedMetricType": "RDSReaderAverageCPUUtilization", "ResourceLabel": LABEL},
        {"PredefinedMetricType": "ALBRequestCountPerTarget"},
    ],
)
def test_resource_label_rules(aas, name, metric):
    register(aas, name)
    with pytest.raises(ClientError) as excinfo:
        put_policy(aas, name, metric=metric)
    assert error_of(excinfo) == ("ValidationException", 400)


def test_policy_update_keeps_its_arn(aas, name):
    register(aas, name)
    arn = put_policy(aas, name)["PolicyARN"]
    aas.put_scaling_policy(
        PolicyName="cpu",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 40.0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "RDSReaderAverageCPUUtilization"},
        },
        **key(name),
    )
    [policy] = aas.describe_scaling_policies(ServiceNamespace="rds", ResourceId=f"cluster:{name}")["ScalingPolicies"]
    assert policy["PolicyARN"] == arn
    assert policy["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 40.0


def test_describe_policies_matches_the_resource_exactly(aas, name):
    register(aas, name)
    register(aas, name + "x")
    put_policy(aas, name, policy="short")
    put_policy(aas, name + "x", policy="long")
    short = aas.describe_scaling_policies(ServiceNamespace="rds", ResourceId=f"cluster:{name}")["ScalingPolicies"]
    long = aas.describe_scaling_policies(ServiceNamespace="rds", ResourceId=f"cluster:{name}x")["ScalingPolicies"]
    assert [p["PolicyName"] for p in short] == ["short"]
    assert [p["PolicyName"] for p in long] == ["long"]
    named = aas.describe_scaling_policies(ServiceNamespace="rds", PolicyNames=["long"])["ScalingPolicies"]
    assert [p["PolicyName"] for p in named] == ["long"]
