"""ElastiCache fills (moto 5.2.5).

- DeleteCacheSubnetGroup is not implemented (HTTP 500).
- CreateReplicationGroup ignores NumCacheClusters (always one member), does not
  create the member cache clusters, and accepts combinations AWS rejects.
- DeleteReplicationGroup leaves the group in ``deleting`` forever and ignores
  FinalSnapshotIdentifier.
- ModifyReplicationGroup ignores SnapshotWindow and most other settings.
- IncreaseReplicaCount / DecreaseReplicaCount are not implemented (HTTP 500).
- ModifyCacheSubnetGroup is not implemented (HTTP 500).
- DescribeSnapshots with the ReplicationGroupId of a deleted group answers
  ReplicationGroupNotFoundFault (not among the operation's errors) instead of
  listing the group's snapshots, so a final snapshot cannot be found by its group.
- ModifyReplicationGroup accepts any AuthTokenUpdateStrategy (SET without a ROTATE before it, DELETE
  without a move to RBAC, a strategy without a token) and never updates AuthTokenLastModifiedDate.
- Replication groups lack the ReaderEndpoint; member clusters lack the
  CacheParameterGroup and always say Engine "redis".

References: https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.elasticache import models as ec_models
from moto.elasticache import responses as ec_responses
from moto.elasticache.exceptions import (
    CacheSubnetGroupNotFound,
    ElastiCacheException,
    InvalidParameterCombinationException,
    InvalidParameterValueException,
    InvalidSubnet,
    ReplicationGroupNotFound,
    SnapshotAlreadyExists,
)

from ..model import MODEL, timed_attribute
from . import patch

Backend = ec_models.ElastiCacheBackend
Response = ec_responses.ElastiCacheResponse

MAX_CACHE_CLUSTERS = 6  # NumCacheClusters: "at least 1 and no more than 6"
MAX_REPLICAS = 5  # ReplicasPerNodeGroup / NewReplicaCount: 0..5
DEFAULT_SNAPSHOT_WINDOW = "05:00-06:00"  # moto's default "05:00-6:00" is not hh24:mi-hh24:mi


class CacheSubnetGroupInUse(ElastiCacheException):
    code = "CacheSubnetGroupInUse"


class InvalidReplicationGroupState(ElastiCacheException):
    code = "InvalidReplicationGroupState"


AUTOMATIC_FAILOVER_NEEDS_TWO = (
    "When using automatic failover, there must be at least 2 cache clusters in the replication group."
)


# --------------------------------------------------------------------------- helpers
def _region_azs(backend: Backend) -> list[str]:
    return [f"{backend.region_name}{suffix}" for suffix in "abc"]


def _subnet_group_azs(backend: Backend, name: str | None) -> list[str]:
    """AZs of the subnet group's subnets, in order, without duplicates."""
    group = backend.cache_subnet_groups.get(name or "")
    azs: list[str] = []
    for subnet in getattr(group, "subnets", []) or []:
        az = subnet.get("subnet_availability_zone")
        if isinstance(az, str) and az not in azs:
            azs.append(az)
    return azs


def _domain(rg: Any) -> str:
    address = rg.node_groups[0].get("primary_endpoint_address", "")
    return address[len("master.") :] if address.startswith("master.") else address


def _layout_disabled_mode(backend: Backend, rg: Any, count: int, azs: list[str]) -> None:
    """Lay out ``count`` member clusters <rg>-001.. (one primary, the rest replicas)
    over ``azs`` (PreferredCacheClusterAZs), else over the subnet group's AZs."""
    spread = azs or _subnet_group_azs(backend, rg.cache_subnet_group_name) or _region_azs(backend)
    node_group = rg.node_groups[0]
    domain = _domain(rg)
    members = []
    for index in range(count):
        cluster_id = f"{rg.replication_group_id}-{index + 1:03d}"
        members.append(
            {
                "cache_cluster_id": cluster_id,
                "cache_node_id": "0001",
                "read_endpoint": {"address": f"{cluster_id}.{domain}", "port": rg.port},
                "preferred_availability_zone": spread[index % len(spread)],
                "current_role": "primary" if index == 0 else "replica",
            }
        )
    node_group["node_group_members"] = members
    rg.member_clusters[:] = [m["cache_cluster_id"] for m in members]
    _refresh_snapshotting_cluster(rg)


