# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""EFS: the pure comparisons and the API calls of the efs_file_system, efs_mount_targets and
efs_access_point modules, and the waiters they share."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import re

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.waiter import BaseWaiterFactory
from ansible_collections.amazon.aws.plugins.module_utils.waiter import custom_waiter_config

# EFS is a rest-json service: its throttling codes are not in AWSRetry's default list.
RETRY_CODES = ["ThrottlingException", "TooManyRequests", "InternalServerError"]
efs_retry = AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)

# Lifecycle: option name -> LifecyclePolicy key. PutLifecycleConfiguration replaces the whole
# configuration and wants one LifecyclePolicy object per transition.
LIFECYCLE_KEYS = (
    ("transition_to_ia", "TransitionToIA"),
    ("transition_to_primary_storage_class", "TransitionToPrimaryStorageClass"),
    ("transition_to_archive", "TransitionToArchive"),
)
TRANSITION_DAYS = ("AFTER_1_DAY", "AFTER_7_DAYS", "AFTER_14_DAYS", "AFTER_30_DAYS", "AFTER_60_DAYS",
                   "AFTER_90_DAYS", "AFTER_180_DAYS", "AFTER_270_DAYS", "AFTER_365_DAYS")

# Settings that CreateFileSystem fixes for the life of the file system.
FILE_SYSTEM_IMMUTABLE = ("encrypted", "kms_key_arn", "performance_mode")
# Settings that CreateAccessPoint fixes for the life of the access point.
ACCESS_POINT_IMMUTABLE = ("posix_user", "root_directory")


# ---------------------------------------------------------------- file systems


def days_of(rule):
    """AFTER_30_DAYS -> 30."""
    return int(rule.split("_")[1])


def lifecycle_from_params(params):
    return {key: params.get(option) for option, key in LIFECYCLE_KEYS if params.get(option)}


def lifecycle_policies(lifecycle):
    """{TransitionToIA: AFTER_30_DAYS, ...} -> the LifecyclePolicies list, one transition per object."""
    return [{key: lifecycle[key]} for _option, key in LIFECYCLE_KEYS if lifecycle.get(key)]


def lifecycle_from_policies(policies):
    lifecycle = {}
    for policy in policies or []:
        lifecycle.update({key: value for key, value in policy.items() if value})
    return lifecycle


LIFECYCLE_VALUES = {
    "transition_to_ia": TRANSITION_DAYS,
    "transition_to_primary_storage_class": ("AFTER_1_ACCESS",),
    "transition_to_archive": TRANSITION_DAYS,
}


def lifecycle_value_problems(params):
    """The lifecycle options whose value AWS does not know (null is fine: no such transition)."""
    return [
        "{0} must be one of {1} or null, not {2!r}".format(option, ", ".join(LIFECYCLE_VALUES[option]), params.get(option))
        for option, _key in LIFECYCLE_KEYS
        if params.get(option) is not None and params.get(option) not in LIFECYCLE_VALUES[option]
    ]


def file_system_problems(desired):
    """What AWS would refuse in the desired file system, as sentences a person can act on."""
    problems = []
    mode = desired["throughput_mode"]
    mibps = desired["provisioned_throughput_in_mibps"]
    if mode == "provisioned" and not mibps:
        problems.append("throughput_mode=provisioned needs provisioned_throughput_in_mibps (1 or more)")
    if mode != "provisioned" and mibps is not None:
        problems.append("provisioned_throughput_in_mibps is only valid with throughput_mode=provisioned")
    if desired["kms_key_id"] and not desired["encrypted"]:
        problems.append("kms_key_id needs encrypted=true")
    archive = desired["lifecycle"].get("TransitionToArchive")
    if archive:
        if mode != "elastic" or desired["performance_mode"] != "generalPurpose":
            problems.append("transition_to_archive needs throughput_mode=elastic and performance_mode=generalPurpose")
        to_ia = desired["lifecycle"].get("TransitionToIA")
        if to_ia and days_of(archive) <= days_of(to_ia):
            problems.append("transition_to_archive ({0}) must be later than transition_to_ia ({1})".format(archive, to_ia))
    return problems


