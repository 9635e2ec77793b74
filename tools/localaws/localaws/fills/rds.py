"""RDS fills (moto 5.2.5), for Aurora Serverless v2 clusters.

- EnableHttpEndpoint / DisableHttpEndpoint (the Data API switch of Serverless v2 and provisioned
  clusters) are not implemented (HTTP 500); CreateDBCluster ignores ``EnableHttpEndpoint`` for
  them (moto only honours it for a few Serverless v1 versions).
- ModifyDBCluster ignores ``EnableIAMDatabaseAuthentication`` (the cluster keeps reporting the value it was
  created with).
- ModifyDBCluster ignores ``CloudwatchLogsExportConfiguration`` and accepts a Serverless v2
  scaling configuration whose minimum exceeds its maximum.
- ModifyDBSubnetGroup drops the group from the backend (it is popped and never put back).
- DeleteDBSubnetGroup deletes a group that a cluster or an instance still uses.
- DeleteDBCluster ignores ``SkipFinalSnapshot``: neither a skip nor a snapshot identifier, or both,
  is accepted; any ``FinalDBSnapshotIdentifier`` is accepted (``1abc``, ``a_b``, 300 characters).
- An aurora-postgresql cluster reports the parameter group ``default.aurora8.0`` (a MySQL one).

Reference: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/ (EnableHttpEndpoint,
ModifyDBCluster, ServerlessV2ScalingConfiguration, DeleteDBSubnetGroup, DeleteDBCluster).
"""

from __future__ import annotations

import re
from typing import Any

from moto.core.responses import ActionResult
from moto.rds import models as rds_models
from moto.rds import responses as rds_responses
from moto.rds.exceptions import DBSubnetGroupNotFoundError, InvalidParameterCombination, InvalidParameterValue, RDSClientError

from ..model import MODEL, timed_attribute
from . import patch

Backend = rds_models.RDSBackend
Response = rds_responses.RDSResponse

# CloudwatchLogsExportConfiguration: "Aurora PostgreSQL - instance | postgresql | iam-db-auth-error".
LOG_TYPES = {
    "aurora-postgresql": {"instance", "postgresql", "iam-db-auth-error"},
    "aurora-mysql": {"audit", "error", "general", "instance", "slowquery", "iam-db-auth-error"},
}
DATA_API_ENGINES = ("aurora-postgresql", "aurora-mysql")
ACU_MAX = 256.0
# DeleteDBCluster FinalDBSnapshotIdentifier: "Must be 1 to 255 letters, numbers, or hyphens. First character must be
# a letter. Can't end with a hyphen or contain two consecutive hyphens."
SNAPSHOT_IDENTIFIER = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,254}(?<!-)\Z")


class ResourceNotFoundFault(RDSClientError):
    def __init__(self, message: str):
        super().__init__("ResourceNotFoundFault", message)


class InvalidDBSubnetGroupStateFault(RDSClientError):
    def __init__(self, message: str):
        super().__init__("InvalidDBSubnetGroupStateFault", message)


def _get(mapping: Any, name: str) -> Any:
    """A request field from moto's parsed parameters (snake_case keys, CamelCase accepted too)."""
    if mapping is None:
        return None
    return mapping.get(name)


def _check_scaling(config: Any) -> None:
    """ServerlessV2ScalingConfiguration: half-ACU steps, min 0..256, max 1..256, min <= max (our messages)."""
    if config is None:
        return
    low, high = _get(config, "MinCapacity"), _get(config, "MaxCapacity")
    for name, value, lowest in (("MinCapacity", low, 0.0), ("MaxCapacity", high, 1.0)):
        if value is None:
            continue
        value = float(value)
        if not lowest <= value <= ACU_MAX or value * 2 != int(value * 2):
            raise InvalidParameterValue(
                f"Serverless v2 {name} {value} isn't valid: use {lowest:g} to {ACU_MAX:g} ACUs in steps of 0.5."
            )
    if low is not None and high is not None and float(low) > float(high):
        raise InvalidParameterValue(
            f"Serverless v2 minimum capacity {float(low)} can't be greater than the maximum capacity {float(high)}."
        )