def _refresh_snapshotting_cluster(rg: Any) -> None:
    """Backups are taken from a replica when there is one (as moto does)."""
    rg.snapshotting_cluster_id = None
    if rg.snapshot_retention_limit and rg.member_clusters:
        rg.snapshotting_cluster_id = rg.member_clusters[1 if len(rg.member_clusters) > 1 else 0]


def _resize_disabled_mode(backend: Backend, rg: Any, count: int, to_remove: list[str]) -> None:
    """Remove the named (else the last) replicas, or add replicas continuing the
    AZ spread; the primary and the remaining members keep their ids and AZs."""
    node_group = rg.node_groups[0]
    members = [m for m in node_group["node_group_members"] if m["cache_cluster_id"] not in to_remove]
    members = members[:count]
    spread = _subnet_group_azs(backend, rg.cache_subnet_group_name) or _region_azs(backend)
    domain = _domain(rg)
    used = {m["cache_cluster_id"] for m in members}
    number = 1
    while len(members) < count:
        cluster_id = f"{rg.replication_group_id}-{number:03d}"
        number += 1
        if cluster_id in used:
            continue
        members.append(
            {
                "cache_cluster_id": cluster_id,
                "cache_node_id": "0001",
                "read_endpoint": {"address": f"{cluster_id}.{domain}", "port": rg.port},
                "preferred_availability_zone": spread[len(members) % len(spread)],
                "current_role": "replica",
            }
        )
    node_group["node_group_members"] = members
    rg.member_clusters[:] = [m["cache_cluster_id"] for m in members]
    _refresh_snapshotting_cluster(rg)


def _member_azs(rg: Any) -> dict[str, str]:
    azs = {}
    for group in rg.node_groups:
        for member in group.get("node_group_members", []):
            azs[member["cache_cluster_id"]] = member.get("preferred_availability_zone")
    return azs


def _new_member_cluster(backend: Backend, rg: Any, cluster_id: str, az: str | None) -> Any:
    cluster = ec_models.CacheCluster(
        account_id=backend.account_id,
        region_name=backend.region_name,
        cache_cluster_id=cluster_id,
        cache_node_type=rg.cache_node_type,
        replication_group_id=rg.replication_group_id,
        az_mode="single-az",
        preferred_availability_zone=az,
        num_cache_nodes=1,
        engine=rg.engine,
        engine_version=rg.engine_version,
        cache_parameter_group_name=rg.cache_parameter_group_name,
        cache_subnet_group_name=rg.cache_subnet_group_name,
        transit_encryption_enabled=rg.transit_encryption_enabled,
        network_type=rg.network_type,
        ip_discovery=rg.ip_discovery,
        snapshot_name=None,
        preferred_maintenance_window=rg.preferred_maintenance_window,
        port=rg.port,
        notification_topic_arn=rg.notification_topic_arn,
        auto_minor_version_upgrade=rg.auto_minor_version_upgrade,
        snapshot_retention_limit=rg.snapshot_retention_limit,
        snapshot_window=rg.snapshot_window,
        auth_token=None,
        outpost_mode=None,
        preferred_outpost_arn=None,
        preferred_availability_zones=None,
        cache_security_group_names=None,
        security_group_ids=rg.security_group_ids,
        tags=None,
        snapshot_arns=None,
        preferred_outpost_arns=None,
        log_delivery_configurations=[],
        cache_node_ids_to_remove=None,
        cache_node_ids_to_reboot=None,
    )
    _copy_group_settings(rg, cluster)
    return cluster


def _default_parameter_group(engine: str, version: str | None) -> str:
    """The family default AWS applies when no CacheParameterGroupName is given."""
    major = (version or "").split(".")[0]
    if not major.isdigit():
        return "default.valkey8" if engine == "valkey" else "default.redis7"
    if engine == "redis" and int(major) < 7:
        return f"default.redis{major}.x" if int(major) == 6 else f"default.redis{'.'.join(version.split('.')[:2])}"
    return f"default.{engine}{major}"