def file_system_view(fs, lifecycle=None, backup_status=None):
    """The module's view of a DescribeFileSystems entry with its lifecycle and backup policy."""
    if not fs:
        return {}
    lifecycle = lifecycle or {}
    view = {
        "file_system_id": fs["FileSystemId"],
        "file_system_arn": fs.get("FileSystemArn"),
        "name": boto3_tag_list_to_ansible_dict(fs.get("Tags", [])).get("Name", fs.get("Name")),
        "creation_token": fs.get("CreationToken"),
        "life_cycle_state": fs.get("LifeCycleState"),
        "encrypted": bool(fs.get("Encrypted")),
        "kms_key_id": fs.get("KmsKeyId"),
        "performance_mode": fs.get("PerformanceMode"),
        "throughput_mode": fs.get("ThroughputMode"),
        "provisioned_throughput_in_mibps": fs.get("ProvisionedThroughputInMibps") if fs.get("ThroughputMode") == "provisioned" else None,
        "backup_policy": backup_state(backup_status),
        "number_of_mount_targets": fs.get("NumberOfMountTargets", 0),
        "tags": boto3_tag_list_to_ansible_dict(fs.get("Tags", [])),
    }
    for option, key in LIFECYCLE_KEYS:
        view[option] = lifecycle.get(key)
    return view


def backup_state(status):
    """DescribeBackupPolicy's status -> enabled/disabled (no policy at all means disabled)."""
    return "enabled" if status in ("ENABLED", "ENABLING") else "disabled"


def immutable_differences(current, desired):
    """The creation-time settings that differ: a change would need a new file system.

    ``current`` and ``desired`` carry ``encrypted``, ``performance_mode`` and ``kms_key_arn`` (the
    resolved key ARN; ``None`` in desired means any key is fine)."""
    differing = []
    for key in FILE_SYSTEM_IMMUTABLE:
        if key == "kms_key_arn" and (desired.get(key) is None or not desired.get("encrypted")):
            continue
        if current.get(key) != desired.get(key):
            differing.append(key)
    return differing


def throughput_update(current, desired):
    """The UpdateFileSystem parameters that bring the throughput to the desired one; {} when it is."""
    update = {}
    if current["throughput_mode"] != desired["throughput_mode"]:
        update["ThroughputMode"] = desired["throughput_mode"]
        if desired["throughput_mode"] == "provisioned":
            update["ProvisionedThroughputInMibps"] = float(desired["provisioned_throughput_in_mibps"])
    elif desired["throughput_mode"] == "provisioned" and float(current["provisioned_throughput_in_mibps"] or 0) != float(
        desired["provisioned_throughput_in_mibps"]
    ):
        update["ProvisionedThroughputInMibps"] = float(desired["provisioned_throughput_in_mibps"])
    return update


@efs_retry
def describe_file_system_by_token(client, creation_token):
    try:
        file_systems = client.describe_file_systems(CreationToken=creation_token)["FileSystems"]
    except client.exceptions.FileSystemNotFound:  # AWS's answer for the token of a deleted file system
        return None
    return file_systems[0] if file_systems else None


@efs_retry
def describe_file_system(client, file_system_id):
    try:
        return client.describe_file_systems(FileSystemId=file_system_id)["FileSystems"][0]
    except client.exceptions.FileSystemNotFound:
        return None


@efs_retry
def describe_lifecycle(client, file_system_id):
    return lifecycle_from_policies(client.describe_lifecycle_configuration(FileSystemId=file_system_id).get("LifecyclePolicies"))


@efs_retry
def describe_backup_status(client, file_system_id):
    try:
        return client.describe_backup_policy(FileSystemId=file_system_id)["BackupPolicy"]["Status"]
    except client.exceptions.PolicyNotFound:
        return None


@efs_retry
def create_file_system(client, **kwargs):
    return client.create_file_system(**kwargs)


@efs_retry
def put_lifecycle(client, file_system_id, lifecycle):
    client.put_lifecycle_configuration(FileSystemId=file_system_id, LifecyclePolicies=lifecycle_policies(lifecycle))


