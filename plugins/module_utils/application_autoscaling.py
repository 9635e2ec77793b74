# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Application Auto Scaling: validation, the pure desired-vs-current comparison, and the calls the
application_autoscaling_target module makes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.transformation import camel_dict_to_snake_dict

# What the module scales: per service namespace, the one scalable dimension, the resource id format and
# the predefined metrics that apply (API reference: RegisterScalableTarget ResourceId / ScalableDimension,
# PredefinedMetricSpecification).
NAMESPACES = {
    "ecs": {
        "dimension": "ecs:service:DesiredCount",
        "resource_id": re.compile(r"^service/[^/]+/[^/]+$"),
        "resource_id_format": "service/<cluster-name>/<service-name>",
        "metrics": ("ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization", "ALBRequestCountPerTarget"),
        "max_capacity": None,
    },
    "rds": {
        "dimension": "rds:cluster:ReadReplicaCount",
        "resource_id": re.compile(r"^cluster:[^:/]+$"),
        "resource_id_format": "cluster:<db-cluster-identifier>",
        "metrics": ("RDSReaderAverageCPUUtilization", "RDSReaderAverageDatabaseConnections"),
        # An Aurora DB cluster has at most 15 Aurora Replicas.
        "max_capacity": 15,
    },
}
PERCENT_METRICS = (
    "ECSServiceAverageCPUUtilization",
    "ECSServiceAverageMemoryUtilization",
    "RDSReaderAverageCPUUtilization",
)
METRICS = tuple(metric for spec in NAMESPACES.values() for metric in spec["metrics"])
# "app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>"
RESOURCE_LABEL = re.compile(r"^app/[^/]+/[^/]+/targetgroup/[^/]+/[^/]+$")
# The cooldowns AWS applies to ECS services and Aurora DB clusters when a policy gives none.
DEFAULT_COOLDOWN = 300
SCHEDULE = re.compile(
    r"^(at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)"
    r"|rate\([1-9]\d* (minute|minutes|hour|hours|day|days)\)"
    r"|cron\((\S+ ){5}\S+\))$"
)
# ScheduledActionName: 1-256 characters, none of : / | or control characters, no leading or trailing space.
SCHEDULED_ACTION_NAME = re.compile(r"^(?! )[^:/|\x00-\x1f\x7f-\x9f]{1,256}(?<! )$")
POLICY_NAME = re.compile(r"^[\x20-\x7e]{1,256}$")
SUSPENDED_KEYS = (
    ("dynamic_scaling_in_suspended", "DynamicScalingInSuspended"),
    ("dynamic_scaling_out_suspended", "DynamicScalingOutSuspended"),
    ("scheduled_scaling_suspended", "ScheduledScalingSuspended"),
)
TARGET_TRACKING = "TargetTrackingScaling"


# ---------------------------------------------------------------- validation


def _capacity_errors(where, low, high, ceiling=None):
    errors = []
    for name, value in (("min_capacity", low), ("max_capacity", high)):
        if value is not None and value < 0:
            errors.append("{0}: {1} must be 0 or more, not {2}".format(where, name, value))
    if low is not None and high is not None and low > high:
        errors.append("{0}: min_capacity {1} is greater than max_capacity {2}".format(where, low, high))
    if ceiling is not None and high is not None and high > ceiling:
        errors.append("{0}: max_capacity {1} is above {2}, the most this resource can have".format(where, high, ceiling))
    return errors