def _check_log_types(engine: str, log_types: list[str]) -> None:
    allowed = LOG_TYPES.get(engine)
    bad = sorted(set(log_types) - allowed) if allowed is not None else []
    if bad:
        raise InvalidParameterValue(
            f"You cannot use the log types {', '.join(repr(t) for t in bad)} with engine {engine}; "
            f"valid types: {', '.join(sorted(allowed))}."
        )


def create_db_cluster(self: Backend, kwargs: dict[str, Any]) -> Any:
    _check_scaling(_get(kwargs, "serverless_v2_scaling_configuration"))
    cluster = create_db_cluster.original(self, kwargs)
    engine_mode = getattr(cluster, "engine_mode", "provisioned")
    if _get(kwargs, "enable_http_endpoint") and cluster.engine in DATA_API_ENGINES and engine_mode == "provisioned":
        cluster._enable_http_endpoint = True
    if cluster.engine == "aurora-postgresql" and not _get(kwargs, "db_cluster_parameter_group_name"):
        major = str(cluster.engine_version or "").split(".")[0]
        if major.isdigit():
            cluster.parameter_group = f"default.aurora-postgresql{major}"
    return cluster


def modify_db_cluster(self: Backend, kwargs: dict[str, Any]) -> Any:
    cluster_id = _get(kwargs, "db_cluster_identifier")
    cluster = self.clusters.get(cluster_id)
    logs = _get(kwargs, "cloudwatch_logs_export_configuration")
    scaling = _get(kwargs, "serverless_v2_scaling_configuration")
    if cluster is not None:
        if scaling is not None:
            current = cluster.serverless_v2_scaling_configuration or {}
            _check_scaling(
                {
                    "MinCapacity": _get(scaling, "MinCapacity") if _get(scaling, "MinCapacity") is not None else _get(current, "MinCapacity"),
                    "MaxCapacity": _get(scaling, "MaxCapacity") if _get(scaling, "MaxCapacity") is not None else _get(current, "MaxCapacity"),
                }
            )
        if logs is not None:
            _check_log_types(cluster.engine, list(_get(logs, "EnableLogTypes") or []) + list(_get(logs, "DisableLogTypes") or []))
    result = modify_db_cluster.original(self, kwargs)
    if cluster is not None and logs is not None:
        exports = [t for t in cluster.enabled_cloudwatch_logs_exports if t not in (_get(logs, "DisableLogTypes") or [])]
        exports += [t for t in (_get(logs, "EnableLogTypes") or []) if t not in exports]
        cluster.enabled_cloudwatch_logs_exports = exports
        result.enabled_cloudwatch_logs_exports = list(exports)
    iam_auth = _get(kwargs, "enable_iam_database_authentication")
    if cluster is not None and iam_auth is not None:
        # DescribeDBClusters reads IAMDatabaseAuthenticationEnabled from iam_auth, which moto sets only at creation.
        cluster.iam_auth = result.iam_auth = bool(iam_auth)
    return result


def modify_db_subnet_group(self: Backend, subnet_name: str, description: str, subnets: list[Any]) -> Any:
    subnet_group = self.subnet_groups.get(subnet_name)
    if subnet_group is None:
        raise DBSubnetGroupNotFoundError(subnet_name)
    if subnets:
        subnet_group.subnets = subnets
    if description is not None:
        subnet_group.description = description
    return subnet_group


def delete_subnet_group(self: Backend, subnet_name: str) -> Any:
    users = [c for c in self.clusters.values() if getattr(c, "db_subnet_group_name", None) == subnet_name]
    users += [d for d in self.databases.values() if getattr(d, "_db_subnet_group_name", None) == subnet_name]
    if subnet_name in self.subnet_groups and users:
        raise InvalidDBSubnetGroupStateFault(f"Cannot delete the subnet group '{subnet_name}' because it is in use.")
    return delete_subnet_group.original(self, subnet_name)


