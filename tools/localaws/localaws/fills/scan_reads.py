"""Read-side fills (moto 5.2.5): fields that a security scanner (Prowler, `make scan`) reads and moto leaves out
or answers differently from AWS. Kept apart from the service fills so it only touches what describes report.

- ElastiCache: a replication group (and its member clusters) created without ``AutoMinorVersionUpgrade``
  reports none; AWS opts Redis OSS 6.0+ / Valkey 7.2+ in by default and reports ``true``.
- RDS: an Aurora instance reports no ``DBSubnetGroup`` (so no VPC), no ``EnabledCloudwatchLogsExports`` and
  ``IAMDatabaseAuthenticationEnabled`` false; AWS reports the cluster's subnet group (with its ``VpcId``), the
  cluster's log exports and the cluster's IAM database authentication on each instance.
- RDS: DescribeDBEngineVersions and DescribeCertificates are not implemented (HTTP 500); instances report the
  CA ``rds-ca-default``, which is no AWS CA (AWS's default is ``rds-ca-rsa2048-g1``).
- Secrets Manager: the master secret RDS manages (``ManageMasterUserPassword``) reports no rotation; AWS
  rotates it every 7 days (``RotationEnabled`` true, ``RotationRules``, ``LastRotatedDate``, ``NextRotationDate``).
- Secrets Manager: ``LastAccessedDate`` is never reported; AWS reports the day a secret was last retrieved
  (GetSecretValue, also by ECS when a task starts with the secret in its task definition's ``secrets``).
- EC2: moto creates no network interface for an Aurora instance or an ElastiCache node; AWS has one per
  instance/node in a subnet of its subnet group, with the instance's/node's security groups, RequesterManaged
  true. DescribeNetworkInterfaces reports them (computed on each call, never stored: no other operation sees them).

Reference: ElastiCache CreateReplicationGroup, RDS DescribeDBInstances / DescribeDBEngineVersions /
DescribeCertificates, "Password management with Amazon RDS and AWS Secrets Manager" (rotation every 7 days).
"""

from __future__ import annotations

import datetime
import fnmatch
import hashlib
import ipaddress
import time
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.exceptions import InvalidSubnetIdError
from moto.ec2.responses import elastic_network_interfaces as eni_responses
from moto.ecs import models as ecs_models
from moto.elasticache import models as elasticache_models
from moto.rds import models as rds_models
from moto.rds import responses as rds_responses
from moto.rds.exceptions import RDSClientError
from moto.secretsmanager import models as secrets_models

from . import patch

RDS_RESPONSE = rds_responses.RDSResponse
MANAGED_SECRET_ROTATION_DAYS = 7
DEFAULT_CA = "rds-ca-rsa2048-g1"
# The RDS CAs (AWS's "Certificate authorities" table): identifier -> (valid from, valid till).
CERTIFICATES = {
    "rds-ca-rsa2048-g1": ("2021-05-25", "2061-05-25"),
    "rds-ca-rsa4096-g1": ("2021-05-25", "2121-05-25"),
    "rds-ca-ecc384-g1": ("2021-05-25", "2121-05-25"),
}
# Engine versions this fill knows (aurora-postgresql: the minor versions RDS offers for 13-17; the list is not
# exhaustive, a version outside it reads as deprecated). DescribeDBEngineVersions lists them.
ENGINE_VERSIONS = {
    "aurora-postgresql": (
        "13.12", "13.13", "13.14", "13.15", "13.16", "13.18", "13.20",
        "14.9", "14.10", "14.11", "14.12", "14.13", "14.15", "14.17",
        "15.4", "15.5", "15.6", "15.7", "15.8", "15.10", "15.12",
        "16.1", "16.2", "16.3", "16.4", "16.6", "16.8",
        "17.4", "17.5",
    ),
    "postgres": ("13.20", "14.17", "15.12", "16.8", "17.4", "17.5"),
}
LOG_EXPORTS = {"aurora-postgresql": ["instance", "postgresql", "iam-db-auth-error"], "postgres": ["postgresql", "upgrade"]}


