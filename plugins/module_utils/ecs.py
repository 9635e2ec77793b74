# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ECS services: the pure comparisons, the ECS calls and the waiters of the ecs_service module."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.waiter import BaseWaiterFactory
from ansible_collections.amazon.aws.plugins.module_utils.waiter import custom_waiter_config

# ECS throttles with ThrottlingException and answers its own 5xx with ServerException: neither is in
# AWSRetry's default list.
RETRY_CODES = ["ThrottlingException", "ServerException"]
ecs_retry = AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)

LAUNCH_TYPE = "FARGATE"
SCHEDULING_STRATEGY = "REPLICA"
DEPLOYMENT_CONTROLLER = "ECS"

# option name -> DeploymentConfiguration key
DEPLOYMENT_KEYS = (
    ("maximum_percent", "maximumPercent"),
    ("minimum_healthy_percent", "minimumHealthyPercent"),
)

# Settings UpdateService changes in place, in the order `changes` reports them.
UPDATABLE = (
    "task_definition",
    "desired_count",
    "platform_version",
    "network_configuration",
    "load_balancers",
    "health_check_grace_period_seconds",
    "deployment_configuration",
    "enable_execute_command",
    "enable_ecs_managed_tags",
    "propagate_tags",
)


# ---------------------------------------------------------------- views


def network_view(network_configuration):
    awsvpc = (network_configuration or {}).get("awsvpcConfiguration") or {}
    return {
        "subnets": list(awsvpc.get("subnets") or []),
        "security_groups": list(awsvpc.get("securityGroups") or []),
        "assign_public_ip": awsvpc.get("assignPublicIp", "DISABLED") == "ENABLED",
    }


def load_balancers_view(load_balancers):
    return [
        {
            "target_group_arn": lb.get("targetGroupArn"),
            "container_name": lb.get("containerName"),
            "container_port": lb.get("containerPort"),
        }
        for lb in load_balancers or []
    ]


def deployment_configuration_view(config):
    config = config or {}
    breaker = config.get("deploymentCircuitBreaker") or {}
    return {
        "maximum_percent": config.get("maximumPercent"),
        "minimum_healthy_percent": config.get("minimumHealthyPercent"),
        "deployment_circuit_breaker": {"enable": bool(breaker.get("enable")), "rollback": bool(breaker.get("rollback"))},
    }


def deployments_view(deployments):
    return [
        {
            "id": deployment.get("id"),
            "status": deployment.get("status"),
            "task_definition": deployment.get("taskDefinition"),
            "desired_count": deployment.get("desiredCount"),
            "running_count": deployment.get("runningCount"),
            "pending_count": deployment.get("pendingCount"),
            "failed_tasks": deployment.get("failedTasks"),
            "rollout_state": deployment.get("rolloutState"),
        }
        for deployment in deployments or []
    ]


def parse_instant(text):
    """An aware datetime from ISO 8601 ('T' or a space between date and time, 'Z' or an offset; UTC if none)."""
    instant = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return instant if instant.tzinfo else instant.replace(tzinfo=datetime.timezone.utc)


def primary_deployment_before(service, instant):
    """Whether the service's PRIMARY deployment was created before ``instant`` (a service without one: True)."""
    for deployment in (service or {}).get("deployments") or []:
        if deployment.get("status") == "PRIMARY" and deployment.get("createdAt"):
            created = deployment["createdAt"]
            created = created if created.tzinfo else created.replace(tzinfo=datetime.timezone.utc)
            return created < instant
    return True


def current_service(service, tags):
    """The module's view of a DescribeServices entry (``tags``: the ListTagsForResource list)."""
    if service is None:
        return {}
    controller = (service.get("deploymentController") or {}).get("type", DEPLOYMENT_CONTROLLER)
    return {
        "arn": service["serviceArn"],
        "name": service["serviceName"],
        "cluster_arn": service.get("clusterArn"),
        "status": service.get("status"),
        "desired_count": service.get("desiredCount"),
        "running_count": service.get("runningCount"),
        "pending_count": service.get("pendingCount"),
        "task_definition": service.get("taskDefinition"),
        "launch_type": service.get("launchType"),
        "capacity_provider_strategy": [
            {"capacity_provider": item.get("capacityProvider"), "weight": item.get("weight"), "base": item.get("base")}
            for item in service.get("capacityProviderStrategy") or []
        ],
        "scheduling_strategy": service.get("schedulingStrategy", SCHEDULING_STRATEGY),
        "deployment_controller": controller,
        "platform_version": service.get("platformVersion"),
        "network_configuration": network_view(service.get("networkConfiguration")),
        "load_balancers": load_balancers_view(service.get("loadBalancers")),
        "health_check_grace_period_seconds": service.get("healthCheckGracePeriodSeconds"),
        "deployment_configuration": deployment_configuration_view(service.get("deploymentConfiguration")),
        "enable_execute_command": bool(service.get("enableExecuteCommand")),
        "enable_ecs_managed_tags": bool(service.get("enableECSManagedTags")),
        "propagate_tags": service.get("propagateTags", "NONE"),
        "deployments": deployments_view(service.get("deployments")),
        "tags": boto3_tag_list_to_ansible_dict(tags or [], "key", "value"),
    }