@efs_retry
def put_backup_policy(client, file_system_id, enabled):
    client.put_backup_policy(FileSystemId=file_system_id, BackupPolicy={"Status": "ENABLED" if enabled else "DISABLED"})


@efs_retry
def update_file_system(client, file_system_id, update):
    return client.update_file_system(FileSystemId=file_system_id, **update)


@efs_retry
def delete_file_system(client, file_system_id):
    try:
        client.delete_file_system(FileSystemId=file_system_id)
    except client.exceptions.FileSystemNotFound:
        pass  # gone meanwhile: the goal is met


# ---------------------------------------------------------------- file system policy


@efs_retry
def describe_file_system_policy(client, file_system_id):
    """The file system's policy as a dict, or None when it has none."""
    try:
        return json.loads(client.describe_file_system_policy(FileSystemId=file_system_id)["Policy"])
    except client.exceptions.PolicyNotFound:
        return None


@efs_retry
def put_file_system_policy(client, file_system_id, policy, bypass_lockout_check):
    client.put_file_system_policy(
        FileSystemId=file_system_id, Policy=json.dumps(policy, sort_keys=True), BypassPolicyLockoutSafetyCheck=bypass_lockout_check
    )


@efs_retry
def delete_file_system_policy(client, file_system_id):
    try:
        client.delete_file_system_policy(FileSystemId=file_system_id)
    except client.exceptions.FileSystemNotFound:
        pass  # gone with its file system: the goal is met


# ---------------------------------------------------------------- tags (file systems and access points)


@efs_retry
def tag_resource(client, resource_id, tags):
    client.tag_resource(ResourceId=resource_id, Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())])


@efs_retry
def untag_resource(client, resource_id, keys):
    client.untag_resource(ResourceId=resource_id, TagKeys=sorted(keys))


def desired_tags(name, tags, current_tags, purge_tags):
    """The tags the resource should end with: ``Name`` is always the module's ``name``.

    ``tags`` None leaves the other tags as they are."""
    if tags is None:
        wanted = dict(current_tags)
    elif purge_tags:
        wanted = dict(tags)
    else:
        wanted = dict(current_tags)
        wanted.update(tags)
    wanted["Name"] = name
    return wanted


# ---------------------------------------------------------------- mount targets


@efs_retry
def describe_mount_targets(client, file_system_id):
    paginator = client.get_paginator("describe_mount_targets")
    try:
        return paginator.paginate(FileSystemId=file_system_id).build_full_result().get("MountTargets", [])
    except client.exceptions.FileSystemNotFound:
        return []


@efs_retry
def describe_mount_target_security_groups(client, mount_target_id):
    return sorted(client.describe_mount_target_security_groups(MountTargetId=mount_target_id).get("SecurityGroups") or [])


@efs_retry
def create_mount_target(client, file_system_id, subnet_id, security_group_ids):
    kwargs = dict(FileSystemId=file_system_id, SubnetId=subnet_id)
    if security_group_ids is not None:
        kwargs["SecurityGroups"] = security_group_ids
    return client.create_mount_target(**kwargs)


@efs_retry
def modify_mount_target_security_groups(client, mount_target_id, security_group_ids):
    client.modify_mount_target_security_groups(MountTargetId=mount_target_id, SecurityGroups=security_group_ids)


@efs_retry
def delete_mount_target(client, mount_target_id):
    try:
        client.delete_mount_target(MountTargetId=mount_target_id)
    except client.exceptions.MountTargetNotFound:
        pass


def mount_target_view(mount_target, security_groups):
    return {
        "mount_target_id": mount_target.get("MountTargetId"),
        "file_system_id": mount_target.get("FileSystemId"),
        "subnet_id": mount_target["SubnetId"],
        "vpc_id": mount_target.get("VpcId"),
        "availability_zone": mount_target.get("AvailabilityZoneName"),
        "ip_address": mount_target.get("IpAddress"),
        "network_interface_id": mount_target.get("NetworkInterfaceId"),
        "life_cycle_state": mount_target.get("LifeCycleState"),
        "security_groups": sorted(security_groups or []),
    }