def _copy_group_settings(rg: Any, cluster: Any) -> None:
    cluster.engine = rg.engine
    cluster.cache_parameter_group_name = rg.cache_parameter_group_name
    cluster.cache_parameter_group = {
        "CacheParameterGroupName": rg.cache_parameter_group_name,
        "ParameterApplyStatus": "in-sync",
        "CacheNodeIdsToReboot": [],
    }
    cluster.cache_subnet_group_name = rg.cache_subnet_group_name
    cluster.cache_node_type = rg.cache_node_type
    cluster.engine_version = rg.engine_version
    cluster.auth_token_enabled = rg.auth_token_enabled
    cluster.transit_encryption_enabled = rg.transit_encryption_enabled
    cluster.at_rest_encryption_enabled = rg.at_rest_encryption_enabled
    cluster.snapshot_retention_limit = rg.snapshot_retention_limit
    cluster.snapshot_window = rg.snapshot_window
    cluster.preferred_maintenance_window = rg.preferred_maintenance_window
    cluster.security_group_ids = list(rg.security_group_ids or [])
    cluster.security_groups = [
        {"SecurityGroupId": sg, "Status": "active"} for sg in rg.security_group_ids or []
    ]


def _sync_member_clusters(backend: Backend, rg: Any) -> None:
    """Make DescribeCacheClusters agree with the group's MemberClusters."""
    wanted = _member_azs(rg)
    for cluster_id, cluster in list(backend.cache_clusters.items()):
        if getattr(cluster, "replication_group_id", None) == rg.replication_group_id and cluster_id not in wanted:
            del backend.cache_clusters[cluster_id]
    for cluster_id, az in wanted.items():
        cluster = backend.cache_clusters.get(cluster_id)
        if cluster is None:
            backend.cache_clusters[cluster_id] = _new_member_cluster(backend, rg, cluster_id, az)
        else:
            cluster.preferred_availability_zone = az
            _copy_group_settings(rg, cluster)


def _requested_cluster_count(params: dict[str, Any]) -> int:
    if params.get("NumCacheClusters") is not None:
        return int(params["NumCacheClusters"])
    if params.get("ReplicasPerNodeGroup") is not None:
        return int(params["ReplicasPerNodeGroup"]) + 1
    config = params.get("NodeGroupConfiguration") or []
    if config and config[0].get("ReplicaCount") is not None:
        return int(config[0]["ReplicaCount"]) + 1
    return 1


AUTH_TOKEN_SPECIALS = "!&#$^<>-"  # CreateReplicationGroup: "the only permitted printable special characters"


def _validate_auth_token(token: str | None, transit: bool | None, on_create: bool = True) -> None:
    if token is None:
        return
    if not transit:
        raise InvalidParameterValueException(
            "The AUTH token is only supported when encryption-in-transit is enabled"
        )
    # AuthToken: 16-128 printable ASCII characters; on create only letters, digits and
    # !&#$^<>-; on modify none of '/', '"', '@' or '%'.
    if on_create:
        bad = any(not ((c.isascii() and c.isalnum()) or c in AUTH_TOKEN_SPECIALS) for c in token)
    else:
        bad = any(c in token for c in '/"@%') or not (token.isascii() and token.isprintable())
    if not 16 <= len(token) <= 128 or bad:
        raise InvalidParameterValueException("Invalid AuthToken provided.")


# --------------------------------------------------------------------------- backend
def delete_cache_subnet_group(self: Backend, cache_subnet_group_name: str) -> None:
    if cache_subnet_group_name not in self.cache_subnet_groups:
        raise CacheSubnetGroupNotFound(cache_subnet_group_name)
    users = [
        rg.replication_group_id
        for rg in self.replication_groups.values()
        if rg.cache_subnet_group_name == cache_subnet_group_name
    ] + [
        cc.cache_cluster_id
        for cc in self.cache_clusters.values()
        if cc.cache_subnet_group_name == cache_subnet_group_name
    ]
    if users:
        raise CacheSubnetGroupInUse(
            f"Cache subnet group {cache_subnet_group_name} is currently in use by {users[0]}."
        )
    group = self.cache_subnet_groups.pop(cache_subnet_group_name)
    self.tagging_service.delete_all_tags_for_resource(group.arn)