# Runtime fields: what the service is doing, not how it is configured. The diff leaves them out.
RUNTIME_FIELDS = ("status", "running_count", "pending_count", "deployments")


def config_view(view):
    return {key: value for key, value in view.items() if key not in RUNTIME_FIELDS}


# ---------------------------------------------------------------- desired state


def desired_service(params, task_definition_arn):
    """What the options ask for; None means "not managed: leave as it is"."""
    network = params["network_configuration"] or {}
    deployment = params["deployment_configuration"]
    load_balancers = params["load_balancers"]
    return {
        "name": params["name"],
        "task_definition": task_definition_arn,
        "platform_version": params["platform_version"],
        "network_configuration": {
            "subnets": list(network.get("subnets") or []),
            "security_groups": None if network.get("security_groups") is None else list(network["security_groups"]),
            "assign_public_ip": bool(network.get("assign_public_ip")),
        },
        "load_balancers": None if load_balancers is None else [
            {
                "target_group_arn": lb["target_group_arn"],
                "container_name": lb["container_name"],
                "container_port": lb["container_port"],
            }
            for lb in load_balancers
        ],
        "health_check_grace_period_seconds": params["health_check_grace_period_seconds"],
        "deployment_configuration": None if deployment is None else {
            key: value for key, value in deployment.items() if value is not None
        },
        "enable_execute_command": params["enable_execute_command"],
        "enable_ecs_managed_tags": params["enable_ecs_managed_tags"],
        "propagate_tags": params["propagate_tags"],
        "tags": params["tags"],
    }


def clamp(count, minimum, maximum):
    if minimum is not None and count < minimum:
        return minimum
    if maximum is not None and count > maximum:
        return maximum
    return count


def target_desired_count(current_count, params):
    """The desired count the service should have.

    A new service (``current_count`` None) gets ``desired_count``. An autoscaled one keeps the count
    autoscaling gave it, clamped into [min_count, max_count]; any other is converged to desired_count.
    """
    if params["autoscaled"]:
        start = params["desired_count"] if current_count is None else current_count
        return clamp(start, params["min_count"], params["max_count"])
    return params["desired_count"]


def input_problems(params):
    """What AWS (or this module) would refuse in the options, as sentences a person can act on."""
    problems = []
    if params["desired_count"] is not None and params["desired_count"] < 0:
        problems.append("desired_count must be 0 or more, not {0}".format(params["desired_count"]))
    for name in ("min_count", "max_count"):
        if params[name] is not None and params[name] < 0:
            problems.append("{0} must be 0 or more, not {1}".format(name, params[name]))
    if params["min_count"] is not None and params["max_count"] is not None and params["min_count"] > params["max_count"]:
        problems.append("min_count ({0}) must not be above max_count ({1})".format(params["min_count"], params["max_count"]))
    if not params["autoscaled"] and (params["min_count"] is not None or params["max_count"] is not None):
        problems.append("min_count and max_count only apply with autoscaled=true")
    network = params["network_configuration"] or {}
    if params["state"] == "present" and not network.get("subnets"):
        problems.append("network_configuration.subnets must name at least one subnet (Fargate tasks use awsvpc networking)")
    if params["health_check_grace_period_seconds"] is not None and params["load_balancers"] == []:
        problems.append("health_check_grace_period_seconds only applies to a service with load_balancers")
    deployment = params["deployment_configuration"] or {}
    low, high = deployment.get("minimum_healthy_percent"), deployment.get("maximum_percent")
    if low is not None and not 0 <= low <= 100:
        problems.append("deployment_configuration.minimum_healthy_percent must be between 0 and 100, not {0}".format(low))
    if low is not None and high is not None and high < low:
        problems.append("deployment_configuration.maximum_percent ({0}) must not be below minimum_healthy_percent ({1})".format(high, low))
    return problems


