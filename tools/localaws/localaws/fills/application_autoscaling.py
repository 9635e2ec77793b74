"""Application Auto Scaling fills (moto 5.2.5).

- TagResource, UntagResource and ListTagsForResource are not implemented (HTTP 500), and
  RegisterScalableTarget ignores ``Tags``. The fill keeps the tags of each scalable target;
  an ARN that names no scalable target is ``ResourceNotFoundException``.
- RegisterScalableTarget for an ECS service whose cluster does not exist answers
  ``ClusterNotFoundException``; AWS answers ``ValidationException``. A new scalable target
  without ``MinCapacity`` and ``MaxCapacity``, a negative capacity, or a minimum above the
  maximum (after merging an update with the current values) is accepted by moto; AWS rejects
  them with ``ValidationException``. ``SuspendedState`` is reported as null when it was never
  given; AWS reports the three flags, false by default.
- DeregisterScalableTarget leaves the target's scaling policies (and their CloudWatch alarms)
  and scheduled actions behind, and answers an unknown target with ``ValidationException``.
  AWS: "Deregistering a scalable target deletes the scaling policies and the scheduled actions
  that are associated with it"; an unknown target is ``ObjectNotFoundException``.
- PutScalingPolicy and PutScheduledAction succeed for a target that is not registered; AWS:
  "You cannot create a scaling policy [a scheduled action] until you have registered the
  resource as a scalable target" (``ObjectNotFoundException``).
- PutScalingPolicy: ``ResourceLabel`` with a metric type other than ``ALBRequestCountPerTarget``
  is accepted (AWS: "You can't specify a resource label unless the metric type is
  ALBRequestCountPerTarget"), and so is ``ALBRequestCountPerTarget`` without one
  (``ValidationException``). Updating a policy gives it a new ARN and leaves its old
  target-tracking alarms in CloudWatch; the fill keeps the ARN and replaces the alarms.
- DeleteScalingPolicy of an unknown policy answers ``ValidationException`` and
  DeleteScheduledAction of an unknown action succeeds; AWS answers ``ObjectNotFoundException``.
- DescribeScalingPolicies matches ``ResourceId`` and ``ScalableDimension`` as substrings
  (``service/c/web`` also returns the policies of ``service/c/we``) and ignores ``PolicyNames``;
  the fill filters exactly.

Reference: https://docs.aws.amazon.com/autoscaling/application/APIReference/
"""

from __future__ import annotations

import json
from typing import Any

from moto.applicationautoscaling import models as aas_models
from moto.applicationautoscaling import responses as aas_responses
from moto.applicationautoscaling.exceptions import AWSValidationException
from moto.core.exceptions import JsonRESTError
from moto.ecs.exceptions import ClusterNotFoundException

from . import patch

Backend = aas_models.ApplicationAutoscalingBackend
Response = aas_responses.ApplicationAutoScalingResponse

DEFAULT_SUSPENDED_STATE = {
    "DynamicScalingInSuspended": False,
    "DynamicScalingOutSuspended": False,
    "ScheduledScalingSuspended": False,
}


class ObjectNotFoundException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("ObjectNotFoundException", message)


class ResourceNotFoundException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("ResourceNotFoundException", message)


def _target(backend: Any, namespace: str, resource_id: str, dimension: str) -> Any:
    target = backend.targets.get(dimension, {}).get(resource_id)
    if target is None or target.service_namespace != namespace:
        raise ObjectNotFoundException(
            f"No scalable target registered for service namespace: {namespace}, resource ID: {resource_id}, "
            f"scalable dimension: {dimension}"
        )
    return target


def _target_by_arn(backend: Any, arn: str) -> Any:
    for by_resource in backend.targets.values():
        for target in by_resource.values():
            if target.arn == arn:
                return target
    raise ResourceNotFoundException(f"No scalable target found for ARN: {arn}")


def _tags_of(target: Any) -> dict[str, str]:
    if not hasattr(target, "tags"):
        target.tags = {}
    return target.tags


def _validate_tags(tags: dict[str, str]) -> None:
    for key, value in tags.items():
        if not 1 <= len(key) <= 128:
            raise AWSValidationException(f"Tag key '{key}' must be 1 to 128 characters long")
        if key.lower().startswith("aws:"):
            raise AWSValidationException(f"Tag key '{key}' cannot start with the reserved prefix aws:")
        if len(value) > 256:
            raise AWSValidationException(f"The value of tag '{key}' must be at most 256 characters long")


