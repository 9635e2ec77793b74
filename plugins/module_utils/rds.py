# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Aurora Serverless v2: the pure comparisons, the RDS calls and the waiters of the aurora_serverless_v2 module."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.waiter import BaseWaiterFactory
from ansible_collections.amazon.aws.plugins.module_utils.waiter import custom_waiter_config

INSTANCE_CLASS = "db.serverless"
# DBClusterIdentifier: 1-63 letters, digits or hyphens; a letter first; no trailing or double hyphen.
IDENTIFIER_PATTERN = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$")
IDENTIFIER_MAX_LENGTH = 63
# DeleteDBCluster FinalDBSnapshotIdentifier: 1-255 letters, digits or hyphens; a letter first; no trailing or double
# hyphen (AWS stores it in lower case).
SNAPSHOT_IDENTIFIER_PATTERN = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,254}(?<!-)\Z")
ACU_MAX = 256.0
# Settings fixed at creation: a change means a new cluster, which the module never does on its own.
IMMUTABLE = ("engine", "database_name", "master_username", "storage_encrypted", "kms_key_id", "master_user_secret_kms_key_id")
KEY_OPTIONS = ("kms_key_id", "master_user_secret_kms_key_id")
# ModifyDBCluster parameters for the settings that change in place, in the order they are reported.
MODIFIABLE = (
    ("min_capacity", None),
    ("max_capacity", None),
    ("engine_version", "EngineVersion"),
    ("port", "Port"),
    ("vpc_security_group_ids", "VpcSecurityGroupIds"),
    ("backup_retention_period", "BackupRetentionPeriod"),
    ("preferred_backup_window", "PreferredBackupWindow"),
    ("preferred_maintenance_window", "PreferredMaintenanceWindow"),
    ("enabled_cloudwatch_logs_exports", None),
    ("deletion_protection", "DeletionProtection"),
    ("copy_tags_to_snapshot", "CopyTagsToSnapshot"),
    ("iam_database_authentication_enabled", "EnableIAMDatabaseAuthentication"),
    ("db_cluster_parameter_group_name", "DBClusterParameterGroupName"),
)
CLUSTER_FAILED = ["deleting", "failed", "inaccessible-encryption-credentials", "migration-failed"]
INSTANCE_FAILED = [
    "deleted",
    "deleting",
    "failed",
    "incompatible-network",
    "incompatible-parameters",
    "incompatible-restore",
    "inaccessible-encryption-credentials",
]


# ---------------------------------------------------------------- names and inputs


def instance_identifier(cluster_identifier, number):
    return "{0}-{1}".format(cluster_identifier, number)


def instance_number(cluster_identifier, identifier):
    """The N of ``<cluster>-N``, or None for an instance the module did not name."""
    prefix = cluster_identifier + "-"
    if not identifier.startswith(prefix):
        return None
    suffix = identifier[len(prefix):]
    return int(suffix) if suffix.isdigit() and not suffix.startswith("0") else None


def _is_acu(value, lowest):
    return value is not None and lowest <= value <= ACU_MAX and (value * 2) == int(value * 2)