def modify_cache_subnet_group(
    self: Backend, cache_subnet_group_name: str, description: str | None, subnet_ids: list[str] | None
) -> Any:
    group = self.cache_subnet_groups.get(cache_subnet_group_name)
    if group is None:
        raise CacheSubnetGroupNotFound(cache_subnet_group_name)
    if subnet_ids:
        from moto.ec2.models import ec2_backends

        ec2 = ec2_backends[self.account_id][self.region_name]
        for subnet_id in subnet_ids:
            found = [s for s in ec2.describe_subnets() if s.id == subnet_id]
            # every subnet must exist and lie in the group's VPC
            if not found or (group.vpc_id and found[0].vpc_id != group.vpc_id):
                raise InvalidSubnet(subnet_id=subnet_id)
        replacement = ec_models.CacheSubnetGroup(
            account_id=self.account_id,
            region_name=self.region_name,
            cache_subnet_group_name=cache_subnet_group_name,
            cache_subnet_group_description=group.cache_subnet_group_description,
            subnet_ids=list(subnet_ids),
            tags=group.tags,
        )
        group.subnet_ids = replacement.subnet_ids
        group.subnets = replacement.subnets
        group.supported_network_types = replacement.supported_network_types
    if description is not None:
        group.cache_subnet_group_description = description
    return group


def _remove_replication_group(self: Backend, rg: Any, retain_primary: bool) -> None:
    primary = rg.member_clusters[0] if rg.member_clusters else None
    for cluster_id, cluster in list(self.cache_clusters.items()):
        if getattr(cluster, "replication_group_id", None) != rg.replication_group_id:
            continue
        if retain_primary and cluster_id == primary:
            cluster.replication_group_id = None  # survives as a standalone cluster
            continue
        del self.cache_clusters[cluster_id]
    self.replication_groups.pop(rg.replication_group_id, None)
    self.tagging_service.delete_all_tags_for_resource(rg.arn)


def describe_snapshots(self: Backend, replication_group_id: str | None = None, **kwargs: Any) -> list[Any]:
    """Snapshots outlive their replication group: filter by its id even when the group is gone."""
    gone = replication_group_id and replication_group_id not in self.replication_groups
    if gone and not kwargs.get("snapshot_name") and not kwargs.get("cache_cluster_id"):
        given = (kwargs.get("snapshot_source") or "").lower()  # SnapshotSource: "system" or "user"
        source = {"system": "automated", "user": "manual"}.get(given, given)
        return [
            snapshot
            for snapshot in self.snapshots.values()
            if snapshot.replication_group_id == replication_group_id and (not source or snapshot.snapshot_source == source)
        ]
    return describe_snapshots.original(self, replication_group_id=replication_group_id, **kwargs)


# --------------------------------------------------------------------------- responses
def resp_delete_cache_subnet_group(self: Response) -> ActionResult:
    self.elasticache_backend.delete_cache_subnet_group(self._get_param("CacheSubnetGroupName"))
    return EmptyResult()


def resp_modify_cache_subnet_group(self: Response) -> ActionResult:
    group = self.elasticache_backend.modify_cache_subnet_group(
        self._get_param("CacheSubnetGroupName"),
        self._get_param("CacheSubnetGroupDescription"),
        self._get_param("SubnetIds"),
    )
    return ActionResult({"CacheSubnetGroup": group})


def resp_create_replication_group(self: Response) -> ActionResult:
    params = self._get_params()
    backend = self.elasticache_backend
    cluster_mode_enabled = (params.get("ClusterMode") or "").lower() == "enabled" or (
        params.get("NumNodeGroups") is not None and int(params["NumNodeGroups"]) > 1
    )
    failover = self._get_bool_param("AutomaticFailoverEnabled")
    multi_az = self._get_bool_param("MultiAZEnabled")
    count = _requested_cluster_count(params)
    azs = params.get("PreferredCacheClusterAZs") or []
    if params.get("NumCacheClusters") is not None and not 1 <= count <= MAX_CACHE_CLUSTERS:
        raise InvalidParameterValueException(
            f"NumCacheClusters must be between 1 and {MAX_CACHE_CLUSTERS}, got {count}."
        )
    replicas = params.get("ReplicasPerNodeGroup")
    if replicas is not None and not 0 <= int(replicas) <= MAX_REPLICAS:
        raise InvalidParameterValueException(
            f"ReplicasPerNodeGroup must be between 0 and {MAX_REPLICAS}, got {replicas}."
        )
    if failover and not cluster_mode_enabled and count < 2:
        raise InvalidParameterCombinationException(AUTOMATIC_FAILOVER_NEEDS_TWO)
    if multi_az and not failover:
        raise InvalidParameterCombinationException(
            "Multi-AZ requires automatic failover: set AutomaticFailoverEnabled to true."
        )
    if azs and params.get("NumCacheClusters") is not None and len(azs) != count:
        # "The number of Availability Zones listed must equal the value of NumCacheClusters."
        raise InvalidParameterValueException(
            f"The number of PreferredCacheClusterAZs ({len(azs)}) must equal NumCacheClusters ({count})."
        )
    _validate_auth_token(params.get("AuthToken"), self._get_bool_param("TransitEncryptionEnabled"))
    subnet_group = params.get("CacheSubnetGroupName")
    if subnet_group and subnet_group not in backend.cache_subnet_groups:
        raise CacheSubnetGroupNotFound(subnet_group)

    result = resp_create_replication_group.original(self)
    rg = backend.replication_groups[params["ReplicationGroupId"]]
    if not params.get("SnapshotWindow"):
        rg.snapshot_window = DEFAULT_SNAPSHOT_WINDOW
    if not rg.cache_parameter_group_name:
        rg.cache_parameter_group_name = _default_parameter_group(rg.engine, rg.engine_version)
    if rg.cluster_mode != "enabled":
        node_group = rg.node_groups[0]
        node_group["reader_endpoint"] = {"address": node_group["reader_endpoint_address"], "port": rg.port}
        _layout_disabled_mode(backend, rg, count, azs)
    _sync_member_clusters(backend, rg)
    return result


