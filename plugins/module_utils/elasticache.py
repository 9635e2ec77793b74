# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ElastiCache replication groups: the pure comparison and the calls the elasticache_replication_group module makes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.waiter import BaseWaiterFactory

MIN_CLUSTERS = 1
MAX_CLUSTERS = 6  # NumCacheClusters: primary plus at most five replicas
MAX_SNAPSHOT_RETENTION = 35
GROUP_ID_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
# AuthToken (CreateReplicationGroup): 16-128 characters, letters, digits and only these special characters.
AUTH_TOKEN_SPECIALS = "!&#$^<>-"

# Statuses a replication group does not leave for "available": its tags are not waited for.
FINAL_STATES = ("deleting", "create-failed")

# What ModifyReplicationGroup changes in place, by the module's name and the API parameter.
MODIFIABLE = (
    ("description", "ReplicationGroupDescription"),
    ("node_type", "CacheNodeType"),
    ("engine", "Engine"),
    ("engine_version", "EngineVersion"),
    ("cache_parameter_group_name", "CacheParameterGroupName"),
    ("security_group_ids", "SecurityGroupIds"),
    ("snapshot_retention_limit", "SnapshotRetentionLimit"),
    ("snapshot_window", "SnapshotWindow"),
    ("preferred_maintenance_window", "PreferredMaintenanceWindow"),
    ("automatic_failover", "AutomaticFailoverEnabled"),
    ("multi_az", "MultiAZEnabled"),
)


# ---------------------------------------------------------------------------- pure functions


def version_tuple(version):
    """'7.1.0' -> (7, 1, 0); '6.x' -> (6,); None -> ()."""
    parts = []
    for part in str(version or "").split("."):
        if not part.isdigit():
            break
        parts.append(int(part))
    return tuple(parts)


def version_matches(desired, current):
    """True when ``current`` is ``desired`` or a patch of it: AWS reports 7.1.0 for a group created as 7.1."""
    wanted = version_tuple(desired)
    return bool(wanted) and version_tuple(current)[:len(wanted)] == wanted


def is_downgrade(desired, current):
    wanted = version_tuple(desired)
    return bool(wanted) and wanted < version_tuple(current)[:len(wanted)]


def kms_key_matches(desired, current):
    """True when the key named by ``desired`` (an id or ARN) is ``current``; aliases need resolving first."""
    if not desired:
        return True
    if not current:
        return False
    return desired == current or current.endswith(":key/" + desired) or desired.endswith(":key/" + current)


def same_window(desired, current):
    return (desired or "").lower() == (current or "").lower()


def validate(params):
    """The problems AWS would reject (or that make no sense) before any call, as messages naming the option."""
    problems = []
    group_id = params["replication_group_id"]
    if not GROUP_ID_PATTERN.match(group_id) or "--" in group_id or group_id.endswith("-"):
        problems.append(
            "replication_group_id {0!r} must be 1-40 lowercase letters, digits or hyphens, start with a letter, "
            "and contain no two consecutive hyphens nor end with one".format(group_id)
        )
    if params["state"] != "present":
        return problems
    count = params["num_cache_clusters"]
    if not MIN_CLUSTERS <= count <= MAX_CLUSTERS:
        problems.append("num_cache_clusters must be between {0} and {1} (primary plus replicas), got {2}".format(MIN_CLUSTERS, MAX_CLUSTERS, count))
    if params["automatic_failover"] and count < 2:
        problems.append("automatic_failover needs num_cache_clusters >= 2 (a replica to fail over to), got {0}".format(count))
    if params["multi_az"] and not params["automatic_failover"]:
        problems.append("multi_az needs automatic_failover: true")
    if params.get("kms_key_id") and not params["at_rest_encryption"]:
        problems.append("kms_key_id needs at_rest_encryption: true")
    token = params.get("auth_token")
    if token is not None:
        if not params["transit_encryption"]:
            problems.append("auth_token needs transit_encryption: true (AWS only accepts AUTH with TLS)")
        if not 16 <= len(token) <= 128:
            problems.append("auth_token must be 16 to 128 characters long")
        if not all((c.isascii() and c.isalnum()) or c in AUTH_TOKEN_SPECIALS for c in token):
            problems.append("auth_token may contain only ASCII letters, digits and the special characters {0}".format(AUTH_TOKEN_SPECIALS))
    if params.get("rotate_auth_token") and token is None:
        problems.append("rotate_auth_token needs auth_token (the new token)")
    retention = params.get("snapshot_retention_limit")
    if retention is not None and not 0 <= retention <= MAX_SNAPSHOT_RETENTION:
        problems.append("snapshot_retention_limit must be between 0 and {0} days, got {1}".format(MAX_SNAPSHOT_RETENTION, retention))
    return problems