# ---------------------------------------------------------------- comparison


def settings_to_replace(current, desired):
    """The settings that differ and that UpdateService cannot change: the service must be re-created."""
    replace = []
    if current.get("launch_type") != LAUNCH_TYPE:
        replace.append("launch_type")
    if current.get("scheduling_strategy") != SCHEDULING_STRATEGY:
        replace.append("scheduling_strategy")
    if current.get("deployment_controller") != DEPLOYMENT_CONTROLLER:
        replace.append("deployment_controller")
    return replace


def network_differs(current, desired):
    if sorted(current["subnets"]) != sorted(desired["subnets"]):
        return True
    if desired["security_groups"] is not None and sorted(current["security_groups"]) != sorted(desired["security_groups"]):
        return True
    return current["assign_public_ip"] != desired["assign_public_ip"]


def load_balancer_key(lb):
    return (lb["target_group_arn"] or "", lb["container_name"] or "", lb["container_port"] or 0)


def load_balancers_differ(current, desired):
    if desired is None:
        return False
    return sorted(map(load_balancer_key, current)) != sorted(map(load_balancer_key, desired))


def deployment_configuration_differs(current, desired):
    if not desired:
        return False
    return any(current.get(key) != value for key, value in desired.items())


def changed_settings(current, desired, desired_count):
    """The in-place settings that differ, in UPDATABLE order."""
    grace = desired["health_check_grace_period_seconds"]
    differs = {
        "task_definition": current["task_definition"] != desired["task_definition"],
        "desired_count": current["desired_count"] != desired_count,
        "platform_version": desired["platform_version"] is not None and current["platform_version"] != desired["platform_version"],
        "network_configuration": network_differs(current["network_configuration"], desired["network_configuration"]),
        "load_balancers": load_balancers_differ(current["load_balancers"], desired["load_balancers"]),
        "health_check_grace_period_seconds": grace is not None and (current["health_check_grace_period_seconds"] or 0) != grace,
        "deployment_configuration": deployment_configuration_differs(current["deployment_configuration"], desired["deployment_configuration"]),
        "enable_execute_command": current["enable_execute_command"] != desired["enable_execute_command"],
        "enable_ecs_managed_tags": current["enable_ecs_managed_tags"] != desired["enable_ecs_managed_tags"],
        "propagate_tags": current["propagate_tags"] != desired["propagate_tags"],
    }
    return [name for name in UPDATABLE if differs[name]]


def projected_service(current, desired, desired_count, changes, tags):
    """``current`` with the ``changes`` of ``desired`` applied (check mode, or before AWS reports them)."""
    after = dict(current)
    for name in changes:
        if name == "desired_count":
            after["desired_count"] = desired_count
        elif name == "network_configuration":
            network = dict(desired["network_configuration"])
            if network["security_groups"] is None:
                network["security_groups"] = current["network_configuration"]["security_groups"]
            after["network_configuration"] = network
        elif name == "deployment_configuration":
            after["deployment_configuration"] = merged_deployment_view(current["deployment_configuration"], desired["deployment_configuration"])
        else:
            after[name] = desired[name]
    after["tags"] = tags
    return after


def merged_deployment_view(current, desired):
    merged = dict(current)
    merged.update(desired or {})
    return merged


def new_service_view(desired, desired_count, cluster):
    """What check mode projects for a service it would create."""
    network = dict(desired["network_configuration"])
    if network["security_groups"] is None:
        network["security_groups"] = []
    deployment = merged_deployment_view(
        {"maximum_percent": 200, "minimum_healthy_percent": 100, "deployment_circuit_breaker": {"enable": False, "rollback": False}},
        desired["deployment_configuration"],
    )
    return {
        "arn": None,
        "name": desired["name"],
        "cluster_arn": cluster if cluster.startswith("arn:") else None,
        "status": None,
        "desired_count": desired_count,
        "running_count": 0,
        "pending_count": 0,
        "task_definition": desired["task_definition"],
        "launch_type": LAUNCH_TYPE,
        "capacity_provider_strategy": [],
        "scheduling_strategy": SCHEDULING_STRATEGY,
        "deployment_controller": DEPLOYMENT_CONTROLLER,
        "platform_version": desired["platform_version"],
        "network_configuration": network,
        "load_balancers": desired["load_balancers"] or [],
        "health_check_grace_period_seconds": desired["health_check_grace_period_seconds"],
        "deployment_configuration": deployment,
        "enable_execute_command": desired["enable_execute_command"],
        "enable_ecs_managed_tags": desired["enable_ecs_managed_tags"],
        "propagate_tags": desired["propagate_tags"],
        "deployments": [],
        "tags": desired["tags"] or {},
    }