def input_errors(params):
    """What is wrong with the module's arguments, as messages naming the option; empty when all is well."""
    errors = []
    identifier = params["cluster_identifier"]
    if not IDENTIFIER_PATTERN.match(identifier):
        errors.append(
            "cluster_identifier {0!r} is not a valid DB cluster identifier: 1-63 letters, digits or hyphens, starting "
            "with a letter, without a trailing or double hyphen".format(identifier)
        )
    last_instance = instance_identifier(identifier, (params.get("reader_count") or 0) + 1)
    if len(last_instance) > IDENTIFIER_MAX_LENGTH:
        errors.append(
            "cluster_identifier {0!r} is too long: the instance identifier {1!r} would exceed {2} characters".format(
                identifier, last_instance, IDENTIFIER_MAX_LENGTH
            )
        )
    if params["state"] == "absent":
        if params.get("skip_final_snapshot") and params.get("final_snapshot_identifier"):
            errors.append("final_snapshot_identifier cannot be used with skip_final_snapshot=true")
        if not params.get("skip_final_snapshot") and not params.get("final_snapshot_identifier"):
            errors.append("state=absent needs final_snapshot_identifier, or skip_final_snapshot=true to delete without a final snapshot")
        final = params.get("final_snapshot_identifier")
        if final and not SNAPSHOT_IDENTIFIER_PATTERN.match(final):
            errors.append(
                "final_snapshot_identifier {0!r} is not a valid DB cluster snapshot identifier: 1-255 letters, digits or "
                "hyphens, starting with a letter, without a trailing or double hyphen".format(final)
            )
        return errors
    low, high = params.get("min_capacity"), params.get("max_capacity")
    if not (low == 0 or _is_acu(low, 0.5)):
        errors.append("min_capacity must be 0 or 0.5 to 256 in steps of 0.5 ACU, got {0}".format(low))
    if not _is_acu(high, 1.0):
        errors.append("max_capacity must be 1 to 256 in steps of 0.5 ACU, got {0}".format(high))
    if low is not None and high is not None and low > high:
        errors.append("min_capacity ({0}) must not exceed max_capacity ({1})".format(low, high))
    if params.get("reader_count") is not None and params["reader_count"] < 0:
        errors.append("reader_count must be 0 or more, got {0}".format(params["reader_count"]))
    retention = params.get("backup_retention_period")
    if retention is not None and not 1 <= retention <= 35:
        errors.append("backup_retention_period must be 1 to 35 days, got {0}".format(retention))
    if not params.get("subnet_ids"):
        errors.append("subnet_ids must list the (private) subnets of the DB subnet group")
    return errors


# ---------------------------------------------------------------- views


def _key_id(key):
    """The id part of a KMS key ARN or a bare key id."""
    return key.rsplit("key/", 1)[-1] if key else key


def keys_match(current, desired):
    """Whether two KMS key references (key ARN or key id) name the same key."""
    return _key_id(current) == _key_id(desired)


def is_alias(key):
    return bool(key) and (key.startswith("alias/") or ":alias/" in key)


def instance_view(instance, writer_ids):
    return {
        "id": instance["DBInstanceIdentifier"],
        "role": "writer" if instance["DBInstanceIdentifier"] in writer_ids else "reader",
        "availability_zone": instance.get("AvailabilityZone"),
        "status": instance.get("DBInstanceStatus"),
        "instance_class": instance.get("DBInstanceClass"),
        "publicly_accessible": instance.get("PubliclyAccessible", False),
    }


def _instance_sort_key(cluster_identifier):
    def key(instance):
        number = instance_number(cluster_identifier, instance["id"])
        return (number is None, number or 0, instance["id"])

    return key


