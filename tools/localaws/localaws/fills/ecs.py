"""ECS fills (moto 5.2.5).

- Clusters created without capacity providers omit ``capacityProviders`` and
  ``defaultCapacityProviderStrategy`` (AWS returns empty lists; community.aws
  ``ecs_cluster`` indexes both), and DescribeClusters include=TAGS omits ``tags``
  when there are none (AWS returns an empty list).
- CreateService ignores enableExecuteCommand, healthCheckGracePeriodSeconds,
  deploymentConfiguration, placementConstraints/Strategy and capacityProviderStrategy,
  and returns no ``createdAt``; AWS returns them all (``enableExecuteCommand`` false,
  empty placement lists and the default deployment configuration when not given).
- CreateService with an awsvpcConfiguration without ``securityGroups`` answers
  HTTP 500; AWS uses the VPC's default security group.
- CreateService ignores enableECSManagedTags (AWS returns it, false by default).
- UpdateService stores ``taskDefinition`` as given (``family:2``) without checking it
  exists, applies other parameters before that check, accepts unknown subnets and
  security groups, updates services that are no longer ACTIVE, and starts no new
  deployment; AWS resolves the task definition to its ARN, refuses unknown ones
  (``ClientException``) and inactive services (``ServiceNotActiveException``),
  validates the network configuration as on create, and starts a new deployment
  when the task definition, network configuration, load balancers, platform version
  change or forceNewDeployment is set.
- ListServices lists DRAINING and INACTIVE (deleted) services; AWS does not.
- Services never reach a steady state (runningCount stays 0 after CreateService), so
  the ``services_stable`` waiter never succeeds. Unless ``MOTO_ECS_SERVICE_RUNNING``
  is set (moto's own switch), tasks start at once: runningCount = desiredCount and
  the single PRIMARY deployment is COMPLETED (AWS gets there in minutes).

Reference: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/
"""

from __future__ import annotations

import os
from typing import Any

from moto.core.utils import utcnow
from moto.ec2.exceptions import InvalidSecurityGroupNotFoundError, InvalidSubnetIdError
from moto.ec2.models import ec2_backends
from moto.ecs import models as ecs_models
from moto.ecs import responses as ecs_responses
from moto.ecs.exceptions import ECSException, EcsClientException, InvalidParameterException
from moto.ecs.exceptions import TaskDefinitionNotFoundException
from moto.moto_api._internal import mock_random

from . import patch

# CreateService's deploymentConfiguration defaults (REPLICA services, ECS controller).
DEFAULT_DEPLOYMENT_CONFIGURATION = {
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
}


class ServiceNotActiveException(ECSException):
    def __init__(self) -> None:
        super().__init__("ServiceNotActiveException", "Service was not ACTIVE.")


# UpdateService parameters (moto's snake_case names) whose change starts a new deployment.
_DEPLOYING_UPDATES = ("task_definition", "network_configuration", "load_balancers", "platform_version")


def _tasks_start_at_once() -> bool:
    return os.environ.get("MOTO_ECS_SERVICE_RUNNING") is None


def _settle(service: Any) -> None:
    """The service at steady state: its tasks run, its PRIMARY deployment completed."""
    if not _tasks_start_at_once():
        return
    service.running_count = service.desired_count
    service.pending_count = 0
    for deployment in service.deployments:
        deployment["desiredCount"] = service.desired_count
        deployment["runningCount"] = service.desired_count
        deployment["pendingCount"] = 0
        deployment["rolloutState"] = "COMPLETED"
        deployment["rolloutStateReason"] = f"ECS deployment {deployment['id']} completed."


def _new_deployment(service: Any) -> None:
    """A new PRIMARY deployment of the service's current definition; the old ones are drained at once."""
    now = utcnow()
    deployment_id = f"ecs-svc/{mock_random.randint(0, 32**12)}"
    service.deployments = [
        {
            "createdAt": now,
            "desiredCount": service.desired_count,
            "failedTasks": 0,
            "id": deployment_id,
            "launchType": service.launch_type,
            "pendingCount": service.desired_count,
            "rolloutState": "IN_PROGRESS",
            "rolloutStateReason": f"ECS deployment {deployment_id} in progress.",
            "runningCount": 0,
            "platformVersion": service.platform_version,
            "networkConfiguration": service.network_configuration or None,
            "platformFamily": "EC2" if service.launch_type == "EC2" else "FARGATE",
            "status": "PRIMARY",
            "taskDefinition": service.task_definition,
            "updatedAt": now,
        }
    ]


def cluster_init(self: Any, *args: Any, **kwargs: Any) -> None:
    cluster_init.original(self, *args, **kwargs)
    if self.capacity_providers is None:
        self.capacity_providers = []
    if self.default_capacity_provider_strategy is None:
        self.default_capacity_provider_strategy = []
    if self.tags is None:
        self.tags = []


def service_init(self: Any, *args: Any, **kwargs: Any) -> None:
    service_init.original(self, *args, **kwargs)
    self.created_at = utcnow()
    self.enable_execute_command = False
    self.placement_constraints = []
    self.placement_strategy = []
    self.capacity_provider_strategy = []
    self.enable_ecs_managed_tags = False
    self.deployment_configuration = {
        key: (dict(value) if isinstance(value, dict) else value)
        for key, value in DEFAULT_DEPLOYMENT_CONFIGURATION.items()
    }
    if self.launch_type == "FARGATE" and not self.platform_version:
        self.platform_version = "LATEST"
        for deployment in self.deployments:
            deployment["platformVersion"] = self.platform_version
    _settle(self)