class CertificateNotFoundFault(RDSClientError):
    def __init__(self, identifier: str):
        super().__init__("CertificateNotFound", f"Certificate {identifier} not found.")


# ---------------------------------------------------------------------------------------------------------
# ElastiCache


def _minor_upgrades_by_default(engine: str | None, version: str | None) -> bool:
    """AWS opts Redis OSS 6.0+ and Valkey 7.2+ into auto minor version upgrades; older engines cannot."""
    try:
        major, minor = (int(part) for part in (str(version or "7.1").split(".") + ["0"])[:2])
    except ValueError:
        return True
    if (engine or "redis") == "valkey":
        return (major, minor) >= (7, 2)
    return major >= 6


def _with_minor_upgrade_default(init):
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        if getattr(self, "auto_minor_version_upgrade", None) is None:
            self.auto_minor_version_upgrade = _minor_upgrades_by_default(self.engine, self.engine_version)

    return __init__


# ---------------------------------------------------------------------------------------------------------
# RDS: Aurora instances report their cluster's subnet group and log exports


def _instance_subnet_group(self: Any) -> Any:
    own = self.__dict__.get("_fill_db_subnet_group")
    if own is not None:
        return own
    name = getattr(self.cluster, "db_subnet_group_name", None)
    return self.backend.subnet_groups.get(name) if name else None


def _set_instance_subnet_group(self: Any, value: Any) -> None:
    self.__dict__["_fill_db_subnet_group"] = value


def _instance_log_exports(self: Any) -> list:
    return list(getattr(self.cluster, "enabled_cloudwatch_logs_exports", None) or [])


def _instance_iam_auth(self: Any) -> bool:
    return bool(getattr(self.cluster, "iam_auth", False))


def _ignore_instance_iam_auth(self: Any, value: Any) -> None:
    """An Aurora instance's IAM database authentication is the cluster's (ModifyDBCluster sets it)."""


def _ignore_instance_log_exports(self: Any, value: Any) -> None:
    """An Aurora instance's log exports are the cluster's (ModifyDBCluster sets them)."""


def _with_real_default_ca(init):
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        if self.ca_certificate_identifier in (None, "rds-ca-default"):
            self.ca_certificate_identifier = DEFAULT_CA

    return __init__


# ---------------------------------------------------------------------------------------------------------
# RDS: DescribeDBEngineVersions, DescribeCertificates


def _engine_version(engine: str, version: str) -> dict:
    major = version.split(".")[0]
    family = f"{engine}{major}"
    return {
        "Engine": engine,
        "EngineVersion": version,
        "MajorEngineVersion": major,
        "DBParameterGroupFamily": family,
        "DBEngineDescription": "Aurora (PostgreSQL)" if engine.startswith("aurora") else "PostgreSQL",
        "DBEngineVersionDescription": f"{'Aurora PostgreSQL' if engine.startswith('aurora') else 'PostgreSQL'} "
                                      f"(Compatible with PostgreSQL {version})",
        "ExportableLogTypes": LOG_EXPORTS[engine],
        "SupportsLogExportsToCloudwatchLogs": True,
        "SupportsReadReplica": True,
        "SupportedEngineModes": ["provisioned"],
        "Status": "available",
        "SupportedCACertificateIdentifiers": sorted(CERTIFICATES),
        "SupportsCertificateRotationWithoutRestart": True,
        "ValidUpgradeTarget": [],
    }