def subnet_problems(subnets, existing_vpc_ids=()):
    """What CreateMountTarget would refuse for this set of subnets ({subnet_id: {az, vpc_id}})."""
    problems = []
    by_az = {}
    for subnet_id in sorted(subnets):
        by_az.setdefault(subnets[subnet_id]["availability_zone"], []).append(subnet_id)
    for az, ids in sorted(by_az.items()):
        if len(ids) > 1:
            problems.append("subnets {0} are all in {1}: a file system has at most one mount target per availability zone".format(", ".join(ids), az))
    vpcs = sorted(set(subnet["vpc_id"] for subnet in subnets.values()) | set(existing_vpc_ids))
    if len(vpcs) > 1:
        problems.append("the mount targets of a file system must all be in one VPC; these subnets and mount targets span {0}".format(", ".join(vpcs)))
    return problems


def plan_mount_targets(current, subnets, security_group_ids, purge):
    """What to change so the file system has one mount target in each of ``subnets``.

    ``current`` is a list of mount target views; ``subnets`` maps subnet id -> {availability_zone, vpc_id};
    ``security_group_ids`` None leaves the groups alone. Returns a dict with ``create`` (subnet ids),
    ``delete`` (mount target ids), ``modify`` (mount target ids) and ``conflicts`` (sentences: a mount target
    of another subnet holds an availability zone that a listed subnet needs and purge is off).
    """
    plan = {"create": [], "delete": [], "modify": [], "conflicts": []}
    live = [mt for mt in current if mt["life_cycle_state"] not in ("deleting", "deleted")]
    by_subnet = dict((mt["subnet_id"], mt) for mt in live)
    wanted_groups = sorted(security_group_ids) if security_group_ids is not None else None
    for mt in sorted(live, key=lambda item: item["subnet_id"]):
        if mt["subnet_id"] in subnets:
            # None: not readable yet (the network interface is still being created); compared next run.
            if wanted_groups is not None and mt["security_groups"] is not None and mt["security_groups"] != wanted_groups:
                plan["modify"].append(mt["mount_target_id"])
        elif purge:
            plan["delete"].append(mt["mount_target_id"])
    kept_azs = dict((mt["availability_zone"], mt) for mt in live if mt["mount_target_id"] not in plan["delete"])
    for subnet_id in sorted(subnets):
        if subnet_id in by_subnet:
            continue
        holder = kept_azs.get(subnets[subnet_id]["availability_zone"])
        if holder is not None:
            plan["conflicts"].append(
                "subnet {0} is in {1}, where mount target {2} (subnet {3}) already is; list {3} instead or set purge=true".format(
                    subnet_id, holder["availability_zone"], holder["mount_target_id"], holder["subnet_id"]
                )
            )
            continue
        plan["create"].append(subnet_id)
    return plan


# ---------------------------------------------------------------- access points


def posix_user_from_params(posix_user):
    if not posix_user:
        return None
    return {"uid": int(posix_user["uid"]), "gid": int(posix_user["gid"]), "secondary_gids": sorted(int(g) for g in posix_user.get("secondary_gids") or [])}


def root_directory_from_params(root_directory):
    root_directory = root_directory or {}
    info = root_directory.get("creation_info")
    return {
        "path": root_directory.get("path") or "/",
        "creation_info": {
            "owner_uid": int(info["owner_uid"]),
            "owner_gid": int(info["owner_gid"]),
            "permissions": normalise_permissions(info["permissions"]),
        } if info else None,
    }


def normalise_permissions(permissions):
    """'755', '0755' and 493 are the same mode: compare and report them as a 4-digit octal string."""
    if isinstance(permissions, int):
        return "{0:04o}".format(permissions)
    return "{0:04o}".format(int(str(permissions), 8))


PATH_PATTERN = re.compile(r"^(\/|(\/(?!\.)+[^$#<>;`|&?{}^*/\n]+){1,4})$")
PERMISSIONS_PATTERN = re.compile(r"^[0-7]{3,4}$")
MAX_ID = 4294967295