def resp_delete_replication_group(self: Response) -> ActionResult:
    backend = self.elasticache_backend
    rg_id = self._get_param("ReplicationGroupId")
    retain_primary = bool(self._get_bool_param("RetainPrimaryCluster"))
    final_snapshot = self._get_param("FinalSnapshotIdentifier")
    rg = backend.replication_groups.get(rg_id)
    if rg is None:
        raise ReplicationGroupNotFound(rg_id)
    if rg.status != "available":
        raise InvalidReplicationGroupState(f"Replication group {rg_id} is not in available state.")
    if final_snapshot:
        if final_snapshot in backend.snapshots:
            raise SnapshotAlreadyExists(final_snapshot)
        backend.create_snapshot(
            snapshot_name=final_snapshot,
            replication_group_id=rg_id,
            cache_cluster_id=None,
            kms_key_id=rg.kms_key_id,
            tags=None,
        )
    # AWS answers with Status "deleting"; the group then disappears. moto kept it in
    # "deleting" forever, so remove it (and its member clusters) right away.
    rg.status = "deleting"
    MODEL.start(
        rg, "status", [("deleting", "replication_group.deleting")],
        on_done=lambda: _remove_replication_group(backend, rg, retain_primary),
    )
    return ActionResult({"ReplicationGroup": rg})


def resp_modify_replication_group(self: Response) -> ActionResult:
    backend = self.elasticache_backend
    rg_id = self._get_param("ReplicationGroupId")
    rg = backend.replication_groups.get(rg_id)
    if rg is None:
        raise ReplicationGroupNotFound(rg_id)
    failover = self._get_bool_param("AutomaticFailoverEnabled")
    multi_az = self._get_bool_param("MultiAZEnabled")
    failover_after = (rg.automatic_failover == "enabled") if failover is None else failover
    multi_az_after = (rg.multi_az == "enabled") if multi_az is None else multi_az
    if failover_after and rg.cluster_mode != "enabled" and len(rg.member_clusters) < 2:
        raise InvalidParameterCombinationException(AUTOMATIC_FAILOVER_NEEDS_TWO)
    if multi_az_after and not failover_after:
        raise InvalidParameterCombinationException(
            "Multi-AZ requires automatic failover: set AutomaticFailoverEnabled to true."
        )
    if self._get_param("AuthToken") is not None:
        _validate_auth_token(self._get_param("AuthToken"), rg.transit_encryption_enabled, on_create=False)
    auth_strategy = _check_auth_token_update(self, rg)

    result = resp_modify_replication_group.original(self)
    simple = {
        "SnapshotWindow": "snapshot_window",
        "PreferredMaintenanceWindow": "preferred_maintenance_window",
        "CacheParameterGroupName": "cache_parameter_group_name",
        "NotificationTopicArn": "notification_topic_arn",
        "EngineVersion": "engine_version",
        "SecurityGroupIds": "security_group_ids",
    }
    for param, attr in simple.items():
        value = self._get_param(param)
        if value is not None:
            setattr(rg, attr, value)
    auto_minor = self._get_bool_param("AutoMinorVersionUpgrade")
    if auto_minor is not None:
        rg.auto_minor_version_upgrade = auto_minor
    _record_auth_token_update(rg, auth_strategy)
    _refresh_snapshotting_cluster(rg)
    _sync_member_clusters(backend, rg)
    return result