def describe_db_engine_versions(self: Any) -> ActionResult:
    engine = self._get_param("Engine")
    version = self._get_param("EngineVersion")
    family = self._get_param("DBParameterGroupFamily")
    default_only = str(self._get_param("DefaultOnly", "false")).lower() == "true"
    answers = []
    for name, versions in ENGINE_VERSIONS.items():
        if engine and engine != name:
            continue
        chosen = [v for v in versions if not version or v == version or v.startswith(version + ".")]
        if default_only and chosen:
            chosen = chosen[-1:]
        answers += [_engine_version(name, v) for v in chosen]
    if family:
        answers = [answer for answer in answers if answer["DBParameterGroupFamily"] == family]
    return ActionResult({"DBEngineVersions": answers})


def describe_certificates(self: Any) -> ActionResult:
    wanted = self._get_param("CertificateIdentifier")
    if wanted and wanted not in CERTIFICATES:
        raise CertificateNotFoundFault(wanted)
    certificates = []
    for identifier, (valid_from, valid_till) in sorted(CERTIFICATES.items()):
        if wanted and identifier != wanted:
            continue
        certificates.append({
            "CertificateIdentifier": identifier,
            "CertificateType": "CA",
            "Thumbprint": hashlib.sha1(identifier.encode()).hexdigest(),
            "ValidFrom": datetime.datetime.fromisoformat(valid_from).replace(tzinfo=datetime.timezone.utc),
            "ValidTill": datetime.datetime.fromisoformat(valid_till).replace(tzinfo=datetime.timezone.utc),
            "CertificateArn": f"arn:aws:rds:{self.region}:{self.current_account}:cert:{identifier}",
            "CustomerOverride": False,
        })
    return ActionResult({"DefaultCertificateForNewLaunches": DEFAULT_CA, "Certificates": certificates})


# ---------------------------------------------------------------------------------------------------------
# Secrets Manager: the RDS-managed master secret rotates every 7 days


def _with_managed_rotation(create_secret):
    def _create_secret(self: Any, kms_key_id: str | None) -> Any:
        secret = create_secret(self, kms_key_id)
        now = int(time.time())
        secret.rotation_requested = True
        secret.rotation_enabled = True
        secret.auto_rotate_after_days = MANAGED_SECRET_ROTATION_DAYS
        secret.last_rotation_date = now
        secret.next_rotation_date = now + MANAGED_SECRET_ROTATION_DAYS * 86400
        return secret

    return _create_secret


# ---------------------------------------------------------------------------------------------------------
# Secrets Manager: LastAccessedDate (the day of the last retrieval)


def _today() -> float:
    """AWS reports the access date truncated to the day (UTC midnight)."""
    return float(datetime.datetime.now(datetime.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0).timestamp())


def _with_access_recorded(get_secret_value):
    def wrapper(self: Any, secret_id: str, *args: Any, **kwargs: Any) -> Any:
        answer = get_secret_value(self, secret_id, *args, **kwargs)
        self.secrets[secret_id]._fill_last_accessed = _today()
        return answer

    return wrapper


def _with_last_accessed(to_dict):
    def wrapper(self: Any) -> dict:
        answer = to_dict(self)
        accessed = getattr(self, "_fill_last_accessed", None)
        if accessed is not None:
            answer["LastAccessedDate"] = accessed
        else:
            answer.pop("LastAccessedDate", None)
        return answer

    return wrapper


def _secret_arn(value_from: str) -> str | None:
    """valueFrom: the secret's ARN, optionally followed by :json-key:version-stage:version-id."""
    parts = value_from.split(":")
    if len(parts) < 7 or parts[2] != "secretsmanager":
        return None
    return ":".join(parts[:7])


def _tasks_read_their_secrets(backend: Any, service: Any) -> None:
    """ECS retrieves a task definition's secrets when a task starts (the service's tasks start at once here)."""
    if not getattr(service, "desired_count", 0) or not getattr(service, "task_definition", None):
        return
    task_definition = backend.describe_task_definition(service.task_definition)
    secrets = secrets_models.secretsmanager_backends[backend.account_id][backend.region_name]
    for container in task_definition.container_definitions:
        for entry in container.get("secrets") or []:
            arn = _secret_arn(entry.get("valueFrom", ""))
            for secret in list(secrets.secrets.values()):
                if arn and getattr(secret, "arn", None) == arn:
                    secret._fill_last_accessed = _today()