def subnet_group_name(params):
    """The subnet group the replication group should use: the given one, or the one the module manages."""
    if params.get("cache_subnet_group_name"):
        return params["cache_subnet_group_name"]
    if params.get("subnet_ids"):
        return params["replication_group_id"]
    return None


def desired_group(params):
    """The module's view of what the parameters ask for; None means 'not managed: keep what AWS has'."""
    security_groups = params.get("security_group_ids")
    return {
        "id": params["replication_group_id"],
        "description": params.get("description"),
        "engine": params["engine"],
        "engine_version": params.get("engine_version"),
        "node_type": params.get("cache_node_type"),
        "num_cache_clusters": params["num_cache_clusters"],
        "multi_az": params["multi_az"],
        "automatic_failover": params["automatic_failover"],
        "at_rest_encryption_enabled": params["at_rest_encryption"],
        "kms_key_id": params.get("kms_key_id"),
        "transit_encryption_enabled": params["transit_encryption"],
        "auth_token_enabled": True if params.get("auth_token") is not None else None,
        "cache_parameter_group_name": params.get("cache_parameter_group_name"),
        "cache_subnet_group_name": subnet_group_name(params),
        "subnet_ids": sorted(params["subnet_ids"]) if params.get("subnet_ids") else None,
        "security_group_ids": sorted(security_groups) if security_groups is not None else None,
        "snapshot_retention_limit": params.get("snapshot_retention_limit"),
        "snapshot_window": params.get("snapshot_window"),
        "preferred_maintenance_window": params.get("preferred_maintenance_window"),
        "tags": params.get("tags"),
    }


def _endpoint(endpoint):
    if not endpoint:
        return None
    return {"address": endpoint.get("Address"), "port": endpoint.get("Port")}


def primary_cluster_id(group):
    for node_group in group.get("NodeGroups", []):
        for member in node_group.get("NodeGroupMembers", []):
            if member.get("CurrentRole") == "primary":
                return member["CacheClusterId"]
    members = group.get("MemberClusters") or []
    return members[0] if members else None


