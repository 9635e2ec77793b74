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

Reference: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/
"""

from __future__ import annotations

from typing import Any

from moto.core.utils import utcnow
from moto.ec2.exceptions import InvalidSecurityGroupNotFoundError, InvalidSubnetIdError
from moto.ec2.models import ec2_backends
from moto.ecs import models as ecs_models
from moto.ecs import responses as ecs_responses
from moto.ecs.exceptions import InvalidParameterException

from . import patch

# CreateService's deploymentConfiguration defaults (REPLICA services, ECS controller).
DEFAULT_DEPLOYMENT_CONFIGURATION = {
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
}


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
    self.deployment_configuration = {
        key: (dict(value) if isinstance(value, dict) else value)
        for key, value in DEFAULT_DEPLOYMENT_CONFIGURATION.items()
    }
    if self.launch_type == "FARGATE" and not self.platform_version:
        self.platform_version = "LATEST"


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


def apply() -> None:
    patch(ecs_models.Cluster, "__init__", cluster_init)
    patch(ecs_models.Service, "__init__", service_init)
    patch(ecs_models.Service, "_validate_network", validate_network)
    patch(ecs_responses.EC2ContainerServiceResponse, "create_service", resp_create_service)