def _with_secrets_read(operation):
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        service = operation(self, *args, **kwargs)
        _tasks_read_their_secrets(self, service)
        return service

    return wrapper


# ---------------------------------------------------------------------------------------------------------
# EC2: the network interfaces AWS manages for Aurora instances and ElastiCache nodes


def _managed_eni_id(owner: str) -> str:
    return "eni-" + hashlib.sha1(owner.encode()).hexdigest()[:17]


def _address_in(cidr: str, owner: str) -> str:
    """A stable host address inside the subnet (AWS keeps the first four and the last one)."""
    network = ipaddress.ip_network(cidr, strict=False)
    span = max(network.num_addresses - 5, 1)
    return str(network.network_address + 4 + int(hashlib.sha1(owner.encode()).hexdigest(), 16) % span)


def _managed_eni(ec2: Any, owner: str, subnet_id: str, group_ids: list, description: str, requester: str) -> dict | None:
    try:
        subnet = ec2.get_subnet(subnet_id)
    except InvalidSubnetIdError:
        return None
    groups = [ec2.get_security_group_from_id(group_id) for group_id in group_ids]
    address = _address_in(subnet.cidr_block, owner)
    return {
        "NetworkInterfaceId": _managed_eni_id(owner),
        "SubnetId": subnet.id,
        "VpcId": subnet.vpc_id,
        "AvailabilityZone": subnet.availability_zone,
        "OwnerId": ec2.account_id,
        "RequesterId": requester,
        "RequesterManaged": True,
        "InterfaceType": "interface",
        "Status": "in-use",
        "Description": description,
        "SourceDestCheck": True,
        "MacAddress": "02:" + ":".join(hashlib.sha1(owner.encode()).hexdigest()[i:i + 2] for i in range(0, 10, 2)),
        "PrivateIpAddress": address,
        "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": address}],
        "Groups": [{"GroupId": group.id, "GroupName": group.name} for group in groups if group is not None],
        "Ipv6Addresses": [],
        "TagSet": [],
    }


def _aurora_interfaces(ec2: Any) -> list:
    rds = rds_models.rds_backends[ec2.account_id][ec2.region_name]
    answers = []
    for index, instance in enumerate(sorted(rds.databases.values(), key=lambda db: db.db_instance_identifier)):
        cluster = getattr(instance, "cluster", None)
        group = rds.subnet_groups.get(getattr(cluster, "db_subnet_group_name", None) or "") if cluster else None
        if group is None:
            continue
        subnet_ids = sorted(subnet.id for subnet in getattr(group, "_subnets", []))
        if not subnet_ids:
            continue
        eni = _managed_eni(ec2, instance.arn, subnet_ids[index % len(subnet_ids)], list(cluster.vpc_security_group_ids),
                           "RDSNetworkInterface", "amazon-rds")
        answers += [eni] if eni else []
    return answers


def _cache_interfaces(ec2: Any) -> list:
    cache = elasticache_models.elasticache_backends[ec2.account_id][ec2.region_name]
    answers = []
    for index, cluster in enumerate(sorted(cache.cache_clusters.values(), key=lambda node: node.cache_cluster_id)):
        group = cache.cache_subnet_groups.get(cluster.cache_subnet_group_name or "")
        if group is None or not group.subnet_ids:
            continue
        subnet_ids = sorted(group.subnet_ids)
        eni = _managed_eni(ec2, cluster.arn, subnet_ids[index % len(subnet_ids)], list(cluster.security_group_ids or []),
                           f"ElastiCache {cluster.cache_cluster_id}", "amazon-elasticache")
        answers += [eni] if eni else []
    return answers