# ---------------------------------------------------------------- requests


def awsvpc_request(network, current_security_groups=None):
    config = {"subnets": network["subnets"], "assignPublicIp": "ENABLED" if network["assign_public_ip"] else "DISABLED"}
    groups = network["security_groups"] if network["security_groups"] is not None else current_security_groups
    if groups:
        config["securityGroups"] = groups
    return {"awsvpcConfiguration": config}


def load_balancers_request(load_balancers):
    return [
        {"targetGroupArn": lb["target_group_arn"], "containerName": lb["container_name"], "containerPort": lb["container_port"]}
        for lb in load_balancers
    ]


def deployment_configuration_request(raw_current, desired):
    """The whole DeploymentConfiguration: ``desired`` over what the service has (alarms and the rest kept)."""
    config = dict(raw_current or {})
    desired = desired or {}
    for option, key in DEPLOYMENT_KEYS:
        if desired.get(option) is not None:
            config[key] = desired[option]
    breaker = desired.get("deployment_circuit_breaker")
    if breaker is not None:
        config["deploymentCircuitBreaker"] = {"enable": bool(breaker["enable"]), "rollback": bool(breaker["rollback"])}
    return config


def create_request(cluster, desired, desired_count, client_token):
    request = {
        "cluster": cluster,
        "serviceName": desired["name"],
        "taskDefinition": desired["task_definition"],
        "desiredCount": desired_count,
        "launchType": LAUNCH_TYPE,
        "schedulingStrategy": SCHEDULING_STRATEGY,
        "deploymentController": {"type": DEPLOYMENT_CONTROLLER},
        "networkConfiguration": awsvpc_request(desired["network_configuration"]),
        "enableExecuteCommand": desired["enable_execute_command"],
        "enableECSManagedTags": desired["enable_ecs_managed_tags"],
        "propagateTags": desired["propagate_tags"],
        "clientToken": client_token,
    }
    if desired["platform_version"] is not None:
        request["platformVersion"] = desired["platform_version"]
    if desired["load_balancers"]:
        request["loadBalancers"] = load_balancers_request(desired["load_balancers"])
    if desired["health_check_grace_period_seconds"] is not None:
        request["healthCheckGracePeriodSeconds"] = desired["health_check_grace_period_seconds"]
    if desired["deployment_configuration"]:
        request["deploymentConfiguration"] = deployment_configuration_request({}, desired["deployment_configuration"])
    if desired["tags"]:
        request["tags"] = ansible_dict_to_boto3_tag_list(desired["tags"], "key", "value")
    return request


def update_request(raw_service, current, desired, desired_count, changes, force_new_deployment):
    """The UpdateService parameters for ``changes`` only (plus forceNewDeployment when asked)."""
    request = {}
    for name in changes:
        if name == "task_definition":
            request["taskDefinition"] = desired["task_definition"]
        elif name == "desired_count":
            request["desiredCount"] = desired_count
        elif name == "platform_version":
            request["platformVersion"] = desired["platform_version"]
        elif name == "network_configuration":
            request["networkConfiguration"] = awsvpc_request(desired["network_configuration"], current["network_configuration"]["security_groups"])
        elif name == "load_balancers":
            request["loadBalancers"] = load_balancers_request(desired["load_balancers"])
        elif name == "health_check_grace_period_seconds":
            request["healthCheckGracePeriodSeconds"] = desired["health_check_grace_period_seconds"]
        elif name == "deployment_configuration":
            request["deploymentConfiguration"] = deployment_configuration_request(
                raw_service.get("deploymentConfiguration"), desired["deployment_configuration"]
            )
        elif name == "enable_execute_command":
            request["enableExecuteCommand"] = desired["enable_execute_command"]
        elif name == "enable_ecs_managed_tags":
            request["enableECSManagedTags"] = desired["enable_ecs_managed_tags"]
        elif name == "propagate_tags":
            request["propagateTags"] = desired["propagate_tags"]
    if force_new_deployment:
        request["forceNewDeployment"] = True
    return request