def cluster_view(cluster, instances, subnet_group, tags):
    """The module's view of a DescribeDBClusters entry, its instances and its subnet group."""
    if not cluster:
        return {}
    writer_ids = [m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", []) if m.get("IsClusterWriter")]
    scaling = cluster.get("ServerlessV2ScalingConfiguration") or {}
    secret = cluster.get("MasterUserSecret") or {}
    identifier = cluster["DBClusterIdentifier"]
    views = [instance_view(instance, writer_ids) for instance in instances]
    return {
        "identifier": identifier,
        "arn": cluster.get("DBClusterArn"),
        "status": cluster.get("Status"),
        "engine": cluster.get("Engine"),
        "engine_version": cluster.get("EngineVersion"),
        "database_name": cluster.get("DatabaseName"),
        "master_username": cluster.get("MasterUsername"),
        "master_user_secret_arn": secret.get("SecretArn"),
        "master_user_secret_kms_key_id": secret.get("KmsKeyId"),
        "endpoint": cluster.get("Endpoint"),
        "reader_endpoint": cluster.get("ReaderEndpoint"),
        "port": cluster.get("Port"),
        "min_capacity": scaling.get("MinCapacity"),
        "max_capacity": scaling.get("MaxCapacity"),
        "db_subnet_group_name": cluster.get("DBSubnetGroup"),
        "subnet_ids": sorted(s["SubnetIdentifier"] for s in (subnet_group or {}).get("Subnets", [])),
        "vpc_security_group_ids": sorted(g["VpcSecurityGroupId"] for g in cluster.get("VpcSecurityGroups", [])),
        "storage_encrypted": cluster.get("StorageEncrypted", False),
        "kms_key_id": cluster.get("KmsKeyId"),
        "backup_retention_period": cluster.get("BackupRetentionPeriod"),
        "preferred_backup_window": cluster.get("PreferredBackupWindow"),
        "preferred_maintenance_window": cluster.get("PreferredMaintenanceWindow"),
        "enabled_cloudwatch_logs_exports": sorted(cluster.get("EnabledCloudwatchLogsExports", [])),
        "deletion_protection": cluster.get("DeletionProtection", False),
        "copy_tags_to_snapshot": cluster.get("CopyTagsToSnapshot", False),
        "iam_database_authentication_enabled": cluster.get("IAMDatabaseAuthenticationEnabled", False),
        "http_endpoint_enabled": cluster.get("HttpEndpointEnabled", False),
        "db_cluster_parameter_group_name": cluster.get("DBClusterParameterGroup"),
        # Static parameters of a new or changed group wait for these instances' next reboot.
        "pending_reboot": sorted(
            m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", []) if m.get("DBClusterParameterGroupStatus") == "pending-reboot"
        ),
        "tags": tags if tags is not None else boto3_tag_list_to_ansible_dict(cluster.get("TagList", [])),
        "instances": sorted(views, key=_instance_sort_key(identifier)),
    }


def desired_settings(params):
    """The settings the arguments ask for; None means "AWS's default at creation, left alone afterwards"."""
    secret_key = params.get("master_user_secret_kms_key_id") or params.get("kms_key_id")
    windows = {name: params[name].lower() if params.get(name) else None for name in ("preferred_backup_window", "preferred_maintenance_window")}
    logs = params.get("enable_cloudwatch_logs_exports")
    groups = params.get("vpc_security_group_ids")
    parameter_group = params.get("db_cluster_parameter_group_name")
    return dict(
        windows,
        identifier=params["cluster_identifier"],
        engine=params["engine"],
        engine_version=params.get("engine_version"),
        database_name=params.get("database_name"),
        master_username=params.get("master_username"),
        master_user_secret_kms_key_id=secret_key,
        port=params.get("port"),
        min_capacity=float(params["min_capacity"]) if params.get("min_capacity") is not None else None,
        max_capacity=float(params["max_capacity"]) if params.get("max_capacity") is not None else None,
        subnet_ids=sorted(set(params.get("subnet_ids") or [])),
        vpc_security_group_ids=sorted(set(groups)) if groups is not None else None,
        storage_encrypted=params.get("storage_encrypted"),
        kms_key_id=params.get("kms_key_id"),
        backup_retention_period=params.get("backup_retention_period"),
        enabled_cloudwatch_logs_exports=sorted(set(logs)) if logs is not None else None,
        deletion_protection=params.get("deletion_protection"),
        copy_tags_to_snapshot=params.get("copy_tags_to_snapshot"),
        iam_database_authentication_enabled=params.get("enable_iam_database_authentication"),
        http_endpoint_enabled=params.get("enable_http_endpoint"),
        db_cluster_parameter_group_name=parameter_group.lower() if parameter_group else None,
        tags=params.get("tags"),
        reader_count=params.get("reader_count"),
        availability_zones=params.get("availability_zones") or [],
    )


# ---------------------------------------------------------------- comparisons


def _version_parts(version):
    return [int(part) if part.isdigit() else part for part in re.split(r"[.]", version)]


def version_change(current, desired):
    """None (same, or ``desired`` names only a prefix such as the major version), "upgrade", "major" or "downgrade"."""
    if not desired or not current:
        return None
    have, want = _version_parts(current), _version_parts(desired)
    if have[: len(want)] == want:
        return None
    try:
        newer = want > have
    except TypeError:  # a non-numeric part: compare as text
        newer = desired > current
    if not newer:
        return "downgrade"
    return "major" if want[0] != have[0] else "upgrade"


def immutable_conflicts(current, desired):
    """(option, current, desired) for every fixed-at-creation setting that differs; keys already resolved to ARNs."""
    conflicts = []
    for name in IMMUTABLE:
        want, have = desired.get(name), current.get(name)
        if want is None:
            continue
        if name in KEY_OPTIONS:
            if name == "master_user_secret_kms_key_id" and not current.get("master_user_secret_arn"):
                continue  # not managed yet: turning management on sets it
            if have is None or not keys_match(have, want):
                conflicts.append((name, have, want))
        elif have != want:
            conflicts.append((name, have, want))
    return conflicts


def cluster_modifications(current, desired):
    """(ModifyDBCluster parameters, changed option names) for the in-place settings that differ; ({}, []) when none."""
    request, changed = {}, []
    for name, parameter in MODIFIABLE:
        want, have = desired.get(name), current.get(name)
        if want is None:
            continue
        if name in ("min_capacity", "max_capacity"):
            if float(want) != (float(have) if have is not None else None):
                changed.append(name)
            continue
        if name == "engine_version":
            if version_change(have, want) in ("upgrade", "major"):
                request["EngineVersion"] = want
                changed.append(name)
                if version_change(have, want) == "major":
                    request["AllowMajorVersionUpgrade"] = True
            continue
        if name == "enabled_cloudwatch_logs_exports":
            enable = sorted(set(want) - set(have or []))
            disable = sorted(set(have or []) - set(want))
            if enable or disable:
                request["CloudwatchLogsExportConfiguration"] = {"EnableLogTypes": enable, "DisableLogTypes": disable}
                changed.append(name)
            continue
        if name in ("preferred_backup_window", "preferred_maintenance_window"):
            have = have.lower() if have else have
        if want != have:
            request[parameter] = want
            changed.append(name)
    if "min_capacity" in changed or "max_capacity" in changed:
        request["ServerlessV2ScalingConfiguration"] = {"MinCapacity": desired["min_capacity"], "MaxCapacity": desired["max_capacity"]}
    if not current.get("master_user_secret_arn"):
        # The master password becomes AWS-managed; the module never handles one itself.
        request["ManageMasterUserPassword"] = True
        if desired.get("master_user_secret_kms_key_id"):
            request["MasterUserSecretKmsKeyId"] = desired["master_user_secret_kms_key_id"]
        changed.append("manage_master_user_password")
    return request, changed


def apply_modifications(current, desired, changed):
    """The view ``current`` with the changed settings set as asked (the projection of check mode)."""
    after = dict(current)
    for name in changed:
        if name == "manage_master_user_password":
            after["master_user_secret_kms_key_id"] = desired.get("master_user_secret_kms_key_id")
        elif name in desired:
            after[name] = desired[name]
    return after


def plan_instances(cluster_identifier, instances, reader_count, availability_zones):
    """Which instances to add and which to remove so the cluster has a writer plus ``reader_count`` readers.

    ``instances`` are instance views. Returns (to_add, to_remove): to_add lists (identifier, availability zone or None)
    with the lowest free numbers, to_remove lists reader identifiers, highest number first. The writer is never removed,
    nor an instance the module did not name.
    """
    live = [i for i in instances if i.get("status") not in ("deleting", "deleted")]
    wanted = reader_count + 1
    to_add, to_remove = [], []
    if len(live) < wanted:
        used = set(instance_number(cluster_identifier, i["id"]) for i in instances)
        number = 0
        while len(live) + len(to_add) < wanted:
            number += 1
            if number in used:
                continue
            zone = availability_zones[(number - 1) % len(availability_zones)] if availability_zones else None
            to_add.append((instance_identifier(cluster_identifier, number), zone))
    elif len(live) > wanted:
        readers = [i for i in live if i["role"] == "reader" and instance_number(cluster_identifier, i["id"]) is not None]
        readers.sort(key=lambda i: instance_number(cluster_identifier, i["id"]), reverse=True)
        to_remove = [i["id"] for i in readers[: len(live) - wanted]]
    return to_add, to_remove


def instance_fixes(instance):
    """ModifyDBInstance parameters that bring an instance back to db.serverless and private; {} when it is."""
    fixes = {}
    if instance.get("instance_class") != INSTANCE_CLASS:
        fixes["DBInstanceClass"] = INSTANCE_CLASS
    if instance.get("publicly_accessible"):
        fixes["PubliclyAccessible"] = False
    return fixes


# ---------------------------------------------------------------- RDS calls


@AWSRetry.jittered_backoff()
def describe_cluster(client, identifier):
    try:
        return client.describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]
    except client.exceptions.DBClusterNotFoundFault:
        return None