AUTH_TOKEN_STRATEGIES = ("ROTATE", "SET", "DELETE")


def _check_auth_token_update(self: Response, rg: Any) -> str | None:
    """AuthTokenUpdateStrategy as the API reference states it: ROTATE (the default with a token) and SET need
    AuthToken, SET is allowed only after ROTATE, DELETE only when moving to RBAC. Returns the strategy in force."""
    token = self._get_param("AuthToken")
    strategy = self._get_param("AuthTokenUpdateStrategy")
    if strategy is None and token is None:
        return None
    if strategy is not None and strategy not in AUTH_TOKEN_STRATEGIES:
        raise InvalidParameterValueException(
            f"Invalid AuthTokenUpdateStrategy {strategy}: valid values are {', '.join(AUTH_TOKEN_STRATEGIES)}."
        )
    strategy = strategy or "ROTATE"
    if strategy == "DELETE":
        if token is not None or not self._get_param("UserGroupIdsToAdd"):
            raise InvalidParameterCombinationException(
                "The DELETE strategy is allowed only when transitioning to RBAC: give UserGroupIdsToAdd and no AuthToken."
            )
        return strategy
    if token is None:
        raise InvalidParameterValueException(f"AuthTokenUpdateStrategy {strategy} must be specified with AuthToken.")
    if rg.user_group_ids:
        raise InvalidParameterCombinationException(
            "An AUTH token cannot be set on a replication group that uses RBAC user groups."
        )
    if rg.status != "available":
        raise InvalidReplicationGroupState(f"Replication group {rg.replication_group_id} is not in available state.")
    if strategy == "SET" and not getattr(rg, "auth_token_rotating", False):
        raise InvalidParameterCombinationException("The SET strategy is allowed only after ROTATE.")
    return strategy


def _record_auth_token_update(rg: Any, strategy: str | None) -> None:
    """ROTATE: the new token and the old one both work until SET (then only the new one); DELETE: no AUTH."""
    if strategy is None:
        return
    rg.auth_token_rotating = strategy == "ROTATE"
    rg.auth_token_enabled = strategy != "DELETE"
    rg.auth_token_last_modified_date = ec_models.utcnow()


def _change_replica_count(self: Response, increase: bool) -> ActionResult:
    backend = self.elasticache_backend
    rg_id = self._get_param("ReplicationGroupId")
    rg = backend.replication_groups.get(rg_id)
    if rg is None:
        raise ReplicationGroupNotFound(rg_id)
    if self._get_bool_param("ApplyImmediately") is None:
        raise InvalidParameterValueException("The parameter ApplyImmediately must be provided.")
    if rg.cluster_mode == "enabled":
        raise InvalidParameterValueException(
            "localaws supports replica count changes for cluster-mode-disabled groups only."
        )
    current = len(rg.member_clusters) - 1
    new_count = self._get_int_param("NewReplicaCount")
    to_remove = self._get_param("ReplicasToRemove") or []
    if new_count is None and not to_remove:
        raise InvalidParameterValueException(
            "Either NewReplicaCount or ReplicasToRemove must be provided."
        )
    if new_count is None:
        unknown = [c for c in to_remove if c not in rg.member_clusters[1:]]
        if unknown:
            raise InvalidParameterValueException(f"Replicas to remove are not replicas of {rg_id}: {unknown}.")
        new_count = current - len(to_remove)
    if not 0 <= new_count <= MAX_REPLICAS:
        raise InvalidParameterValueException(
            f"NewReplicaCount must be between 0 and {MAX_REPLICAS}, got {new_count}."
        )
    if increase and new_count <= current:
        raise InvalidParameterValueException(
            f"The new replica count ({new_count}) must be greater than the current replica count ({current})."
        )
    if not increase and new_count >= current:
        raise InvalidParameterValueException(
            f"The new replica count ({new_count}) must be less than the current replica count ({current})."
        )
    if not increase and new_count < 1 and rg.automatic_failover == "enabled":
        raise InvalidParameterValueException(
            "Must have at least 1 replica when cluster mode is disabled with auto failover enabled."
        )
    _resize_disabled_mode(backend, rg, new_count + 1, to_remove)
    _sync_member_clusters(backend, rg)
    return ActionResult({"ReplicationGroup": rg})


