"""RDS engine versions and DB cluster parameter groups (moto 5.2.5).

- DescribeDBEngineVersions (with each version's ``DBParameterGroupFamily``) is answered by the scan_reads fill.
- CreateDBCluster and ModifyDBCluster accept a ``DBClusterParameterGroupName`` that does not exist, and one of
  another family than the cluster's engine version; AWS answers DBClusterParameterGroupNotFound (404) and
  InvalidParameterCombination.
- DeleteDBClusterParameterGroup deletes a group a cluster still uses; AWS answers InvalidDBParameterGroupState.

Reference: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/ (DescribeDBEngineVersions, CreateDBCluster,
ModifyDBCluster, DeleteDBClusterParameterGroup).
"""

from __future__ import annotations

from typing import Any

from moto.rds import responses as rds_responses
from moto.rds.exceptions import InvalidParameterCombination, RDSClientError

from . import patch
from .scan_reads import describe_db_engine_versions

Response = rds_responses.RDSResponse



class DBClusterParameterGroupNotFoundFault(RDSClientError):
    def __init__(self, name: str):
        super().__init__("DBClusterParameterGroupNotFound", f"DBClusterParameterGroup {name} not found.")


class InvalidDBParameterGroupState(RDSClientError):
    def __init__(self, message: str):
        super().__init__("InvalidDBParameterGroupState", message)


def family_of(engine: str, version: str) -> str | None:
    if engine == "aurora-postgresql" and version:
        return "aurora-postgresql" + str(version).split(".")[0]
    return None


def _check_group(backend: Any, name: str | None, engine: str, version: str) -> None:
    """AWS's refusals of a cluster's DBClusterParameterGroupName: unknown group, or another family."""
    if not name or name.startswith("default."):
        return
    group = backend.db_cluster_parameter_groups.get(name)
    if group is None:
        raise DBClusterParameterGroupNotFoundFault(name)
    wanted = family_of(engine, version)
    if wanted and group.db_parameter_group_family != wanted:
        raise InvalidParameterCombination(
            f"The Parameter Group {name} with DBParameterGroupFamily {group.db_parameter_group_family} cannot be used for "
            f"this instance. Please use a Parameter Group with DBParameterGroupFamily {wanted}"
        )


def create_db_cluster(self: Response) -> Any:
    _check_group(self.backend, self._get_param("DBClusterParameterGroupName"), self._get_param("Engine"), self._get_param("EngineVersion"))
    return create_db_cluster.original(self)


def modify_db_cluster(self: Response) -> Any:
    cluster = self.backend.clusters.get(self._get_param("DBClusterIdentifier"))
    if cluster is not None:
        version = self._get_param("EngineVersion") or cluster.engine_version
        _check_group(self.backend, self._get_param("DBClusterParameterGroupName"), cluster.engine, version)
    return modify_db_cluster.original(self)


def delete_db_cluster_parameter_group(self: Response) -> Any:
    name = self._get_param("DBClusterParameterGroupName")
    users = [c.db_cluster_identifier for c in self.backend.clusters.values() if getattr(c, "parameter_group", None) == name]
    if users:
        raise InvalidDBParameterGroupState(f"One or more database clusters are still members of this parameter group {name}: {', '.join(users)}")
    return delete_db_cluster_parameter_group.original(self)


def apply() -> None:
    # The family of each engine version (one fill answers DescribeDBEngineVersions: scan_reads).
    patch(Response, "describe_db_engine_versions", describe_db_engine_versions)
    patch(Response, "create_db_cluster", create_db_cluster)
    patch(Response, "modify_db_cluster", modify_db_cluster)
    patch(Response, "delete_db_cluster_parameter_group", delete_db_cluster_parameter_group)