def current_group(group, cluster=None, tags=None, subnet_ids=None):
    """The module's view of a DescribeReplicationGroups entry plus its primary's DescribeCacheClusters entry.

    DescribeReplicationGroups does not report the engine version, parameter group, subnet group, security
    groups or maintenance window: those are read from the primary member cluster. Changes already accepted
    (PendingModifiedValues) count as made, so a re-run during a modification does not send them again.
    """
    if not group:
        return {}
    cluster = cluster or {}
    node_group = (group.get("NodeGroups") or [{}])[0]
    pending_cluster = cluster.get("PendingModifiedValues") or {}
    pending_group = group.get("PendingModifiedValues") or {}
    failover = pending_group.get("AutomaticFailoverStatus") or group.get("AutomaticFailover")
    security_groups = [sg["SecurityGroupId"] for sg in cluster.get("SecurityGroups", []) if sg.get("Status") != "removing"]
    return {
        "id": group["ReplicationGroupId"],
        "arn": group.get("ARN"),
        "status": group.get("Status"),
        "description": group.get("Description"),
        "engine": group.get("Engine") or cluster.get("Engine"),
        "engine_version": pending_cluster.get("EngineVersion") or cluster.get("EngineVersion"),
        "node_type": pending_cluster.get("CacheNodeType") or group.get("CacheNodeType"),
        "num_cache_clusters": len(group.get("MemberClusters") or []),
        "member_clusters": list(group.get("MemberClusters") or []),
        "primary_endpoint": _endpoint(node_group.get("PrimaryEndpoint")),
        "reader_endpoint": _endpoint(node_group.get("ReaderEndpoint")),
        "multi_az": group.get("MultiAZ") == "enabled",
        "automatic_failover": failover in ("enabled", "enabling"),
        "at_rest_encryption_enabled": bool(group.get("AtRestEncryptionEnabled")),
        "kms_key_id": group.get("KmsKeyId"),
        "transit_encryption_enabled": bool(group.get("TransitEncryptionEnabled")),
        "auth_token_enabled": bool(group.get("AuthTokenEnabled")),
        "cache_parameter_group_name": (cluster.get("CacheParameterGroup") or {}).get("CacheParameterGroupName"),
        "cache_subnet_group_name": cluster.get("CacheSubnetGroupName"),
        "subnet_ids": sorted(subnet_ids) if subnet_ids is not None else None,
        "security_group_ids": sorted(security_groups) if cluster else None,
        "snapshot_retention_limit": group.get("SnapshotRetentionLimit"),
        "snapshot_window": group.get("SnapshotWindow"),
        "preferred_maintenance_window": cluster.get("PreferredMaintenanceWindow"),
        "tags": tags if tags is not None else {},
    }


def settings_to_replace(current, desired, kms_key_same=None):
    """The differing settings AWS cannot change in place: each needs a new replication group.

    ``kms_key_same`` is the result of comparing the keys after resolving an alias (None: compare here).
    """
    replace = []
    if current["at_rest_encryption_enabled"] != desired["at_rest_encryption_enabled"]:
        replace.append("at_rest_encryption")
    elif desired["kms_key_id"]:
        same = kms_key_matches(desired["kms_key_id"], current["kms_key_id"]) if kms_key_same is None else kms_key_same
        if not same:
            replace.append("kms_key_id")
    if current["transit_encryption_enabled"] != desired["transit_encryption_enabled"]:
        replace.append("transit_encryption")
    if current["engine"] == "valkey" and desired["engine"] == "redis":
        replace.append("engine")  # Redis OSS -> Valkey is an in-place upgrade; back is not
    if desired["engine_version"] and current["engine_version"] and is_downgrade(desired["engine_version"], current["engine_version"]):
        replace.append("engine_version")
    have_subnet_group = current["cache_subnet_group_name"]
    if desired["cache_subnet_group_name"] and have_subnet_group and have_subnet_group != desired["cache_subnet_group_name"]:
        replace.append("cache_subnet_group_name")
    return replace


# Read from the primary member cluster: unknown (None) while AWS has not yet created it.
FROM_MEMBER_CLUSTER = ("engine_version", "cache_parameter_group_name", "security_group_ids", "preferred_maintenance_window")


def _differs(key, current, desired):
    wanted = desired.get(key)
    if wanted is None:
        return False
    have = current.get(key)
    if have is None and key in FROM_MEMBER_CLUSTER:
        return False
    if key == "engine_version":
        return not version_matches(wanted, have)
    if key in ("snapshot_window", "preferred_maintenance_window"):
        return not same_window(wanted, have)
    return wanted != have


def group_modifications(current, desired):
    """The ModifyReplicationGroup parameters for what differs and AWS changes in place (no replica count, tags or token)."""
    params = {}
    for key, api_name in MODIFIABLE:
        if _differs(key, current, desired):
            params[api_name] = desired[key]
    if "Engine" in params and "EngineVersion" not in params and desired.get("engine_version"):
        params["EngineVersion"] = desired["engine_version"]  # a cross-engine upgrade names its version
    return params


def modified_settings(params):
    """The module's names for a ModifyReplicationGroup parameter set."""
    names = dict((api_name, key) for key, api_name in MODIFIABLE)
    return sorted(names[api_name] for api_name in params if api_name in names)