@AWSRetry.jittered_backoff()
def describe_cluster_instances(client, identifier):
    paginator = client.get_paginator("describe_db_instances")
    filters = [{"Name": "db-cluster-id", "Values": [identifier]}]
    return paginator.paginate(Filters=filters).build_full_result()["DBInstances"]


@AWSRetry.jittered_backoff()
def describe_subnet_group(client, name):
    try:
        return client.describe_db_subnet_groups(DBSubnetGroupName=name)["DBSubnetGroups"][0]
    except client.exceptions.DBSubnetGroupNotFoundFault:
        return None


@AWSRetry.jittered_backoff()
def describe_cluster_snapshot(client, identifier):
    """The DB cluster snapshot named ``identifier``, or None."""
    try:
        return client.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=identifier)["DBClusterSnapshots"][0]
    except client.exceptions.DBClusterSnapshotNotFoundFault:
        return None


@AWSRetry.jittered_backoff()
def list_tags(client, arn):
    return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(ResourceName=arn)["TagList"])


@AWSRetry.jittered_backoff()
def add_tags(client, arn, tags):
    client.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())])


@AWSRetry.jittered_backoff()
def remove_tags(client, arn, keys):
    client.remove_tags_from_resource(ResourceName=arn, TagKeys=sorted(keys))