# DescribeNetworkInterfaces filters the managed interfaces answer to; any other filter leaves them out.
ENI_FILTERS = {
    "network-interface-id": lambda eni: [eni["NetworkInterfaceId"]],
    "vpc-id": lambda eni: [eni["VpcId"]],
    "subnet-id": lambda eni: [eni["SubnetId"]],
    "availability-zone": lambda eni: [eni["AvailabilityZone"]],
    "group-id": lambda eni: [group["GroupId"] for group in eni["Groups"]],
    "group-name": lambda eni: [group["GroupName"] for group in eni["Groups"]],
    "requester-managed": lambda eni: ["true"],
    "requester-id": lambda eni: [eni["RequesterId"]],
    "interface-type": lambda eni: [eni["InterfaceType"]],
    "status": lambda eni: [eni["Status"]],
    "description": lambda eni: [eni["Description"]],
    "owner-id": lambda eni: [eni["OwnerId"]],
    "private-ip-address": lambda eni: [eni["PrivateIpAddress"]],
    "addresses.private-ip-address": lambda eni: [eni["PrivateIpAddress"]],
}


def _matches(eni: dict, filters: dict) -> bool:
    for name, values in filters.items():
        reader = ENI_FILTERS.get(name)
        if reader is None:
            return False
        if not any(fnmatch.fnmatchcase(str(value), str(wanted)) for value in reader(eni) for wanted in values):
            return False
    return True


def managed_interfaces(ec2: Any) -> list:
    return _aurora_interfaces(ec2) + _cache_interfaces(ec2)


def describe_network_interfaces(self: Any) -> ActionResult:
    eni_ids = self._get_param("NetworkInterfaceIds", [])
    filters = self._filters_from_querystring()
    self.error_on_dryrun()
    managed = {eni["NetworkInterfaceId"]: eni for eni in managed_interfaces(self.ec2_backend)}
    own_ids = [eni_id for eni_id in eni_ids if eni_id not in managed]
    if eni_ids and not own_ids:
        enis = []
    else:
        enis = self.ec2_backend.get_all_network_interfaces(own_ids, filters)
    wanted = [eni for eni_id, eni in managed.items() if not eni_ids or eni_id in eni_ids]
    enis = list(enis) + [eni for eni in wanted if _matches(eni, filters)]
    return ActionResult({"NetworkInterfaces": enis})


def apply() -> None:
    for model in (elasticache_models.ReplicationGroup, elasticache_models.CacheCluster):
        patch(model, "__init__", _with_minor_upgrade_default(model.__dict__["__init__"]))
    clustered = rds_models.DBInstanceClustered
    patch(clustered, "db_subnet_group", property(_instance_subnet_group, _set_instance_subnet_group))
    patch(clustered, "enabled_cloudwatch_logs_exports", property(_instance_log_exports, _ignore_instance_log_exports))
    patch(clustered, "iam_database_authentication_enabled", property(_instance_iam_auth, _ignore_instance_iam_auth))
    patch(rds_models.DBInstance, "__init__", _with_real_default_ca(rds_models.DBInstance.__dict__["__init__"]))
    patch(RDS_RESPONSE, "describe_db_engine_versions", describe_db_engine_versions)
    patch(RDS_RESPONSE, "describe_certificates", describe_certificates)
    patch(rds_models.MasterUserSecret, "_create_secret", _with_managed_rotation(rds_models.MasterUserSecret.__dict__["_create_secret"]))
    backend = secrets_models.SecretsManagerBackend
    patch(backend, "get_secret_value", _with_access_recorded(backend.__dict__["get_secret_value"]))
    patch(secrets_models.FakeSecret, "to_dict", _with_last_accessed(secrets_models.FakeSecret.__dict__["to_dict"]))
    patch(eni_responses.ElasticNetworkInterfaces, "describe_network_interfaces", describe_network_interfaces)
    ecs = ecs_models.EC2ContainerServiceBackend
    for operation in ("create_service", "update_service"):
        patch(ecs, operation, _with_secrets_read(getattr(ecs, operation)))