def _policy_errors(namespace, policy):
    where = "target_tracking_policies[{0}]".format(policy["name"])
    errors = []
    if not POLICY_NAME.match(policy["name"]):
        errors.append("{0}: a policy name is 1 to 256 printable ASCII characters".format(where))
    metric = policy["predefined_metric"]
    allowed = NAMESPACES[namespace]["metrics"]
    if metric not in allowed:
        errors.append("{0}: {1} does not apply to service_namespace {2}; use one of {3}".format(where, metric, namespace, ", ".join(allowed)))
    label = policy.get("resource_label")
    if metric == "ALBRequestCountPerTarget":
        if not label:
            errors.append(
                "{0}: ALBRequestCountPerTarget needs resource_label, "
                "app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>".format(where)
            )
        elif not RESOURCE_LABEL.match(label):
            errors.append(
                "{0}: resource_label {1!r} is not "
                "app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>".format(where, label)
            )
    elif label:
        errors.append("{0}: resource_label applies only to ALBRequestCountPerTarget, not {1}".format(where, metric))
    value = policy["target_value"]
    if value is None or value <= 0:
        errors.append("{0}: target_value must be greater than 0, not {1}".format(where, value))
    elif metric in PERCENT_METRICS and value > 100:
        errors.append("{0}: target_value of {1} is a percentage, 100 at most, not {2}".format(where, metric, value))
    for key in ("scale_in_cooldown", "scale_out_cooldown"):
        if policy.get(key) is not None and policy[key] < 0:
            errors.append("{0}: {1} must be 0 or more seconds, not {2}".format(where, key, policy[key]))
    return errors


def _scheduled_action_errors(action, ceiling):
    where = "scheduled_actions[{0}]".format(action["name"])
    errors = []
    if not SCHEDULED_ACTION_NAME.match(action["name"]):
        errors.append("{0}: a scheduled action name is 1 to 256 characters, without : / | and without leading or trailing spaces".format(where))
    if not SCHEDULE.match(action["schedule"] or ""):
        errors.append(
            "{0}: schedule {1!r} is not at(yyyy-mm-ddThh:mm:ss), rate(<n> minute(s)|hour(s)|day(s)) "
            "or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)".format(where, action["schedule"])
        )
    if action.get("min_capacity") is None and action.get("max_capacity") is None:
        errors.append("{0}: give min_capacity, max_capacity or both".format(where))
    errors.extend(_capacity_errors(where, action.get("min_capacity"), action.get("max_capacity"), ceiling))
    times = {}
    for key in ("start_time", "end_time"):
        if action.get(key):
            try:
                times[key] = parse_time(action[key])
            except ValueError:
                errors.append("{0}: {1} {2!r} is not an ISO 8601 date and time".format(where, key, action[key]))
    if len(times) == 2 and times["start_time"] >= times["end_time"]:
        errors.append("{0}: start_time must be before end_time".format(where))
    return errors


def _duplicates(names):
    seen, duplicates = set(), []
    for name in names:
        if name in seen and name not in duplicates:
            duplicates.append(name)
        seen.add(name)
    return duplicates


def validation_errors(params):
    """Everything wrong with the module's parameters, found before any AWS call; empty when they are fine."""
    namespace = params["service_namespace"]
    spec = NAMESPACES[namespace]
    errors = []
    dimension = params.get("scalable_dimension")
    if dimension and dimension != spec["dimension"]:
        errors.append("scalable_dimension {0} does not belong to service_namespace {1}; use {2}".format(dimension, namespace, spec["dimension"]))
    if not spec["resource_id"].match(params["resource_id"]):
        errors.append(
            "resource_id {0!r} is not an id of service_namespace {1}: expected {2}".format(params["resource_id"], namespace, spec["resource_id_format"])
        )
    if params.get("state", "present") == "absent":
        return errors
    errors.extend(_capacity_errors("scalable target", params.get("min_capacity"), params.get("max_capacity"), spec["max_capacity"]))
    policies = params.get("target_tracking_policies") or []
    for name in _duplicates(policy["name"] for policy in policies):
        errors.append("target_tracking_policies: the name {0} is used more than once".format(name))
    for policy in policies:
        errors.extend(_policy_errors(namespace, policy))
    actions = params.get("scheduled_actions") or []
    for name in _duplicates(action["name"] for action in actions):
        errors.append("scheduled_actions: the name {0} is used more than once".format(name))
    for action in actions:
        errors.extend(_scheduled_action_errors(action, spec["max_capacity"]))
    return errors


# ---------------------------------------------------------------- module views (pure)


def parse_time(value):
    """An ISO 8601 date and time (a naive one is UTC, as the API reference says) as an aware UTC datetime."""
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        text = str(value).strip()
        if text.endswith("Z") or text.endswith("z"):
            text = text[:-1] + "+00:00"
        parsed = datetime.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.astimezone(datetime.timezone.utc).replace(microsecond=0)