def register_scalable_target(
    self: Any,
    namespace: str,
    r_id: str,
    dimension: str,
    min_capacity: int | None,
    max_capacity: int | None,
    role_arn: str,
    suspended_state: Any,
    tags: dict[str, str] | None = None,
) -> Any:
    aas_models._target_params_are_valid(namespace, r_id, dimension)
    existing = self.targets.get(dimension, {}).get(r_id)
    if existing is None and (min_capacity is None or max_capacity is None):
        raise AWSValidationException("MinCapacity and MaxCapacity are required to register a new scalable target")
    for name, value in (("MinCapacity", min_capacity), ("MaxCapacity", max_capacity)):
        if value is not None and value < 0:
            raise AWSValidationException(f"{name} must be greater than or equal to 0")
    low = min_capacity if min_capacity is not None else existing.min_capacity
    high = max_capacity if max_capacity is not None else existing.max_capacity
    if low > high:
        raise AWSValidationException("Minimum capacity cannot be greater than maximum capacity")
    if tags:
        _validate_tags(tags)
    try:
        target = register_scalable_target.original(
            self, namespace, r_id, dimension, min_capacity, max_capacity, role_arn, suspended_state
        )
    except ClusterNotFoundException:
        raise AWSValidationException(f"ECS service doesn't exist: {r_id}")
    if target.suspended_state is None:
        target.suspended_state = dict(DEFAULT_SUSPENDED_STATE)
    elif existing is None or suspended_state is not None:
        target.suspended_state = dict(DEFAULT_SUSPENDED_STATE, **target.suspended_state)
    if existing is None:
        target.tags = dict(tags or {})
    elif tags:
        _tags_of(target).update(tags)
    return target


def resp_register_scalable_target(self: Any) -> str:
    self._validate_params()
    target = self.applicationautoscaling_backend.register_scalable_target(
        self._get_param("ServiceNamespace"),
        self._get_param("ResourceId"),
        self._get_param("ScalableDimension"),
        min_capacity=self._get_int_param("MinCapacity"),
        max_capacity=self._get_int_param("MaxCapacity"),
        role_arn=self._get_param("RoleARN"),
        suspended_state=self._get_param("SuspendedState"),
        tags=self._get_param("Tags"),
    )
    return json.dumps({"ScalableTargetARN": target.arn})


def deregister_scalable_target(self: Any, namespace: str, r_id: str, dimension: str) -> None:
    _target(self, namespace, r_id, dimension)
    for key, policy in list(self.policies.items()):
        if (policy.service_namespace, policy.resource_id, policy.scalable_dimension) == (namespace, r_id, dimension):
            policy.delete_alarms(self.account_id, self.region_name)
            del self.policies[key]
    self.scheduled_actions = [
        action
        for action in self.scheduled_actions
        if (action.service_namespace, action.resource_id, action.scalable_dimension) != (namespace, r_id, dimension)
    ]
    del self.targets[dimension][r_id]


def put_scaling_policy(
    self: Any,
    policy_name: str,
    service_namespace: str,
    resource_id: str,
    scalable_dimension: str,
    policy_body: dict[str, Any],
    policy_type: str | None,
) -> Any:
    _target(self, service_namespace, resource_id, scalable_dimension)
    if policy_type == "TargetTrackingScaling" and policy_body:
        metric = policy_body.get("PredefinedMetricSpecification") or {}
        metric_type = metric.get("PredefinedMetricType")
        if metric.get("ResourceLabel") and metric_type != "ALBRequestCountPerTarget":
            raise AWSValidationException(
                f"A resource label cannot be specified for the metric type {metric_type}; "
                "only ALBRequestCountPerTarget takes one"
            )
        if metric_type == "ALBRequestCountPerTarget" and not metric.get("ResourceLabel"):
            raise AWSValidationException("The ALBRequestCountPerTarget metric type requires a ResourceLabel")
    key = aas_models.FakeApplicationAutoscalingPolicy.formulate_key(
        service_namespace, resource_id, scalable_dimension, policy_name
    )
    old = self.policies.get(key)
    policy = put_scaling_policy.original(
        self, policy_name, service_namespace, resource_id, scalable_dimension, policy_body, policy_type
    )
    if old is not None and old is not policy:
        old.delete_alarms(self.account_id, self.region_name)
        policy.policy_arn = old.policy_arn
        policy.creation_time = old.creation_time
    return policy