@AWSRetry.jittered_backoff()
def create_subnet_group(client, name, subnet_ids, tags):
    return client.create_db_subnet_group(
        DBSubnetGroupName=name,
        DBSubnetGroupDescription="Subnets of Aurora cluster {0} (streamflix.media_platform.aurora_serverless_v2)".format(name),
        SubnetIds=subnet_ids,
        Tags=[{"Key": k, "Value": v} for k, v in sorted((tags or {}).items())],
    )["DBSubnetGroup"]


@AWSRetry.jittered_backoff()
def modify_subnet_group(client, name, subnet_ids):
    return client.modify_db_subnet_group(DBSubnetGroupName=name, SubnetIds=subnet_ids)["DBSubnetGroup"]


@AWSRetry.jittered_backoff()
def delete_subnet_group(client, name):
    try:
        client.delete_db_subnet_group(DBSubnetGroupName=name)
    except client.exceptions.DBSubnetGroupNotFoundFault:
        pass  # gone meanwhile: the goal is met


def create_cluster_request(desired, subnet_group_name):
    """CreateDBCluster parameters: only what was asked for, so AWS's defaults apply to the rest."""
    request = {
        "DBClusterIdentifier": desired["identifier"],
        "Engine": desired["engine"],
        "EngineMode": "provisioned",
        "MasterUsername": desired["master_username"],
        "ManageMasterUserPassword": True,
        "ServerlessV2ScalingConfiguration": {"MinCapacity": desired["min_capacity"], "MaxCapacity": desired["max_capacity"]},
        "DBSubnetGroupName": subnet_group_name,
        "StorageEncrypted": desired["storage_encrypted"],
        "Tags": [{"Key": k, "Value": v} for k, v in sorted((desired["tags"] or {}).items())],
    }
    optional = (
        ("engine_version", "EngineVersion"),
        ("database_name", "DatabaseName"),
        ("master_user_secret_kms_key_id", "MasterUserSecretKmsKeyId"),
        ("port", "Port"),
        ("vpc_security_group_ids", "VpcSecurityGroupIds"),
        ("kms_key_id", "KmsKeyId"),
        ("backup_retention_period", "BackupRetentionPeriod"),
        ("preferred_backup_window", "PreferredBackupWindow"),
        ("preferred_maintenance_window", "PreferredMaintenanceWindow"),
        ("enabled_cloudwatch_logs_exports", "EnableCloudwatchLogsExports"),
        ("deletion_protection", "DeletionProtection"),
        ("copy_tags_to_snapshot", "CopyTagsToSnapshot"),
        ("iam_database_authentication_enabled", "EnableIAMDatabaseAuthentication"),
        ("http_endpoint_enabled", "EnableHttpEndpoint"),
        ("db_cluster_parameter_group_name", "DBClusterParameterGroupName"),
    )
    for name, parameter in optional:
        if desired.get(name) is not None:
            request[parameter] = desired[name]
    if not desired["storage_encrypted"]:
        request.pop("KmsKeyId", None)
    return request