def validate_network(self: Any, nc: dict[str, Any]) -> dict[str, Any]:
    """moto's check, with securityGroups optional as in the API reference."""
    c = nc["awsvpcConfiguration"]
    if not c.get("subnets"):
        raise InvalidParameterException("subnets can not be empty.")
    ec2_backend = ec2_backends[self._account_id][self.region_name]
    try:
        ec2_backend.describe_subnets(subnet_ids=c["subnets"])
    except InvalidSubnetIdError as exc:
        subnet_id = exc.message.split("'")[1]
        raise InvalidParameterException(
            f"Error retrieving subnet information for [{subnet_id}]: {exc.message} (ErrorCode: {exc.code})"
        )
    for group_id in c.get("securityGroups") or []:
        try:
            ec2_backend.describe_security_groups(group_ids=[group_id])
        except InvalidSecurityGroupNotFoundError:
            raise InvalidParameterException(
                f"Error retrieving security group information for [{group_id}]: "
                f"The security group '{group_id}' does not exist (ErrorCode: InvalidGroup.NotFound)"
            )
    return nc


_CREATE_SERVICE_EXTRAS = {
    "enableExecuteCommand": "enable_execute_command",
    "healthCheckGracePeriodSeconds": "health_check_grace_period_seconds",
    "deploymentConfiguration": "deployment_configuration",
    "placementConstraints": "placement_constraints",
    "placementStrategy": "placement_strategy",
    "capacityProviderStrategy": "capacity_provider_strategy",
    "enableECSManagedTags": "enable_ecs_managed_tags",
}


def resp_create_service(self: Any):
    result = resp_create_service.original(self)
    service = result.result["service"]
    for param, attr in _CREATE_SERVICE_EXTRAS.items():
        value = self._get_param(param)
        if value is None:
            continue
        if param == "deploymentConfiguration":
            merged = dict(service.deployment_configuration)
            merged.update(value)
            value = merged
        setattr(service, attr, value)
    return result


def backend_update_service(self: Any, service_properties: dict[str, Any]) -> Any:
    """Validate first (nothing changes on a refused request), then moto's update, then the deployment."""
    cluster_str = service_properties.get("cluster", "default")
    service = self._get_service(cluster_str, service_properties["service"].split("/")[-1])
    if service.status != "ACTIVE":
        raise ServiceNotActiveException()
    task_definition_str = service_properties.get("task_definition")
    if task_definition_str:
        try:
            service_properties["task_definition"] = self.describe_task_definition(task_definition_str).arn
        except TaskDefinitionNotFoundException:
            raise EcsClientException("TaskDefinition not found.")
    if service_properties.get("network_configuration") is not None:
        service._validate_network(service_properties["network_configuration"])
    before = {name: getattr(service, name, None) for name in _DEPLOYING_UPDATES}
    force = bool(service_properties.get("force_new_deployment"))
    result = backend_update_service.original(self, service_properties)
    if force or any(getattr(result, name, None) != value for name, value in before.items()):
        _new_deployment(result)
    _settle(result)
    return result


def backend_list_services(self: Any, *args: Any, **kwargs: Any) -> list[str]:
    arns = backend_list_services.original(self, *args, **kwargs)
    active = {service.arn for service in self.services.values() if service.status == "ACTIVE"}
    return [arn for arn in arns if arn in active]


def resp_update_cluster_settings(self: Any) -> Any:
    """UpdateClusterSettings (missing in moto): the given settings replace those of the same name."""
    from moto.core.responses import ActionResult

    clusters, _failures = self.ecs_backend.describe_clusters(cluster_names=[self._get_param("cluster")])
    if not clusters:
        from moto.ecs.exceptions import ClusterNotFoundException

        raise ClusterNotFoundException
    given = {item["name"]: item["value"] for item in self._get_param("settings") or []}
    kept = [item for item in (clusters[0].settings or []) if item["name"] not in given]
    merged = kept + [{"name": name, "value": value} for name, value in given.items()]
    updated = self.ecs_backend.update_cluster(cluster_name=clusters[0].name, cluster_settings=merged, configuration=None, service_connect_defaults=None)
    return ActionResult({"cluster": updated})


def backend_iter_tagged_resources(self: Any) -> Any:
    """GetResources lists deleted clusters and services too; AWS does not list deleted resources."""
    inactive = {c.arn for c in self.clusters.values() if getattr(c, "status", "ACTIVE") == "INACTIVE"}
    inactive |= {s.physical_resource_id for s in self.services.values() if getattr(s, "status", "ACTIVE") == "INACTIVE"}
    for resource in backend_iter_tagged_resources.original(self):
        if resource.arn not in inactive:
            yield resource


def apply() -> None:
    patch(ecs_models.Cluster, "__init__", cluster_init)
    patch(ecs_models.Service, "__init__", service_init)
    patch(ecs_models.Service, "_validate_network", validate_network)
    patch(ecs_responses.EC2ContainerServiceResponse, "create_service", resp_create_service)
    patch(ecs_models.EC2ContainerServiceBackend, "update_service", backend_update_service)
    patch(ecs_models.EC2ContainerServiceBackend, "list_services", backend_list_services)
    patch(ecs_responses.EC2ContainerServiceResponse, "update_cluster_settings", resp_update_cluster_settings)
    patch(ecs_models.EC2ContainerServiceBackend, "iter_tagged_resources", backend_iter_tagged_resources)