def access_point_problems(posix_user, root_directory):
    """What CreateAccessPoint would refuse, from the module's parameters, as sentences a person can act on."""
    problems = []
    if posix_user:
        for key in ("uid", "gid"):
            if not 0 <= posix_user[key] <= MAX_ID:
                problems.append("posix_user.{0} must be between 0 and {1}".format(key, MAX_ID))
        gids = posix_user.get("secondary_gids") or []
        if len(gids) > 16:
            problems.append("posix_user.secondary_gids takes at most 16 groups")
        if any(not 0 <= gid <= MAX_ID for gid in gids):
            problems.append("posix_user.secondary_gids must be between 0 and {0}".format(MAX_ID))
    root_directory = root_directory or {}
    path = root_directory.get("path") or "/"
    if len(path) > 100 or not PATH_PATTERN.match(path):
        problems.append("root_directory.path {0!r} is not valid: an absolute path of at most 4 components and 100 characters, "
                        "no component starting with '.', none of $#<>;`|&?{{}}^*".format(path))
    info = root_directory.get("creation_info")
    if info:
        for key in ("owner_uid", "owner_gid"):
            if not 0 <= info[key] <= MAX_ID:
                problems.append("root_directory.creation_info.{0} must be between 0 and {1}".format(key, MAX_ID))
        if not PERMISSIONS_PATTERN.match(str(info["permissions"])):
            problems.append("root_directory.creation_info.permissions {0!r} must be an octal mode such as '0755' "
                            "(quote it in YAML, or 0755 becomes the number 493)".format(info["permissions"]))
    return problems


def access_point_view(access_point):
    if not access_point:
        return {}
    posix = access_point.get("PosixUser")
    root = access_point.get("RootDirectory") or {}
    info = root.get("CreationInfo")
    return {
        "access_point_id": access_point["AccessPointId"],
        "access_point_arn": access_point.get("AccessPointArn"),
        "file_system_id": access_point.get("FileSystemId"),
        "name": boto3_tag_list_to_ansible_dict(access_point.get("Tags", [])).get("Name", access_point.get("Name")),
        "posix_user": {
            "uid": posix["Uid"],
            "gid": posix["Gid"],
            "secondary_gids": sorted(posix.get("SecondaryGids") or []),
        } if posix else None,
        "root_directory": {
            "path": root.get("Path") or "/",
            "creation_info": {
                "owner_uid": info["OwnerUid"],
                "owner_gid": info["OwnerGid"],
                "permissions": normalise_permissions(info["Permissions"]),
            } if info else None,
        },
        "life_cycle_state": access_point.get("LifeCycleState"),
        "tags": boto3_tag_list_to_ansible_dict(access_point.get("Tags", [])),
    }


def access_point_differences(current, desired):
    """The immutable settings of an access point that differ from the desired ones."""
    return [key for key in ACCESS_POINT_IMMUTABLE if current.get(key) != desired.get(key)]


def create_access_point_request(file_system_id, client_token, desired):
    request = {
        "ClientToken": client_token,
        "FileSystemId": file_system_id,
        "Tags": [{"Key": k, "Value": v} for k, v in sorted(desired["tags"].items())],
    }
    posix = desired["posix_user"]
    if posix:
        request["PosixUser"] = {"Uid": posix["uid"], "Gid": posix["gid"]}
        if posix["secondary_gids"]:
            request["PosixUser"]["SecondaryGids"] = posix["secondary_gids"]
    root = desired["root_directory"]
    request["RootDirectory"] = {"Path": root["path"]}
    if root["creation_info"]:
        info = root["creation_info"]
        request["RootDirectory"]["CreationInfo"] = {
            "OwnerUid": info["owner_uid"],
            "OwnerGid": info["owner_gid"],
            "Permissions": info["permissions"],
        }
    return request


@efs_retry
def describe_access_points(client, file_system_id):
    paginator = client.get_paginator("describe_access_points")
    try:
        return paginator.paginate(FileSystemId=file_system_id).build_full_result().get("AccessPoints", [])
    except client.exceptions.FileSystemNotFound:
        return []


@efs_retry
def create_access_point(client, request):
    return client.create_access_point(**request)