@AWSRetry.jittered_backoff()
def create_cluster(client, request):
    return client.create_db_cluster(**request)["DBCluster"]


@AWSRetry.jittered_backoff()
def modify_cluster(client, identifier, request):
    return client.modify_db_cluster(DBClusterIdentifier=identifier, ApplyImmediately=True, **request)["DBCluster"]


@AWSRetry.jittered_backoff()
def set_http_endpoint(client, arn, enabled):
    # For Serverless v2 and provisioned clusters the Data API has its own operations; ModifyDBCluster's
    # EnableHttpEndpoint applies only to Serverless v1 (API reference, ModifyDBCluster).
    if enabled:
        client.enable_http_endpoint(ResourceArn=arn)
    else:
        client.disable_http_endpoint(ResourceArn=arn)


@AWSRetry.jittered_backoff()
def delete_cluster(client, identifier, final_snapshot_identifier):
    request = {"DBClusterIdentifier": identifier, "SkipFinalSnapshot": not final_snapshot_identifier}
    if final_snapshot_identifier:
        request["FinalDBSnapshotIdentifier"] = final_snapshot_identifier
    try:
        return client.delete_db_cluster(**request)["DBCluster"]
    except client.exceptions.DBClusterNotFoundFault:
        return None


@AWSRetry.jittered_backoff()
def create_instance(client, cluster_identifier, identifier, engine, availability_zone, tags):
    request = {
        "DBInstanceIdentifier": identifier,
        "DBClusterIdentifier": cluster_identifier,
        "Engine": engine,
        "DBInstanceClass": INSTANCE_CLASS,
        "PubliclyAccessible": False,
        "Tags": [{"Key": k, "Value": v} for k, v in sorted((tags or {}).items())],
    }
    if availability_zone:
        request["AvailabilityZone"] = availability_zone
    return client.create_db_instance(**request)["DBInstance"]


@AWSRetry.jittered_backoff()
def modify_instance(client, identifier, request):
    return client.modify_db_instance(DBInstanceIdentifier=identifier, ApplyImmediately=True, **request)["DBInstance"]


@AWSRetry.jittered_backoff()
def delete_instance(client, identifier):
    # Aurora instances take no final snapshot of their own: the cluster's covers the data.
    try:
        return client.delete_db_instance(DBInstanceIdentifier=identifier)["DBInstance"]
    except client.exceptions.DBInstanceNotFoundFault:
        return None


# ---------------------------------------------------------------- waiters


class RdsWaiterFactory(BaseWaiterFactory):
    """Waiters for the cluster and its instances; throttling and 5xx answers are retried, never taken as an outcome."""

    @property
    def _waiter_model_data(self):
        return dict(
            cluster_available=dict(
                operation="DescribeDBClusters",
                delay=15,
                maxAttempts=240,
                acceptors=[
                    dict(state="success", matcher="pathAll", argument="DBClusters[].Status", expected="available"),
                    *[dict(state="failure", matcher="pathAny", argument="DBClusters[].Status", expected=s) for s in CLUSTER_FAILED],
                    dict(state="retry", matcher="error", expected="DBClusterNotFoundFault"),
                ],
            ),
            cluster_deleted=dict(
                operation="DescribeDBClusters",
                delay=15,
                maxAttempts=240,
                acceptors=[
                    dict(state="success", matcher="error", expected="DBClusterNotFoundFault"),
                    dict(state="retry", matcher="path", argument="length(DBClusters) > `0`", expected=True),
                ],
            ),
            instances_available=dict(
                operation="DescribeDBInstances",
                delay=15,
                maxAttempts=240,
                acceptors=[
                    dict(state="success", matcher="pathAll", argument="DBInstances[].DBInstanceStatus", expected="available"),
                    *[dict(state="failure", matcher="pathAny", argument="DBInstances[].DBInstanceStatus", expected=s) for s in INSTANCE_FAILED],
                    dict(state="retry", matcher="error", expected="DBInstanceNotFound"),
                ],
            ),
            instance_deleted=dict(
                operation="DescribeDBInstances",
                delay=15,
                maxAttempts=240,
                acceptors=[
                    dict(state="success", matcher="error", expected="DBInstanceNotFound"),
                    dict(state="retry", matcher="path", argument="length(DBInstances) > `0`", expected=True),
                ],
            ),
        )