def replica_change(current, desired):
    """('increase'|'decrease', new replica count) when num_cache_clusters differs, else None."""
    have, want = current["num_cache_clusters"], desired["num_cache_clusters"]
    if want == have:
        return None
    return ("increase" if want > have else "decrease", want - 1)


def projected_group(current, desired, tags):
    """What the group will look like once the changes are applied (check mode and wait=false)."""
    projected = dict(current)
    for key in (
        "description", "engine", "engine_version", "node_type", "num_cache_clusters", "multi_az", "automatic_failover",
        "cache_parameter_group_name", "subnet_ids", "security_group_ids", "snapshot_retention_limit", "snapshot_window",
        "preferred_maintenance_window", "auth_token_enabled",
    ):
        if desired.get(key) is not None and _differs(key, current, desired):
            projected[key] = desired[key]
    projected["tags"] = tags
    return projected


def new_group_view(desired, tags):
    """The projected view of a group check mode (or an unfinished create) would make."""
    view = dict(desired)
    view.update(
        arn=None,
        status="creating",
        description=desired["description"] or desired["id"],
        member_clusters=[],
        primary_endpoint=None,
        reader_endpoint=None,
        auth_token_enabled=bool(desired["auth_token_enabled"]),
        security_group_ids=desired["security_group_ids"] or [],
        tags=tags,
    )
    return view


def create_request(params, desired):
    """The CreateReplicationGroup request (with the token when one is given: it is never returned)."""
    request = {
        "ReplicationGroupId": desired["id"],
        "ReplicationGroupDescription": desired["description"] or desired["id"],
        "Engine": desired["engine"],
        "CacheNodeType": desired["node_type"],
        "NumCacheClusters": desired["num_cache_clusters"],
        "AutomaticFailoverEnabled": desired["automatic_failover"],
        "MultiAZEnabled": desired["multi_az"],
        "AtRestEncryptionEnabled": desired["at_rest_encryption_enabled"],
        "TransitEncryptionEnabled": desired["transit_encryption_enabled"],
    }
    optional = {
        "EngineVersion": desired["engine_version"],
        "KmsKeyId": desired["kms_key_id"],
        "AuthToken": params.get("auth_token"),
        "CacheParameterGroupName": desired["cache_parameter_group_name"],
        "CacheSubnetGroupName": desired["cache_subnet_group_name"],
        "SecurityGroupIds": desired["security_group_ids"],
        "SnapshotRetentionLimit": desired["snapshot_retention_limit"],
        "SnapshotWindow": desired["snapshot_window"],
        "PreferredMaintenanceWindow": desired["preferred_maintenance_window"],
    }
    request.update((key, value) for key, value in optional.items() if value is not None)
    if desired["tags"]:
        request["Tags"] = ansible_dict_to_boto3_tag_list(desired["tags"])
    return request


# ---------------------------------------------------------------------------- waiters


class ElastiCacheWaiterFactory(BaseWaiterFactory):
    """botocore's replication group waiters, plus create-failed as a failure and throttling as a retry."""

    @property
    def _waiter_model_data(self):
        return dict(
            replication_group_available=dict(
                operation="DescribeReplicationGroups",
                delay=15,
                maxAttempts=120,
                acceptors=[
                    dict(state="success", matcher="pathAll", argument="ReplicationGroups[].Status", expected="available"),
                    dict(state="failure", matcher="pathAny", argument="ReplicationGroups[].Status", expected="create-failed"),
                    dict(state="failure", matcher="pathAny", argument="ReplicationGroups[].Status", expected="deleting"),
                    dict(state="failure", matcher="error", expected="ReplicationGroupNotFoundFault"),
                ],
            ),
            replication_group_deleted=dict(
                operation="DescribeReplicationGroups",
                delay=15,
                maxAttempts=120,
                acceptors=[
                    dict(state="success", matcher="error", expected="ReplicationGroupNotFoundFault"),
                    dict(state="failure", matcher="pathAny", argument="ReplicationGroups[].Status", expected="available"),
                ],
            ),
        )


WAITERS = ElastiCacheWaiterFactory()