def delete_db_cluster(self: Response) -> Any:
    skip = str(self._get_param("SkipFinalSnapshot", "false")).lower() == "true"
    snapshot = self._get_param("FinalDBSnapshotIdentifier")
    if skip and snapshot:
        raise InvalidParameterCombination("FinalDBSnapshotIdentifier can't be specified when SkipFinalSnapshot is enabled.")
    if not skip and not snapshot:
        raise InvalidParameterCombination("FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.")
    if snapshot and not SNAPSHOT_IDENTIFIER.match(snapshot):
        raise InvalidParameterValue(
            "The parameter FinalDBSnapshotIdentifier is not a valid identifier. Identifiers must begin with a letter; "
            "must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two "
            "consecutive hyphens."
        )
    cluster_id = self._get_param("DBClusterIdentifier")
    response = delete_db_cluster.original(self)
    # AWS removes the cluster's automated backups with it unless DeleteAutomatedBackups is false; moto kept them.
    if str(self._get_param("DeleteAutomatedBackups", "true")).lower() != "false":
        snapshots = self.backend.cluster_snapshots
        for name in [n for n, snap in snapshots.items() if snap.snapshot_type == "automated" and snap.cluster.db_cluster_identifier == cluster_id]:
            del snapshots[name]
    return response


def _cluster_by_arn(backend: Backend, arn: str) -> Any:
    for cluster in backend.clusters.values():
        if cluster.db_cluster_arn == arn:
            return cluster
    raise ResourceNotFoundFault(f"DB cluster {arn} not found.")


def _set_http_endpoint(self: Response, enabled: bool) -> ActionResult:
    arn = self._get_param("ResourceArn")
    cluster = _cluster_by_arn(self.backend, arn)
    cluster._enable_http_endpoint = enabled
    return ActionResult({"ResourceArn": arn, "HttpEndpointEnabled": enabled})


def enable_http_endpoint(self: Response) -> ActionResult:
    return _set_http_endpoint(self, True)


def disable_http_endpoint(self: Response) -> ActionResult:
    return _set_http_endpoint(self, False)


def apply() -> None:
    patch(Backend, "create_db_cluster", create_db_cluster)
    patch(Backend, "modify_db_cluster", modify_db_cluster)
    patch(Backend, "modify_db_subnet_group", modify_db_subnet_group)
    patch(Backend, "delete_subnet_group", delete_subnet_group)
    patch(Response, "delete_db_cluster", delete_db_cluster)
    patch(Response, "enable_http_endpoint", enable_http_endpoint)
    patch(Response, "disable_http_endpoint", disable_http_endpoint)
    apply_latency_model()


# --------------------------------------------------------------------------- latency model
# A DB instance is "creating" after CreateDBInstance, then "available" (DescribeDBInstances, DBInstanceStatus). A
# cluster is "modifying" after a ModifyDBCluster ("The DB cluster is being modified because of a customer request",
# RDS user guide, DB cluster status); while it is, AWS refuses another ModifyDBCluster with
# InvalidDBClusterStateFault ("The requested operation can't be performed while the cluster is in this state",
# botocore model).
#
# Deletion (Aurora user guide, "Deleting Aurora DB clusters and DB instances"): DeleteDBInstance answers with the
# instance "deleting"; it stays a member of its cluster (DescribeDBClusters DBClusterMembers, DescribeDBInstances) until
# it is gone. DeleteDBCluster is refused with InvalidDBClusterStateFault "Cluster cannot be deleted, it still contains
# DB instances in non-deleting state" while a member is not "deleting" (moto's own refusal), and accepted "as soon as
# the DB instance goes into deleting state" (the guide's CLI example deletes the cluster right after its instances);
# the cluster is then "deleting" (a DB cluster status of the user guide) until its last instance is gone, and goes
# with it. A cluster or instance being deleted still holds its DB subnet group (DeleteDBSubnetGroup above).


class InvalidDBClusterStateFault(RDSClientError):
    def __init__(self, message: str):
        super().__init__("InvalidDBClusterStateFault", message)


def create_db_instance_in_time(self: Backend, db_kwargs: dict[str, Any]) -> Any:
    instance = create_db_instance_in_time.original(self, db_kwargs)
    MODEL.start(instance, "status", [("creating", "db_instance.creating")], final="available")
    return instance