def delete_scaling_policy(
    self: Any, policy_name: str, service_namespace: str, resource_id: str, scalable_dimension: str
) -> None:
    key = aas_models.FakeApplicationAutoscalingPolicy.formulate_key(
        service_namespace, resource_id, scalable_dimension, policy_name
    )
    if key not in self.policies:
        raise ObjectNotFoundException(
            f"No scaling policy found for service namespace: {service_namespace}, resource ID: {resource_id}, "
            f"scalable dimension: {scalable_dimension}, policy name: {policy_name}"
        )
    return delete_scaling_policy.original(self, policy_name, service_namespace, resource_id, scalable_dimension)


def describe_scaling_policies(
    self: Any,
    service_namespace: str,
    resource_id: str,
    scalable_dimension: str,
    max_results: int | None,
    next_token: str,
    policy_names: list[str] | None = None,
) -> tuple[str | None, list[Any]]:
    max_results = max_results or 50
    policies = [
        policy
        for policy in self.policies.values()
        if policy.service_namespace == service_namespace
        and (not resource_id or policy.resource_id == resource_id)
        and (not scalable_dimension or policy.scalable_dimension == scalable_dimension)
        and (not policy_names or policy.policy_name in policy_names)
    ]
    start = int(next_token) if next_token else 0
    end = start + max_results
    return (str(end) if end < len(policies) else None), policies[start:end]


def resp_describe_scaling_policies(self: Any) -> str:
    next_token, page = self.applicationautoscaling_backend.describe_scaling_policies(
        service_namespace=self._get_param("ServiceNamespace"),
        resource_id=self._get_param("ResourceId"),
        scalable_dimension=self._get_param("ScalableDimension"),
        max_results=self._get_int_param("MaxResults"),
        next_token=self._get_param("NextToken"),
        policy_names=self._get_param("PolicyNames"),
    )
    body: dict[str, Any] = {"ScalingPolicies": [aas_responses._build_policy(p) for p in page]}
    if next_token:
        body["NextToken"] = next_token
    return json.dumps(body)


def put_scheduled_action(
    self: Any,
    service_namespace: str,
    schedule: str,
    timezone: str,
    scheduled_action_name: str,
    resource_id: str,
    scalable_dimension: str,
    start_time: str,
    end_time: str,
    scalable_target_action: str,
) -> None:
    _target(self, service_namespace, resource_id, scalable_dimension)
    return put_scheduled_action.original(
        self,
        service_namespace,
        schedule,
        timezone,
        scheduled_action_name,
        resource_id,
        scalable_dimension,
        start_time,
        end_time,
        scalable_target_action,
    )


def delete_scheduled_action(
    self: Any, service_namespace: str, scheduled_action_name: str, resource_id: str, scalable_dimension: str
) -> None:
    found = any(
        (a.service_namespace, a.scheduled_action_name, a.resource_id, a.scalable_dimension)
        == (service_namespace, scheduled_action_name, resource_id, scalable_dimension)
        for a in self.scheduled_actions
    )
    if not found:
        raise ObjectNotFoundException(
            f"No scheduled action found for service namespace: {service_namespace}, resource ID: {resource_id}, "
            f"scalable dimension: {scalable_dimension}, scheduled action name: {scheduled_action_name}"
        )
    return delete_scheduled_action.original(
        self, service_namespace, scheduled_action_name, resource_id, scalable_dimension
    )


def resp_tag_resource(self: Any) -> str:
    tags = self._get_param("Tags") or {}
    target = _target_by_arn(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
    _validate_tags(tags)
    _tags_of(target).update(tags)
    return json.dumps({})


def resp_untag_resource(self: Any) -> str:
    target = _target_by_arn(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
    for key in self._get_param("TagKeys") or []:
        _tags_of(target).pop(key, None)
    return json.dumps({})


def resp_list_tags_for_resource(self: Any) -> str:
    target = _target_by_arn(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
    return json.dumps({"Tags": dict(_tags_of(target))})


def apply() -> None:
    patch(Backend, "register_scalable_target", register_scalable_target)
    patch(Response, "register_scalable_target", resp_register_scalable_target)
    patch(Backend, "deregister_scalable_target", deregister_scalable_target)
    patch(Backend, "put_scaling_policy", put_scaling_policy)
    patch(Backend, "delete_scaling_policy", delete_scaling_policy)
    patch(Backend, "describe_scaling_policies", describe_scaling_policies)
    patch(Response, "describe_scaling_policies", resp_describe_scaling_policies)
    patch(Backend, "put_scheduled_action", put_scheduled_action)
    patch(Backend, "delete_scheduled_action", delete_scheduled_action)
    patch(Response, "tag_resource", resp_tag_resource)
    patch(Response, "untag_resource", resp_untag_resource)
    patch(Response, "list_tags_for_resource", resp_list_tags_for_resource)