def format_time(value):
    if value is None:
        return None
    return parse_time(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def suspended_view(suspended_state):
    suspended_state = suspended_state or {}
    return {key: bool(suspended_state.get(api_key, False)) for key, api_key in SUSPENDED_KEYS}


def suspended_request(view):
    return {api_key: view[key] for key, api_key in SUSPENDED_KEYS}


def target_view(target, tags=None):
    """The module's view of a DescribeScalableTargets entry; {} for none."""
    if not target:
        return {}
    return {
        "service_namespace": target["ServiceNamespace"],
        "resource_id": target["ResourceId"],
        "scalable_dimension": target["ScalableDimension"],
        "min_capacity": target.get("MinCapacity"),
        "max_capacity": target.get("MaxCapacity"),
        "suspended_state": suspended_view(target.get("SuspendedState")),
        "arn": target.get("ScalableTargetARN"),
        "tags": dict(tags or {}),
    }


def desired_target(params, current):
    """The scalable target as asked; what the parameters leave out is kept from ``current``."""
    desired = {
        "service_namespace": params["service_namespace"],
        "resource_id": params["resource_id"],
        "scalable_dimension": NAMESPACES[params["service_namespace"]]["dimension"],
        "min_capacity": params["min_capacity"],
        "max_capacity": params["max_capacity"],
        "suspended_state": suspended_view(None),
        "arn": current.get("arn"),
        "tags": dict(current.get("tags") or {}),
    }
    if params.get("suspended_state") is not None:
        desired["suspended_state"] = {key: bool(params["suspended_state"].get(key)) for key, dummy in SUSPENDED_KEYS}
    elif current:
        desired["suspended_state"] = dict(current["suspended_state"])
    return desired


def target_differences(current, desired):
    """The settings RegisterScalableTarget must change, in order; every one of them when there is no target."""
    keys = ("min_capacity", "max_capacity", "suspended_state")
    if not current:
        return list(keys)
    return [key for key in keys if current.get(key) != desired.get(key)]


def register_request(desired, differences, new, tags):
    request = {
        "ServiceNamespace": desired["service_namespace"],
        "ResourceId": desired["resource_id"],
        "ScalableDimension": desired["scalable_dimension"],
    }
    if new or "min_capacity" in differences or "max_capacity" in differences:
        # Both bounds together, so AWS checks the new pair rather than one new bound against an old one.
        request["MinCapacity"] = desired["min_capacity"]
        request["MaxCapacity"] = desired["max_capacity"]
    if "suspended_state" in differences:
        request["SuspendedState"] = suspended_request(desired["suspended_state"])
    if new and tags:
        request["Tags"] = dict(tags)
    return request


def policy_view(policy):
    """The module's view of a DescribeScalingPolicies entry."""
    view = {"name": policy["PolicyName"], "arn": policy.get("PolicyARN"), "type": policy.get("PolicyType")}
    if view["type"] != TARGET_TRACKING:
        config = policy.get("StepScalingPolicyConfiguration") or policy.get("PredictiveScalingPolicyConfiguration") or {}
        view["config"] = camel_dict_to_snake_dict(config)
        return view
    config = policy.get("TargetTrackingScalingPolicyConfiguration") or {}
    metric = config.get("PredefinedMetricSpecification") or {}
    view["config"] = {
        "predefined_metric": metric.get("PredefinedMetricType"),
        "resource_label": metric.get("ResourceLabel"),
        "target_value": float(config["TargetValue"]) if config.get("TargetValue") is not None else None,
        "scale_in_cooldown": config.get("ScaleInCooldown", DEFAULT_COOLDOWN),
        "scale_out_cooldown": config.get("ScaleOutCooldown", DEFAULT_COOLDOWN),
        "disable_scale_in": bool(config.get("DisableScaleIn", False)),
    }
    if config.get("CustomizedMetricSpecification"):
        view["config"]["customized_metric"] = camel_dict_to_snake_dict(config["CustomizedMetricSpecification"])
    return view


def desired_policy(spec):
    """The module's view of a target_tracking_policies entry."""
    return {
        "name": spec["name"],
        "arn": None,
        "type": TARGET_TRACKING,
        "config": {
            "predefined_metric": spec["predefined_metric"],
            "resource_label": spec.get("resource_label") or None,
            "target_value": float(spec["target_value"]),
            "scale_in_cooldown": DEFAULT_COOLDOWN if spec.get("scale_in_cooldown") is None else spec["scale_in_cooldown"],
            "scale_out_cooldown": DEFAULT_COOLDOWN if spec.get("scale_out_cooldown") is None else spec["scale_out_cooldown"],
            "disable_scale_in": bool(spec.get("disable_scale_in")),
        },
    }


def policy_configuration(view):
    """TargetTrackingScalingPolicyConfiguration for a desired policy; every setting explicit, since
    PutScalingPolicy replaces the whole configuration."""
    config = view["config"]
    metric = {"PredefinedMetricType": config["predefined_metric"]}
    if config["resource_label"]:
        metric["ResourceLabel"] = config["resource_label"]
    return {
        "TargetValue": config["target_value"],
        "PredefinedMetricSpecification": metric,
        "ScaleInCooldown": config["scale_in_cooldown"],
        "ScaleOutCooldown": config["scale_out_cooldown"],
        "DisableScaleIn": config["disable_scale_in"],
    }


def scheduled_action_view(action):
    """The module's view of a DescribeScheduledActions entry."""
    target_action = action.get("ScalableTargetAction") or {}
    return {
        "name": action["ScheduledActionName"],
        "arn": action.get("ScheduledActionARN"),
        "schedule": action.get("Schedule"),
        "timezone": action.get("Timezone") or "UTC",
        "start_time": format_time(action.get("StartTime")),
        "end_time": format_time(action.get("EndTime")),
        "min_capacity": target_action.get("MinCapacity"),
        "max_capacity": target_action.get("MaxCapacity"),
    }


def desired_scheduled_action(spec):
    return {
        "name": spec["name"],
        "arn": None,
        "schedule": spec["schedule"],
        "timezone": spec.get("timezone") or "UTC",
        "start_time": format_time(spec.get("start_time")),
        "end_time": format_time(spec.get("end_time")),
        "min_capacity": spec.get("min_capacity"),
        "max_capacity": spec.get("max_capacity"),
    }


def scheduled_action_request(view):
    target_action = {}
    if view["min_capacity"] is not None:
        target_action["MinCapacity"] = view["min_capacity"]
    if view["max_capacity"] is not None:
        target_action["MaxCapacity"] = view["max_capacity"]
    request = {
        "ScheduledActionName": view["name"],
        "Schedule": view["schedule"],
        "Timezone": view["timezone"],
        "ScalableTargetAction": target_action,
    }
    # Always sent or always left out together with the action: "If you don't specify start and end
    # times, the old values are deleted."
    if view["start_time"]:
        request["StartTime"] = parse_time(view["start_time"])
    if view["end_time"]:
        request["EndTime"] = parse_time(view["end_time"])
    return request


def _comparable(view):
    return {key: value for key, value in view.items() if key != "arn"}


def plan(current, desired, purge):
    """How to go from ``current`` to ``desired`` (lists of policy or scheduled-action views, matched by name).

    Returns a dict: ``put`` (desired views to create or update), ``delete`` (names to delete first: not
    declared and purged, or declared but only changeable by deleting first), ``keep`` (current views left
    as they are)."""
    by_name = dict((view["name"], view) for view in current)
    wanted = dict((view["name"], view) for view in desired)
    result = {"put": [], "delete": [], "keep": []}
    for view in current:
        if view["name"] not in wanted:
            if purge:
                result["delete"].append(view["name"])
            else:
                result["keep"].append(view)
    for view in desired:
        existing = by_name.get(view["name"])
        if existing is not None and _comparable(existing) == _comparable(view):
            result["keep"].append(existing)
            continue
        if existing is not None and needs_delete_first(existing, view):
            result["delete"].append(view["name"])
        result["put"].append(view)
    return result


def needs_delete_first(current, desired):
    """A policy of another type, or a scheduled action whose update would drop a capacity bound: the Put
    calls change only what they are given, so those are deleted and created again."""
    if "type" in desired:
        return current.get("type") != desired["type"]
    return any(current.get(key) is not None and desired.get(key) is None for key in ("min_capacity", "max_capacity"))


def project(plan_result, current):
    """The list after the plan is carried out (check mode, and the result before re-reading); sorted by name."""
    current_arns = dict((view["name"], view.get("arn")) for view in current)
    deleted = set(plan_result["delete"])
    after = {}
    for view in plan_result["keep"]:
        after[view["name"]] = view
    for view in plan_result["put"]:
        arn = None if view["name"] in deleted else current_arns.get(view["name"])
        after[view["name"]] = dict(view, arn=arn)
    return [after[name] for name in sorted(after)]


# ---------------------------------------------------------------- Application Auto Scaling calls

# ConcurrentUpdateException: "an update to an Application Auto Scaling resource that already has a pending
# update"; retrying is what AWS recommends.
_retry = AWSRetry.jittered_backoff(catch_extra_error_codes=["ConcurrentUpdateException"])
# Right after RegisterScalableTarget the target may not be visible to PutScalingPolicy / PutScheduledAction
# yet ("a brief delay until the operation achieves eventual consistency"): ObjectNotFoundException is retried,
# briefly, for those two.
_retry_after_register = AWSRetry.jittered_backoff(
    retries=6, delay=1, max_delay=10, catch_extra_error_codes=["ConcurrentUpdateException", "ObjectNotFoundException"]
)


def _key(target):
    return {
        "ServiceNamespace": target["service_namespace"],
        "ResourceId": target["resource_id"],
        "ScalableDimension": target["scalable_dimension"],
    }


@_retry
def describe_target(client, namespace, resource_id, dimension):
    paginator = client.get_paginator("describe_scalable_targets")
    pages = paginator.paginate(ServiceNamespace=namespace, ResourceIds=[resource_id], ScalableDimension=dimension)
    for target in pages.build_full_result().get("ScalableTargets", []):
        if target["ResourceId"] == resource_id and target["ScalableDimension"] == dimension:
            return target
    return None


@_retry
def describe_policies(client, namespace, resource_id, dimension):
    paginator = client.get_paginator("describe_scaling_policies")
    pages = paginator.paginate(ServiceNamespace=namespace, ResourceId=resource_id, ScalableDimension=dimension)
    policies = pages.build_full_result().get("ScalingPolicies", [])
    return [policy for policy in policies if policy["ResourceId"] == resource_id and policy["ScalableDimension"] == dimension]


@_retry
def describe_scheduled_actions(client, namespace, resource_id, dimension):
    paginator = client.get_paginator("describe_scheduled_actions")
    pages = paginator.paginate(ServiceNamespace=namespace, ResourceId=resource_id, ScalableDimension=dimension)
    actions = pages.build_full_result().get("ScheduledActions", [])
    return [action for action in actions if action["ResourceId"] == resource_id and action["ScalableDimension"] == dimension]


@_retry
def list_tags(client, arn):
    return client.list_tags_for_resource(ResourceARN=arn).get("Tags", {})


@_retry
def register_target(client, request):
    return client.register_scalable_target(**request)


@_retry
def deregister_target(client, target):
    client.deregister_scalable_target(**_key(target))


@_retry
def tag_target(client, arn, tags):
    client.tag_resource(ResourceARN=arn, Tags=tags)


@_retry
def untag_target(client, arn, keys):
    client.untag_resource(ResourceARN=arn, TagKeys=keys)


@_retry_after_register
def put_policy(client, target, view):
    return client.put_scaling_policy(
        PolicyName=view["name"], PolicyType=TARGET_TRACKING, TargetTrackingScalingPolicyConfiguration=policy_configuration(view), **_key(target)
    )


@_retry
def delete_policy(client, target, name):
    client.delete_scaling_policy(PolicyName=name, **_key(target))


@_retry_after_register
def put_scheduled_action(client, target, view):
    client.put_scheduled_action(**dict(scheduled_action_request(view), **_key(target)))


@_retry
def delete_scheduled_action(client, target, name):
    client.delete_scheduled_action(ScheduledActionName=name, **_key(target))