def modify_db_cluster_in_time(self: Backend, kwargs: dict[str, Any]) -> Any:
    cluster = self.clusters.get(_get(kwargs, "db_cluster_identifier"))
    if cluster is not None and MODEL.busy(cluster, "status") == "modifying":
        raise InvalidDBClusterStateFault(f"DB cluster {cluster.db_cluster_identifier} is modifying; retry when it is available.")
    result = modify_db_cluster_in_time.original(self, kwargs)  # moto answers with a copy of the cluster
    if MODEL.enabled:  # off: moto's own status, untouched
        for modified in (result, self.clusters.get(result.db_cluster_identifier)):
            if modified is not None:
                MODEL.start(modified, "status", [("modifying", "db_cluster.modifying")], final="available")
    return result


class InvalidDBInstanceStateFault(RDSClientError):
    def __init__(self, message: str):
        super().__init__("InvalidDBInstanceState", message)


def delete_db_instance_in_time(self: Backend, db_instance_identifier: str, *args: Any, **kwargs: Any) -> Any:
    if not MODEL.enabled:
        return delete_db_instance_in_time.original(self, db_instance_identifier, *args, **kwargs)
    current = self.databases.get(db_instance_identifier)
    if current is not None and MODEL.busy(current, "status") == "deleting":
        # DeleteDBInstance errors: InvalidDBInstanceStateFault, "The DB instance isn't in a valid state" (botocore model).
        raise InvalidDBInstanceStateFault(f"Instance {db_instance_identifier} is already being deleted.")
    # moto checks the request, takes what goes with the instance and removes it at once; the instance is kept, in
    # "deleting", until the model's deletion time has passed.
    instance = delete_db_instance_in_time.original(self, db_instance_identifier, *args, **kwargs)
    self.databases[db_instance_identifier] = instance
    MODEL.start(instance, "status", [("deleting", "db_instance.deleting")],
                on_done=lambda: self.databases.pop(db_instance_identifier, None) if self.databases.get(db_instance_identifier) is instance else None)
    return instance


def delete_db_cluster_in_time(self: Backend, cluster_identifier: str, snapshot_name: Any = None) -> Any:
    cluster = self.clusters.get(cluster_identifier)
    if not MODEL.enabled or cluster is None:
        return delete_db_cluster_in_time.original(self, cluster_identifier, snapshot_name)
    if MODEL.busy(cluster, "status") == "deleting":
        raise InvalidDBClusterStateFault(f"DB cluster {cluster_identifier} is already being deleted.")
    members = list(cluster._members)
    deleting = [m for m in members if MODEL.busy(m, "status") == "deleting"]
    if len(deleting) < len(members):
        return delete_db_cluster_in_time.original(self, cluster_identifier, snapshot_name)  # moto refuses: members
    # Every member is deleting: let moto check and delete the cluster as if they were gone (protection, final
    # snapshot, master secret), then keep it, "deleting", until its last instance has gone.
    held = {m.db_instance_identifier: self.databases.pop(m.db_instance_identifier) for m in deleting}
    try:
        result = delete_db_cluster_in_time.original(self, cluster_identifier, snapshot_name)
    finally:
        self.databases.update(held)
    self.clusters[cluster_identifier] = cluster
    remaining = max((MODEL.remaining(m, "status") for m in deleting), default=0.0)
    MODEL.start(cluster, "status", [("deleting", "db_cluster.deleting")], at_least=remaining,
                on_done=lambda: self.clusters.pop(cluster_identifier, None) if self.clusters.get(cluster_identifier) is cluster else None)
    return result


def apply_latency_model() -> None:
    timed_attribute(rds_models.DBInstance, "status")
    timed_attribute(rds_models.DBCluster, "status")
    patch(Backend, "create_db_instance", create_db_instance_in_time, layer="latency")
    patch(Backend, "modify_db_cluster", modify_db_cluster_in_time, layer="latency")
    patch(Backend, "delete_db_instance", delete_db_instance_in_time, layer="latency")
    patch(Backend, "delete_db_cluster", delete_db_cluster_in_time, layer="latency")