# ---------------------------------------------------------------- calls


@ecs_retry
def describe_service(client, cluster, name):
    """The DescribeServices entry of the service, or None when ECS does not know it (or its cluster)."""
    try:
        response = client.describe_services(cluster=cluster, services=[name])
    except client.exceptions.ClusterNotFoundException:
        return None
    services = response.get("services") or []
    return services[0] if services else None


@ecs_retry
def describe_task_definition(client, task_definition):
    """The task definition's ARN, or None when ECS does not know it."""
    try:
        return client.describe_task_definition(taskDefinition=task_definition)["taskDefinition"]["taskDefinitionArn"]
    except client.exceptions.ClientException as e:
        if "not found" in str(e).lower() or "unable to describe" in str(e).lower():
            return None
        raise


@ecs_retry
def list_tags(client, arn):
    return client.list_tags_for_resource(resourceArn=arn).get("tags", [])


@ecs_retry
def tag_resource(client, arn, tags):
    client.tag_resource(resourceArn=arn, tags=ansible_dict_to_boto3_tag_list(tags, "key", "value"))


@ecs_retry
def untag_resource(client, arn, keys):
    client.untag_resource(resourceArn=arn, tagKeys=list(keys))


@ecs_retry
def create_service(client, request):
    return client.create_service(**request)["service"]


@ecs_retry
def update_service(client, cluster, name, request):
    return client.update_service(cluster=cluster, service=name, **request)["service"]


@ecs_retry
def delete_service(client, cluster, name):
    """Scale to 0, then delete (force: tasks still stopping do not block it). Missing or inactive: nothing to do."""
    try:
        client.update_service(cluster=cluster, service=name, desiredCount=0)
    except (client.exceptions.ServiceNotActiveException, client.exceptions.ServiceNotFoundException):
        return None
    try:
        return client.delete_service(cluster=cluster, service=name, force=True)["service"]
    except client.exceptions.ServiceNotFoundException:
        return None


# ---------------------------------------------------------------- waiters


class EcsWaiterFactory(BaseWaiterFactory):
    """botocore's services_stable/services_inactive for one service, plus: a failed (rolled back) deployment
    is a failure, a purged service counts as inactive, and throttling and 5xx answers are retried."""

    @property
    def _waiter_model_data(self):
        data = dict(
            service_stable=dict(
                operation="DescribeServices",
                delay=15,
                maxAttempts=40,
                acceptors=[
                    dict(state="failure", matcher="pathAny", argument="failures[].reason", expected="MISSING"),
                    dict(state="failure", matcher="pathAny", argument="services[].status", expected="DRAINING"),
                    dict(state="failure", matcher="pathAny", argument="services[].status", expected="INACTIVE"),
                    dict(state="failure", matcher="pathAny", argument="services[].deployments[].rolloutState", expected="FAILED"),
                    dict(
                        state="success",
                        matcher="path",
                        argument="length(services[?!(length(deployments) == `1` && runningCount == desiredCount)]) == `0`",
                        expected=True,
                    ),
                ],
            ),
            service_inactive=dict(
                operation="DescribeServices",
                delay=15,
                maxAttempts=40,
                acceptors=[
                    dict(state="success", matcher="pathAny", argument="failures[].reason", expected="MISSING"),
                    dict(state="success", matcher="pathAll", argument="services[].status", expected="INACTIVE"),
                    dict(state="success", matcher="error", expected="ClusterNotFoundException"),
                ],
            ),
        )
        for waiter in data.values():
            waiter["acceptors"].extend(dict(state="retry", matcher="error", expected=code) for code in RETRY_CODES)
        return data


def wait_for(client, waiter_name, cluster, name, timeout):
    """Wait with one of the waiters above for at most ``timeout`` seconds; raises botocore's WaiterError."""
    client = getattr(client, "client", client)  # the waiter needs the plain client, not amazon.aws's retrying wrapper
    config = custom_waiter_config(max(int(timeout), 1), default_pause=15)
    EcsWaiterFactory().get_waiter(client, waiter_name).wait(cluster=cluster, services=[name], WaiterConfig=config)