def resp_increase_replica_count(self: Response) -> ActionResult:
    return _change_replica_count(self, increase=True)


def resp_decrease_replica_count(self: Response) -> ActionResult:
    return _change_replica_count(self, increase=False)


def apply() -> None:
    patch(Backend, "describe_snapshots", describe_snapshots)
    patch(Backend, "delete_cache_subnet_group", delete_cache_subnet_group)
    patch(Response, "delete_cache_subnet_group", resp_delete_cache_subnet_group)
    patch(Backend, "modify_cache_subnet_group", modify_cache_subnet_group)
    patch(Response, "modify_cache_subnet_group", resp_modify_cache_subnet_group)
    patch(Response, "create_replication_group", resp_create_replication_group)
    patch(Response, "delete_replication_group", resp_delete_replication_group)
    patch(Response, "modify_replication_group", resp_modify_replication_group)
    patch(Response, "increase_replica_count", resp_increase_replica_count)
    patch(Response, "decrease_replica_count", resp_decrease_replica_count)
    apply_latency_model()


# --------------------------------------------------------------------------- latency model
# A replication group is "creating" after CreateReplicationGroup, "modifying" after ModifyReplicationGroup and the
# replica count changes, "snapshotting" during CreateSnapshot and "deleting" after DeleteReplicationGroup (the
# statuses DescribeReplicationGroups documents). AWS refuses these calls unless the group is "available":
# InvalidReplicationGroupStateFault, "The requested replication group is not in the available state" (botocore
# model); ListTagsForResource: "If the cluster is not in the available state, ListTagsForResource returns an error".
_NEEDS_AVAILABLE = (
    "modify_replication_group",
    "increase_replica_count",
    "decrease_replica_count",
    "create_snapshot",
)
_TAGGING = ("list_tags_for_resource", "add_tags_to_resource", "remove_tags_from_resource")
_AFTER_CALL = {
    "create_replication_group": ("creating", "replication_group.creating"),
    "modify_replication_group": ("modifying", "replication_group.modifying"),
    "increase_replica_count": ("modifying", "replication_group.modifying"),
    "decrease_replica_count": ("modifying", "replication_group.modifying"),
    "create_snapshot": ("snapshotting", "replication_group.snapshotting"),
}


def _require_available(rg: Any) -> None:
    if rg is not None and rg.status != "available":
        raise InvalidReplicationGroupState(
            f"Replication group {rg.replication_group_id} is not in available state (it is {rg.status})."
        )


def _group_of_arn(backend: Backend, arn: str | None) -> Any:
    marker = ":replicationgroup:"
    if not arn or marker not in arn:
        return None
    return backend.replication_groups.get(arn.split(marker, 1)[1])


def _refusing_unless_available(operation: str):
    def fill(self: Response) -> Any:
        _require_available(self.elasticache_backend.replication_groups.get(self._get_param("ReplicationGroupId")))
        return fill.original(self)

    fill.__name__ = operation
    return fill


def _tagging_unless_available(operation: str):
    def fill(self: Response) -> Any:
        _require_available(_group_of_arn(self.elasticache_backend, self._get_param("ResourceName")))
        return fill.original(self)

    fill.__name__ = operation
    return fill


def _entering_state(operation: str, state: str, duration_key: str):
    def fill(self: Response) -> Any:
        result = fill.original(self)
        rg = self.elasticache_backend.replication_groups.get(self._get_param("ReplicationGroupId"))
        if rg is not None:
            MODEL.start(rg, "status", [(state, duration_key)], final="available")
            if operation == "create_snapshot":
                snapshot = self.elasticache_backend.snapshots.get(self._get_param("SnapshotName"))
                if snapshot is not None:
                    MODEL.start(snapshot, "snapshot_status", [("creating", duration_key)], final="available")
        return result

    fill.__name__ = operation
    return fill


def apply_latency_model() -> None:
    timed_attribute(ec_models.ReplicationGroup, "status")
    timed_attribute(ec_models.Snapshot, "snapshot_status")
    for operation in _NEEDS_AVAILABLE:
        patch(Response, operation, _refusing_unless_available(operation), layer="latency")
    for operation in _TAGGING:
        patch(Response, operation, _tagging_unless_available(operation), layer="latency")
    # Last: the state starts only once the call (with its own checks) has succeeded.
    for operation, (state, key) in _AFTER_CALL.items():
        patch(Response, operation, _entering_state(operation, state, key), layer="latency-state")