@efs_retry
def delete_access_point(client, access_point_id):
    try:
        client.delete_access_point(AccessPointId=access_point_id)
    except client.exceptions.AccessPointNotFound:
        pass


# ---------------------------------------------------------------- waiters


def _retry_on_throttling():
    # BaseWaiterFactory adds AWSRetry's codes; EFS's own throttling codes are added here.
    return [dict(state="retry", matcher="error", expected=code) for code in RETRY_CODES]


class EfsWaiterFactory(BaseWaiterFactory):
    @property
    def _waiter_model_data(self):
        data = dict(
            file_system_available=dict(
                operation="DescribeFileSystems",
                delay=5,
                maxAttempts=120,
                acceptors=[
                    dict(state="success", matcher="pathAll", argument="FileSystems[].LifeCycleState", expected="available"),
                    dict(state="failure", matcher="pathAny", argument="FileSystems[].LifeCycleState", expected="error"),
                    dict(state="failure", matcher="pathAny", argument="FileSystems[].LifeCycleState", expected="deleting"),
                    dict(state="retry", matcher="error", expected="FileSystemNotFound"),
                ],
            ),
            file_system_deleted=dict(
                operation="DescribeFileSystems",
                delay=5,
                maxAttempts=120,
                acceptors=[
                    dict(state="success", matcher="error", expected="FileSystemNotFound"),
                    dict(state="success", matcher="path", argument="length(FileSystems[]) == `0`", expected=True),
                    dict(state="success", matcher="pathAll", argument="FileSystems[].LifeCycleState", expected="deleted"),
                    dict(state="retry", matcher="pathAny", argument="FileSystems[].LifeCycleState", expected="deleting"),
                ],
            ),
            mount_target_available=dict(
                operation="DescribeMountTargets",
                delay=10,
                maxAttempts=60,
                acceptors=[
                    dict(state="success", matcher="pathAll", argument="MountTargets[].LifeCycleState", expected="available"),
                    dict(state="failure", matcher="pathAny", argument="MountTargets[].LifeCycleState", expected="error"),
                    dict(state="failure", matcher="error", expected="MountTargetNotFound"),
                ],
            ),
            mount_target_deleted=dict(
                operation="DescribeMountTargets",
                delay=10,
                maxAttempts=60,
                acceptors=[
                    dict(state="success", matcher="error", expected="MountTargetNotFound"),
                    dict(state="success", matcher="pathAll", argument="MountTargets[].LifeCycleState", expected="deleted"),
                    dict(state="failure", matcher="pathAny", argument="MountTargets[].LifeCycleState", expected="error"),
                ],
            ),
            access_point_available=dict(
                operation="DescribeAccessPoints",
                delay=2,
                maxAttempts=60,
                acceptors=[
                    dict(state="success", matcher="pathAll", argument="AccessPoints[].LifeCycleState", expected="available"),
                    dict(state="failure", matcher="pathAny", argument="AccessPoints[].LifeCycleState", expected="error"),
                    dict(state="retry", matcher="error", expected="AccessPointNotFound"),
                ],
            ),
            access_point_deleted=dict(
                operation="DescribeAccessPoints",
                delay=2,
                maxAttempts=60,
                acceptors=[
                    dict(state="success", matcher="error", expected="AccessPointNotFound"),
                    dict(state="success", matcher="path", argument="length(AccessPoints[]) == `0`", expected=True),
                    dict(state="success", matcher="pathAll", argument="AccessPoints[].LifeCycleState", expected="deleted"),
                ],
            ),
        )
        for waiter in data.values():
            waiter["acceptors"].extend(_retry_on_throttling())
        return data


def wait_for(client, waiter_name, timeout, **kwargs):
    """Wait with one of the EFS waiters for at most ``timeout`` seconds; raises botocore's WaiterError."""
    factory = EfsWaiterFactory()
    pause = factory._waiter_model_data[waiter_name]["delay"]
    waiter = factory.get_waiter(client, waiter_name)
    waiter.wait(WaiterConfig=custom_waiter_config(timeout=timeout, default_pause=pause), **kwargs)
