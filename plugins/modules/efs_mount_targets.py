#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: efs_mount_targets
short_description: Manage the set of mount targets of one EFS file system
version_added: 0.1.0
description:
  - Makes one EFS file system have exactly one mount target in each listed subnet, with the listed security
    groups, and (with O(purge=true)) none elsewhere. O(state=absent) deletes all its mount targets.
  - Security groups are changed in place (ModifyMountTargetSecurityGroups); a mount target is only created or
    deleted when its subnet is added to or removed from O(subnet_ids).
  - AWS allows one mount target per availability zone and all of them in one VPC; the module checks the
    subnets first and names the ones in conflict instead of failing half-way.
  - Mount targets take one to two minutes to become C(available) on AWS. With O(wait=false) the module starts
    the changes and returns, so a play can wait for all slow resources together later.
  - Why this module exists - community.aws.efs manages mount targets only as part of the file system (one
    security group list for all, no purge control, no waiting choice), and amazon.aws has no EFS module.
    The file system itself is managed by M(streamflix.media_platform.efs_file_system).
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description: Whether the mount targets should exist. V(absent) deletes every mount target of the file system.
    type: str
    choices: [present, absent]
    default: present
  file_system_id:
    description: The file system's id.
    type: str
    required: true
  subnet_ids:
    description:
      - The subnets that get a mount target, at most one per availability zone, all in one VPC.
      - Required when O(state=present).
    type: list
    elements: str
  security_group_ids:
    description:
      - The security groups of every mount target (at most 5, in the subnets' VPC).
      - When omitted, new mount targets get the VPC's default security group and existing ones keep theirs.
    type: list
    elements: str
  purge:
    description: Delete the mount targets in subnets not listed in O(subnet_ids).
    type: bool
    default: true
  wait:
    description: Wait until new mount targets are C(available) and deleted ones are gone.
    type: bool
    default: true
  wait_timeout:
    description: How many seconds to wait.
    type: int
    default: 600
notes:
  - The security groups of a mount target that AWS is still creating cannot be read; they are compared on the
    next run.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: A mount target in every private subnet, started without waiting
  streamflix.media_platform.efs_mount_targets:
    file_system_id: "{{ efs.file_system.file_system_id }}"
    subnet_ids: "{{ private_subnet_ids }}"
    security_group_ids: ["{{ efs_security_group_id }}"]
    wait: false

- name: Remove them
  streamflix.media_platform.efs_mount_targets:
    file_system_id: "{{ efs.file_system.file_system_id }}"
    state: absent
"""

RETURN = r"""
mount_targets:
  description: The file system's mount targets after the change (projected in check mode), by subnet.
  returned: always
  type: list
  elements: dict
  contains:
    mount_target_id:
      description: The id; C(null) for one that check mode would create.
      type: str
      sample: fsmt-0123456789abcdef0
    file_system_id:
      description: The file system.
      type: str
    subnet_id:
      description: The subnet.
      type: str
    vpc_id:
      description: The VPC.
      type: str
    availability_zone:
      description: The availability zone name.
      type: str
    ip_address:
      description: The IPv4 address clients mount.
      type: str
    network_interface_id:
      description: The mount target's network interface.
      type: str
    life_cycle_state:
      description: C(creating), C(available), C(updating), C(deleting), C(deleted) or C(error).
      type: str
    security_groups:
      description: The security group ids, sorted.
      type: list
      elements: str
changes:
  description: What was (or in check mode would be) changed.
  returned: always
  type: dict
  contains:
    created:
      description: The subnets that got a mount target.
      type: list
      elements: str
    deleted:
      description: The mount targets deleted.
      type: list
      elements: str
    security_groups:
      description: The mount targets whose security groups were replaced.
      type: list
      elements: str
diff:
  description: The mount targets before and after.
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.streamflix.media_platform.plugins.module_utils import efs

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
    from botocore.exceptions import WaiterError
except ImportError:
    pass  # handled by AnsibleAWSModule


def read(module, client, file_system_id):
    """The mount target views of the file system, sorted by subnet."""
    views = []
    try:
        for mount_target in efs.describe_mount_targets(client, file_system_id):
            groups = None
            if mount_target.get("LifeCycleState") not in ("deleting", "deleted"):
                try:
                    groups = efs.describe_mount_target_security_groups(client, mount_target["MountTargetId"])
                except is_boto3_error_code(["IncorrectMountTargetState", "MountTargetNotFound"]):
                    groups = None  # network interface not created yet, or deleted meanwhile
            view = efs.mount_target_view(mount_target, groups)
            if groups is None:
                view["security_groups"] = None
            views.append(view)
    except (ClientError, BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg="Could not list the mount targets of EFS file system {0}".format(file_system_id))
    return sorted(views, key=lambda view: view["subnet_id"])


def find_subnets(module, ec2, subnet_ids):
    """{subnet_id: {availability_zone, vpc_id}} of the listed subnets; fails naming any that do not exist."""
    try:
        paginator = ec2.get_paginator("describe_subnets")
        subnets = paginator.paginate(SubnetIds=subnet_ids).build_full_result()["Subnets"]
    except is_boto3_error_code("InvalidSubnetID.NotFound") as e:
        module.fail_json_aws(e, msg="Some of the subnets {0} do not exist; check subnet_ids".format(", ".join(subnet_ids)))
    except (ClientError, BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg="Could not describe subnets {0}".format(", ".join(subnet_ids)))
    found = dict((s["SubnetId"], {"availability_zone": s["AvailabilityZone"], "vpc_id": s["VpcId"]}) for s in subnets)
    missing = sorted(set(subnet_ids) - set(found))
    if missing:
        module.fail_json(msg="Subnets {0} do not exist; check subnet_ids".format(", ".join(missing)))
    return found


def wait_each(module, client, waiter, mount_target_ids, what):
    for mount_target_id in mount_target_ids:
        try:
            efs.wait_for(client, waiter, module.params["wait_timeout"], MountTargetId=mount_target_id)
        except WaiterError as e:
            msg = "Timed out or failed waiting for mount target {0} to be {1} (wait_timeout={2}s)"
            module.fail_json_aws(e, msg=msg.format(mount_target_id, what, module.params["wait_timeout"]))


def projected(current, plan, subnets, file_system_id, security_group_ids):
    after = []
    for view in current:
        if view["mount_target_id"] in plan["delete"]:
            continue
        if view["mount_target_id"] in plan["modify"]:
            view = dict(view, security_groups=sorted(security_group_ids))
        after.append(view)
    for subnet_id in plan["create"]:
        after.append(
            efs.mount_target_view(
                {
                    "FileSystemId": file_system_id,
                    "SubnetId": subnet_id,
                    "VpcId": subnets[subnet_id]["vpc_id"],
                    "AvailabilityZoneName": subnets[subnet_id]["availability_zone"],
                },
                security_group_ids,
            )
        )
    return sorted(after, key=lambda view: view["subnet_id"])


def create(module, client, file_system_id, subnet_id):
    """Returns the new mount target's id."""
    try:
        try:
            return efs.create_mount_target(client, file_system_id, subnet_id, module.params["security_group_ids"])["MountTargetId"]
        except is_boto3_error_code("MountTargetConflict"):
            # A retried create whose first answer was lost finds its mount target; anything else is a real conflict.
            for mount_target in efs.describe_mount_targets(client, file_system_id):
                if mount_target["SubnetId"] == subnet_id and mount_target.get("LifeCycleState") not in ("deleting", "deleted"):
                    return mount_target["MountTargetId"]
            raise
    except (ClientError, BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg="Could not create a mount target of {0} in subnet {1}".format(file_system_id, subnet_id))


def modify_security_groups(module, client, mount_target_id):
    groups = module.params["security_group_ids"]
    try:
        try:
            efs.modify_mount_target_security_groups(client, mount_target_id, groups)
        except is_boto3_error_code("IncorrectMountTargetState"):
            # Its network interface is still being created: wait for it, then change the groups.
            wait_each(module, client, "mount_target_available", [mount_target_id], "available")
            efs.modify_mount_target_security_groups(client, mount_target_id, groups)
    except (ClientError, BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg="Could not set the security groups of mount target {0} to {1}".format(mount_target_id, ", ".join(groups)))


def ensure_present(module, client, ec2, fs, current):
    """Returns (changed, mount_targets, changes)."""
    file_system_id = module.params["file_system_id"]
    if not fs:
        module.fail_json(msg="EFS file system {0} does not exist; create it first (efs_file_system)".format(file_system_id))
    subnet_ids = sorted(set(module.params["subnet_ids"]))
    groups = module.params["security_group_ids"]
    if groups is not None and not 1 <= len(groups) <= 5:
        module.fail_json(msg="security_group_ids takes 1 to 5 security groups (omit it for the VPC's default group)")
    subnets = find_subnets(module, ec2, subnet_ids) if subnet_ids else {}
    plan = efs.plan_mount_targets(current, subnets, groups, module.params["purge"])
    kept_vpcs = [
        view["vpc_id"] for view in current
        if view["life_cycle_state"] not in ("deleting", "deleted") and view["mount_target_id"] not in plan["delete"]
    ]
    problems = efs.subnet_problems(subnets, kept_vpcs) + plan["conflicts"]
    if problems:
        module.fail_json(msg="Cannot place the mount targets of {0}: {1}".format(file_system_id, "; ".join(problems)))
    changes = {"created": plan["create"], "deleted": plan["delete"], "security_groups": plan["modify"]}
    if not (plan["create"] or plan["delete"] or plan["modify"]):
        return False, current, changes
    if module.check_mode:
        return True, projected(current, plan, subnets, file_system_id, groups), changes

    for mount_target_id in plan["delete"]:
        try:
            efs.delete_mount_target(client, mount_target_id)
        except (ClientError, BotoCoreError) as e:
            module.fail_json_aws(e, msg="Could not delete mount target {0}".format(mount_target_id))
    for mount_target_id in plan["modify"]:
        modify_security_groups(module, client, mount_target_id)
    if plan["create"]:
        if fs.get("LifeCycleState") != "available":
            # CreateMountTarget needs an available file system (IncorrectFileSystemLifeCycleState).
            try:
                efs.wait_for(client, "file_system_available", module.params["wait_timeout"], FileSystemId=file_system_id)
            except WaiterError as e:
                module.fail_json_aws(e, msg="Timed out waiting for EFS file system {0} to be available".format(file_system_id))
        # A new mount target cannot share an availability zone with one that is still being deleted.
        new_azs = set(subnets[subnet_id]["availability_zone"] for subnet_id in plan["create"])
        leaving = [
            view["mount_target_id"] for view in current
            if view["availability_zone"] in new_azs and (view["mount_target_id"] in plan["delete"] or view["life_cycle_state"] == "deleting")
        ]
        wait_each(module, client, "mount_target_deleted", leaving, "deleted")
    created = [create(module, client, file_system_id, subnet_id) for subnet_id in plan["create"]]
    if module.params["wait"]:
        wait_each(module, client, "mount_target_available", created, "available")
        wait_each(module, client, "mount_target_deleted", plan["delete"], "deleted")
    return True, read(module, client, file_system_id), changes


def ensure_absent(module, client, fs, current):
    """Returns (changed, mount_targets, changes)."""
    live = [view["mount_target_id"] for view in current if view["life_cycle_state"] not in ("deleting", "deleted")]
    changes = {"created": [], "deleted": live, "security_groups": []}
    if not fs or not live:
        if fs and current and module.params["wait"] and not module.check_mode:
            wait_each(module, client, "mount_target_deleted", [view["mount_target_id"] for view in current], "deleted")
            return False, read(module, client, module.params["file_system_id"]), changes
        return False, current, changes
    if module.check_mode:
        return True, [view for view in current if view["mount_target_id"] not in live], changes
    for mount_target_id in live:
        try:
            efs.delete_mount_target(client, mount_target_id)
        except (ClientError, BotoCoreError) as e:
            module.fail_json_aws(e, msg="Could not delete mount target {0}".format(mount_target_id))
    if module.params["wait"]:
        wait_each(module, client, "mount_target_deleted", live, "deleted")
    return True, read(module, client, module.params["file_system_id"]), changes


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        file_system_id=dict(type="str", required=True),
        subnet_ids=dict(type="list", elements="str"),
        security_group_ids=dict(type="list", elements="str"),
        purge=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ["subnet_ids"])],
        supports_check_mode=True,
    )
    retry = AWSRetry.jittered_backoff(catch_extra_error_codes=efs.RETRY_CODES)
    client = module.client("efs", retry_decorator=retry)
    file_system_id = module.params["file_system_id"]
    try:
        fs = efs.describe_file_system(client, file_system_id)
    except (ClientError, BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not describe EFS file system {0}".format(file_system_id))
    before = read(module, client, file_system_id) if fs else []

    if module.params["state"] == "absent":
        changed, after, changes = ensure_absent(module, client, fs, before)
    else:
        ec2 = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
        changed, after, changes = ensure_present(module, client, ec2, fs, before)

    module.exit_json(
        changed=changed,
        mount_targets=after,
        changes=changes,
        diff=dict(before=dict(mount_targets=before), after=dict(mount_targets=after)),
    )


if __name__ == "__main__":
    main()