def wait_for(client, name, group_id, timeout):
    delay = 15 if timeout >= 45 else max(1, timeout // 3)
    attempts = max(1, -(-timeout // delay)) + 1
    WAITERS.get_waiter(client, name).wait(
        ReplicationGroupId=group_id, WaiterConfig=dict(Delay=delay, MaxAttempts=attempts)
    )


# ---------------------------------------------------------------------------- calls


@AWSRetry.jittered_backoff()
def describe_group(client, group_id):
    try:
        return client.describe_replication_groups(ReplicationGroupId=group_id)["ReplicationGroups"][0]
    except client.exceptions.ReplicationGroupNotFoundFault:
        return None


@AWSRetry.jittered_backoff()
def describe_cluster(client, cluster_id):
    try:
        return client.describe_cache_clusters(CacheClusterId=cluster_id)["CacheClusters"][0]
    except client.exceptions.CacheClusterNotFoundFault:
        return None


@AWSRetry.jittered_backoff()
def describe_subnet_group(client, name):
    try:
        return client.describe_cache_subnet_groups(CacheSubnetGroupName=name)["CacheSubnetGroups"][0]
    except client.exceptions.CacheSubnetGroupNotFoundFault:
        return None


def subnet_group_subnets(subnet_group):
    return sorted(subnet["SubnetIdentifier"] for subnet in (subnet_group or {}).get("Subnets", []))


@AWSRetry.jittered_backoff()
def describe_snapshot(client, name):
    """The snapshot named ``name``, or None."""
    try:
        snapshots = client.describe_snapshots(SnapshotName=name)["Snapshots"]
    except client.exceptions.SnapshotNotFoundFault:
        return None
    return snapshots[0] if snapshots else None


@AWSRetry.jittered_backoff()
def list_tags(client, arn):
    return client.list_tags_for_resource(ResourceName=arn).get("TagList", [])


@AWSRetry.jittered_backoff()
def add_tags(client, arn, tags):
    client.add_tags_to_resource(ResourceName=arn, Tags=ansible_dict_to_boto3_tag_list(tags))


@AWSRetry.jittered_backoff()
def remove_tags(client, arn, keys):
    client.remove_tags_from_resource(ResourceName=arn, TagKeys=sorted(keys))


@AWSRetry.jittered_backoff()
def create_subnet_group(client, name, description, subnet_ids, tags):
    request = dict(CacheSubnetGroupName=name, CacheSubnetGroupDescription=description, SubnetIds=subnet_ids)
    if tags:
        request["Tags"] = ansible_dict_to_boto3_tag_list(tags)
    return client.create_cache_subnet_group(**request)["CacheSubnetGroup"]


@AWSRetry.jittered_backoff()
def modify_subnet_group(client, name, subnet_ids):
    return client.modify_cache_subnet_group(CacheSubnetGroupName=name, SubnetIds=subnet_ids)["CacheSubnetGroup"]


@AWSRetry.jittered_backoff()
def delete_subnet_group(client, name):
    client.delete_cache_subnet_group(CacheSubnetGroupName=name)


@AWSRetry.jittered_backoff()
def create_group(client, request):
    return client.create_replication_group(**request)["ReplicationGroup"]


@AWSRetry.jittered_backoff()
def modify_group(client, group_id, params):
    return client.modify_replication_group(ReplicationGroupId=group_id, ApplyImmediately=True, **params)["ReplicationGroup"]


@AWSRetry.jittered_backoff()
def change_replica_count(client, group_id, direction, new_replica_count):
    call = client.increase_replica_count if direction == "increase" else client.decrease_replica_count
    return call(ReplicationGroupId=group_id, NewReplicaCount=new_replica_count, ApplyImmediately=True)["ReplicationGroup"]


@AWSRetry.jittered_backoff()
def delete_group(client, group_id, final_snapshot_identifier=None):
    request = dict(ReplicationGroupId=group_id)
    if final_snapshot_identifier:
        request["FinalSnapshotIdentifier"] = final_snapshot_identifier
    return client.delete_replication_group(**request)["ReplicationGroup"]