def wait_for(client, waiter_name, timeout, **params):
    """Run one of the waiters above for at most ``timeout`` seconds (raises botocore's WaiterError on failure or timeout)."""
    client = getattr(client, "client", client)  # the waiter needs the plain client, not amazon.aws's retrying wrapper
    config = custom_waiter_config(max(int(timeout), 1), default_pause=15)
    RdsWaiterFactory().get_waiter(client, waiter_name).wait(WaiterConfig=config, **params)


# ---------------------------------------------------------------- DB cluster parameter groups

# DBClusterParameterGroupName: 1-255 letters, digits or hyphens; a letter first; no trailing or double hyphen.
PARAMETER_GROUP_PATTERN = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,254}(?<!-)\Z")
# ModifyDBClusterParameterGroup takes at most 20 parameters per call (API reference).
PARAMETERS_PER_CALL = 20


def parameter_changes(current, desired):
    """{name: value} of the ``desired`` parameters whose value differs from ``current`` (both {name: str})."""
    return {name: value for name, value in sorted(desired.items()) if current.get(name) != value}


def parameter_group_view(group, parameters, tags):
    """The module's view of a DescribeDBClusterParameterGroups entry, its user-set parameters and its tags."""
    if not group:
        return {}
    return {
        "name": group["DBClusterParameterGroupName"],
        "arn": group.get("DBClusterParameterGroupArn"),
        "family": group.get("DBParameterGroupFamily"),
        "description": group.get("Description"),
        "parameters": parameters,
        "tags": tags,
    }


@AWSRetry.jittered_backoff()
def engine_family(client, engine, engine_version):
    """The DBParameterGroupFamily of ``engine`` ``engine_version`` (DescribeDBEngineVersions), or None when AWS has no such version."""
    versions = client.describe_db_engine_versions(Engine=engine, EngineVersion=engine_version)["DBEngineVersions"]
    return versions[0]["DBParameterGroupFamily"] if versions else None


@AWSRetry.jittered_backoff()
def describe_parameter_group(client, name):
    try:
        return client.describe_db_cluster_parameter_groups(DBClusterParameterGroupName=name)["DBClusterParameterGroups"][0]
    except client.exceptions.DBParameterGroupNotFoundFault:
        return None


@AWSRetry.jittered_backoff()
def user_parameters(client, name):
    """{name: value} of the parameters set in the group (Source=user); the engine defaults are not listed."""
    paginator = client.get_paginator("describe_db_cluster_parameters")
    parameters = paginator.paginate(DBClusterParameterGroupName=name, Source="user").build_full_result()["Parameters"]
    return {p["ParameterName"]: p.get("ParameterValue") for p in parameters}


@AWSRetry.jittered_backoff()
def create_parameter_group(client, name, family, description, tags):
    return client.create_db_cluster_parameter_group(
        DBClusterParameterGroupName=name,
        DBParameterGroupFamily=family,
        Description=description,
        Tags=[{"Key": k, "Value": v} for k, v in sorted((tags or {}).items())],
    )["DBClusterParameterGroup"]


@AWSRetry.jittered_backoff()
def modify_parameters(client, name, values, apply_method):
    items = sorted(values.items())
    for start in range(0, len(items), PARAMETERS_PER_CALL):
        chunk = items[start:start + PARAMETERS_PER_CALL]
        client.modify_db_cluster_parameter_group(
            DBClusterParameterGroupName=name,
            Parameters=[{"ParameterName": k, "ParameterValue": v, "ApplyMethod": apply_method} for k, v in chunk],
        )


@AWSRetry.jittered_backoff()
def delete_parameter_group(client, name):
    try:
        client.delete_db_cluster_parameter_group(DBClusterParameterGroupName=name)
    except client.exceptions.DBParameterGroupNotFoundFault:
        pass  # gone meanwhile: the goal is met
