#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: efs_file_system
short_description: Manage one EFS file system (encryption, throughput, lifecycle, backup policy, tags)
version_added: 0.1.0
description:
  - Creates, modifies in place or deletes one Amazon EFS file system. Its mount targets are managed by
    M(streamflix.media_platform.efs_mount_targets) and its access points by
    M(streamflix.media_platform.efs_access_point).
  - The file system is identified by O(name), which is both its C(Name) tag and its creation token, so a
    create that is retried (or re-run after a lost answer) finds the file system instead of making a second one.
  - Encryption, the KMS key and the performance mode are fixed when AWS creates a file system. When they
    differ the module fails and names them; changing them needs a new file system (delete it with
    O(state=absent) and create it again, which loses its data).
  - The throughput mode and provisioned throughput (UpdateFileSystem), the lifecycle configuration
    (PutLifecycleConfiguration), the backup policy (PutBackupPolicy) and the tags (TagResource,
    UntagResource) change in place; only the settings that differ are sent.
  - With O(state=absent) the module deletes the file system's access points and mount targets first, then
    waits until the mount targets are gone (AWS refuses to delete a file system that still has mount targets,
    and its user guide asks for the access points to be deleted first too), then deletes the file system.
  - Why this module exists - community.aws.efs uses the old EFS tagging API (CreateTags/DeleteTags), has no
    backup policy, archive transition or elastic throughput support, mixes the mount targets into the file
    system, and knows nothing of access points.
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description: Whether the file system should exist.
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - The file system's C(Name) tag and creation token (1 to 64 characters).
    type: str
    required: true
  encrypted:
    description: Whether the data is encrypted at rest. Fixed at creation.
    type: bool
    default: true
  kms_key_id:
    description:
      - The KMS key (id, ARN, alias name or alias ARN) that encrypts the file system. Fixed at creation.
      - When omitted, AWS uses its managed key C(aws/elasticfilesystem) on create, and any key is accepted
        on an existing file system.
    type: str
  performance_mode:
    description: The performance mode. Fixed at creation.
    type: str
    choices: [generalPurpose, maxIO]
    default: generalPurpose
  throughput_mode:
    description:
      - The throughput mode; changed in place. AWS allows some throughput changes only once every 24 hours
        and answers C(TooManyRequests) otherwise.
    type: str
    choices: [bursting, elastic, provisioned]
    default: bursting
  provisioned_throughput_in_mibps:
    description: The provisioned throughput in MiB/s. Required with O(throughput_mode=provisioned), invalid otherwise.
    type: float
  transition_to_ia:
    description:
      - When files not accessed for this long move to Infrequent Access storage - V(AFTER_1_DAY), V(AFTER_7_DAYS),
        V(AFTER_14_DAYS), V(AFTER_30_DAYS), V(AFTER_60_DAYS), V(AFTER_90_DAYS), V(AFTER_180_DAYS), V(AFTER_270_DAYS)
        or V(AFTER_365_DAYS).
        Omit it (or give null) for never.
      - O(transition_to_ia), O(transition_to_primary_storage_class) and O(transition_to_archive) together are
        the whole lifecycle configuration.
      - The three take null (no such transition), so their values are checked by the module rather than listed
        as choices.
    type: str
  transition_to_primary_storage_class:
    description: V(AFTER_1_ACCESS) moves files back to Standard storage on their first access. Omit it (or give null) to leave them where they are.
    type: str
  transition_to_archive:
    description:
      - When files not accessed for this long move to Archive storage - the same values as O(transition_to_ia).
        Omit it (or give null) for never.
      - AWS allows it only with O(throughput_mode=elastic) and O(performance_mode=generalPurpose), and it must
        be later than O(transition_to_ia).
    type: str
  backup_policy:
    description: Whether AWS Backup backs the file system up automatically.
    type: str
    choices: [enabled, disabled]
    default: enabled
  wait:
    description:
      - Wait until the file system is C(available) (or, with O(state=absent), gone).
      - With O(wait=false) the module still waits where AWS needs it - for a new file system to be available
        before its lifecycle is set.
      - With O(state=absent) and O(wait=false) the module deletes the access points, starts deleting the mount
        targets and returns, leaving the file system (AWS refuses to delete it while it has mount targets, also
        C(deleting) ones) with RV(file_system) naming it; a later run, once the mount targets are gone, deletes it.
        The teardown waits for all slow deletions once, then runs the module again.
    type: bool
    default: true
  wait_timeout:
    description: How many seconds to wait.
    type: int
    default: 600
notes:
  - The C(Name) tag is always O(name); O(purge_tags) never removes it.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Media file system, encrypted with the platform key
  streamflix.media_platform.efs_file_system:
    name: streamflix-media-dev
    kms_key_id: "{{ platform_key_arn }}"
    throughput_mode: elastic
    transition_to_ia: AFTER_30_DAYS
    transition_to_primary_storage_class: AFTER_1_ACCESS
    backup_policy: enabled
    tags:
      Project: streamflix
  register: efs

- name: Remove it (its access points and mount targets go first)
  streamflix.media_platform.efs_file_system:
    name: streamflix-media-dev
    state: absent
"""

RETURN = r"""
file_system:
  description:
    - The file system after the change (projected in check mode); empty when absent.
    - With O(state=absent) and O(wait=false), the file system left while its mount targets are deleted.
  returned: always
  type: dict
  contains:
    file_system_id:
      description: The id; C(null) for one that check mode would create.
      type: str
      sample: fs-0123456789abcdef0
    file_system_arn:
      description: The ARN.
      type: str
    name:
      description: The C(Name) tag.
      type: str
    creation_token:
      description: The creation token (the name).
      type: str
    life_cycle_state:
      description: C(creating), C(available), C(updating), C(deleting), C(deleted) or C(error).
      type: str
    encrypted:
      description: Whether the data is encrypted at rest.
      type: bool
    kms_key_id:
      description: The KMS key as AWS reports it (an ARN).
      type: str
    performance_mode:
      description: The performance mode.
      type: str
    throughput_mode:
      description: The throughput mode.
      type: str
    provisioned_throughput_in_mibps:
      description: The provisioned throughput; C(null) unless the mode is C(provisioned).
      type: float
    transition_to_ia:
      description: The Infrequent Access transition, or C(null).
      type: str
    transition_to_primary_storage_class:
      description: The transition back to Standard, or C(null).
      type: str
    transition_to_archive:
      description: The Archive transition, or C(null).
      type: str
    backup_policy:
      description: C(enabled) or C(disabled).
      type: str
    number_of_mount_targets:
      description: How many mount targets the file system has.
      type: int
    tags:
      description: The tags.
      type: dict
changes:
  description: What was (or in check mode would be) changed - C(file_system) when created or deleted, else the settings.
  returned: always
  type: list
  elements: str
  sample: [throughput_mode, lifecycle, tags]
diff:
  description: The file system before and after.
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.streamflix.media_platform.plugins.module_utils import efs
from ansible_collections.streamflix.media_platform.plugins.module_utils.kms import is_key_arn

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
    from botocore.exceptions import WaiterError
except ImportError:
    pass  # handled by AnsibleAWSModule


def desired_file_system(params):
    return {
        "encrypted": params["encrypted"],
        "kms_key_id": params["kms_key_id"],
        "performance_mode": params["performance_mode"],
        "throughput_mode": params["throughput_mode"],
        "provisioned_throughput_in_mibps": params["provisioned_throughput_in_mibps"],
        "lifecycle": efs.lifecycle_from_params(params),
        "backup_policy": params["backup_policy"],
    }


def key_arn(module, kms, key_id, must_exist):
    """The ARN of a key given by id, ARN or alias: AWS reports the ARN, the user may give any of them."""
    if not key_id:
        return None
    if is_key_arn(key_id):
        return key_id  # already what DescribeKey would answer
    try:
        return kms.describe_key(KeyId=key_id, aws_retry=True)["KeyMetadata"]["Arn"]
    except (ClientError, BotoCoreError) as e:
        if must_exist:
            module.fail_json_aws(e, msg="Could not find KMS key {0}; give an existing key id, ARN or alias".format(key_id))
        return key_id


def read(module, client, name):
    """(raw DescribeFileSystems entry, view) of the file system called ``name``."""
    try:
        fs = efs.describe_file_system_by_token(client, name)
        if not fs or fs.get("LifeCycleState") in ("deleting", "deleted"):
            return fs, efs.file_system_view(fs) if fs else {}
        lifecycle = efs.describe_lifecycle(client, fs["FileSystemId"])
        backup = efs.describe_backup_status(client, fs["FileSystemId"])
    except (ClientError, BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not read EFS file system {0}".format(name))
    return fs, efs.file_system_view(fs, lifecycle, backup)


def wait(module, client, waiter, file_system_id, what):
    try:
        efs.wait_for(client, waiter, module.params["wait_timeout"], FileSystemId=file_system_id)
    except WaiterError as e:
        msg = "Timed out or failed waiting for EFS file system {0} to be {1} (wait_timeout={2}s)"
        module.fail_json_aws(e, msg=msg.format(file_system_id, what, module.params["wait_timeout"]))


def projected(name, desired, tags, kms_arn):
    view = {
        "file_system_id": None,
        "file_system_arn": None,
        "name": name,
        "creation_token": name,
        "life_cycle_state": None,
        "encrypted": desired["encrypted"],
        "kms_key_id": kms_arn,
        "performance_mode": desired["performance_mode"],
        "throughput_mode": desired["throughput_mode"],
        "provisioned_throughput_in_mibps": desired["provisioned_throughput_in_mibps"] if desired["throughput_mode"] == "provisioned" else None,
        "backup_policy": desired["backup_policy"],
        "number_of_mount_targets": 0,
        "tags": tags,
    }
    for option, key in efs.LIFECYCLE_KEYS:
        view[option] = desired["lifecycle"].get(key)
    return view


def create(module, client, name, desired, tags, kms_arn):
    if module.check_mode:
        return projected(name, desired, tags, kms_arn)
    request = dict(
        CreationToken=name,
        PerformanceMode=desired["performance_mode"],
        Encrypted=desired["encrypted"],
        ThroughputMode=desired["throughput_mode"],
        Backup=desired["backup_policy"] == "enabled",
        Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())],
    )
    if desired["kms_key_id"]:
        request["KmsKeyId"] = desired["kms_key_id"]
    if desired["throughput_mode"] == "provisioned":
        request["ProvisionedThroughputInMibps"] = float(desired["provisioned_throughput_in_mibps"])
    try:
        try:
            file_system_id = efs.create_file_system(client, **request)["FileSystemId"]
        except is_boto3_error_code("FileSystemAlreadyExists"):
            # A retried create whose first answer was lost: the creation token found it.
            file_system_id = efs.describe_file_system_by_token(client, name)["FileSystemId"]
    except (ClientError, BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not create EFS file system {0}".format(name))
    if desired["lifecycle"]:
        # PutLifecycleConfiguration needs an available file system (IncorrectFileSystemLifeCycleState).
        wait(module, client, "file_system_available", file_system_id, "available")
        try:
            efs.put_lifecycle(client, file_system_id, desired["lifecycle"])
        except (ClientError, BotoCoreError) as e:
            module.fail_json_aws(e, msg="Created EFS file system {0} but could not set its lifecycle".format(file_system_id))
    if module.params["wait"]:
        wait(module, client, "file_system_available", file_system_id, "available")
    return read(module, client, name)[1]


def update(module, client, current, desired, tags):
    """Returns (changes, view): each setting that differs is sent on its own."""
    file_system_id = current["file_system_id"]
    changes = []
    lifecycle_now = dict((key, current[option]) for option, key in efs.LIFECYCLE_KEYS if current[option])
    throughput = efs.throughput_update(current, desired)
    to_set, to_unset = compare_aws_tags(current["tags"], tags, purge_tags=True)
    if lifecycle_now != desired["lifecycle"]:
        changes.append("lifecycle")
    if current["backup_policy"] != desired["backup_policy"]:
        changes.append("backup_policy")
    if to_set or to_unset:
        changes.append("tags")
    if throughput:
        changes.append("throughput_mode" if "ThroughputMode" in throughput else "provisioned_throughput_in_mibps")
    if not changes:
        return changes, current
    if module.check_mode:
        after = dict(current, throughput_mode=desired["throughput_mode"], backup_policy=desired["backup_policy"], tags=tags)
        after["provisioned_throughput_in_mibps"] = desired["provisioned_throughput_in_mibps"] if desired["throughput_mode"] == "provisioned" else None
        for option, key in efs.LIFECYCLE_KEYS:
            after[option] = desired["lifecycle"].get(key)
        return changes, after
    if current["life_cycle_state"] != "available":
        wait(module, client, "file_system_available", file_system_id, "available")
    try:
        if "lifecycle" in changes:
            efs.put_lifecycle(client, file_system_id, desired["lifecycle"])
        if "backup_policy" in changes:
            efs.put_backup_policy(client, file_system_id, desired["backup_policy"] == "enabled")
        if to_unset:
            efs.untag_resource(client, file_system_id, to_unset)
        if to_set:
            efs.tag_resource(client, file_system_id, to_set)
        # Last: UpdateFileSystem puts the file system in 'updating' for a while.
        if throughput:
            efs.update_file_system(client, file_system_id, throughput)
    except (ClientError, BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not change {0} of EFS file system {1}".format(", ".join(changes), file_system_id))
    if module.params["wait"] and throughput:
        wait(module, client, "file_system_available", file_system_id, "available")
    return changes, read(module, client, current["creation_token"])[1]


def ensure_present(module, client, kms, name, fs, current):
    """Returns (changed, file_system, changes)."""
    problems = efs.lifecycle_value_problems(module.params)
    if problems:
        module.fail_json(msg="EFS file system {0}: {1}".format(name, "; ".join(problems)))
    desired = desired_file_system(module.params)
    problems = efs.file_system_problems(desired)
    if problems:
        module.fail_json(msg="EFS file system {0}: {1}".format(name, "; ".join(problems)))
    if fs and fs.get("LifeCycleState") == "error":
        module.fail_json(msg="EFS file system {0} ({1}) is in state 'error'; delete it (state=absent) and run again".format(name, fs["FileSystemId"]))
    if fs and fs.get("LifeCycleState") in ("deleting", "deleted"):
        # The creation token is taken until the old file system is gone.
        if not module.check_mode:
            wait(module, client, "file_system_deleted", fs["FileSystemId"], "deleted")
        fs, current = None, {}
    tags = efs.desired_tags(name, module.params["tags"], current.get("tags", {}), module.params["purge_tags"])
    kms_arn = key_arn(module, kms, desired["kms_key_id"], must_exist=True) if desired["encrypted"] else None
    if not fs:
        return True, create(module, client, name, desired, tags, kms_arn), ["file_system"]
    have = dict(current, kms_key_arn=key_arn(module, kms, current["kms_key_id"], must_exist=False))
    want = dict(desired, kms_key_arn=kms_arn)
    immutable = efs.immutable_differences(have, want)
    if immutable:
        module.fail_json(
            msg="EFS file system {0} ({1}) differs in {2}, which AWS fixes at creation: a change needs a new file system "
            "(state=absent, then present; the data is lost). Current: {3}.".format(
                name, current["file_system_id"], ", ".join(immutable), ", ".join("{0}={1}".format(k, have.get(k)) for k in immutable)
            ),
            immutable=immutable,
        )
    changes, after = update(module, client, current, desired, tags)
    return bool(changes), after, changes


def ensure_absent(module, client, fs, current):
    """Returns (changed, file_system, changes)."""
    if not fs:
        return False, {}, []
    file_system_id = fs["FileSystemId"]
    if fs.get("LifeCycleState") in ("deleting", "deleted"):
        if module.params["wait"] and not module.check_mode:
            wait(module, client, "file_system_deleted", file_system_id, "deleted")
        return False, {}, []
    try:
        access_points = efs.describe_access_points(client, file_system_id)
        mount_targets = efs.describe_mount_targets(client, file_system_id)
    except (ClientError, BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not list the access points and mount targets of EFS file system {0}".format(file_system_id))
    changes = ["file_system"]
    if access_points:
        changes.append("access_points")
    if mount_targets:
        changes.append("mount_targets")
    if module.check_mode:
        return True, {}, changes
    try:
        for access_point in access_points:
            efs.delete_access_point(client, access_point["AccessPointId"])
        for mount_target in mount_targets:
            if mount_target.get("LifeCycleState") not in ("deleting", "deleted"):
                efs.delete_mount_target(client, mount_target["MountTargetId"])
    except (ClientError, BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not delete the access points and mount targets of EFS file system {0}".format(file_system_id))
    if mount_targets and not module.params["wait"]:
        # The file system stays until its mount targets are gone: a later run deletes it.
        changes.remove("file_system")
        return True, current, changes
    for mount_target in mount_targets:
        try:
            efs.wait_for(client, "mount_target_deleted", module.params["wait_timeout"], MountTargetId=mount_target["MountTargetId"])
        except WaiterError as e:
            module.fail_json_aws(e, msg="Timed out waiting for mount target {0} of {1} to be deleted".format(mount_target["MountTargetId"], file_system_id))
    try:
        efs.delete_file_system(client, file_system_id)
    except (ClientError, BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not delete EFS file system {0}".format(file_system_id))
    if module.params["wait"]:
        wait(module, client, "file_system_deleted", file_system_id, "deleted")
    return True, {}, changes


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str", required=True),
        encrypted=dict(type="bool", default=True),
        kms_key_id=dict(type="str"),
        performance_mode=dict(type="str", choices=["generalPurpose", "maxIO"], default="generalPurpose"),
        throughput_mode=dict(type="str", choices=["bursting", "elastic", "provisioned"], default="bursting"),
        provisioned_throughput_in_mibps=dict(type="float"),
        # No choices: null is a value (no such transition); efs.lifecycle_value_problems checks them.
        transition_to_ia=dict(type="str"),
        transition_to_primary_storage_class=dict(type="str"),
        transition_to_archive=dict(type="str"),
        backup_policy=dict(type="str", choices=["enabled", "disabled"], default="enabled"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    name = module.params["name"]
    if not 1 <= len(name) <= 64:
        module.fail_json(msg="name must be 1 to 64 characters: it is the file system's creation token")
    retry = AWSRetry.jittered_backoff(catch_extra_error_codes=efs.RETRY_CODES)
    client = module.client("efs", retry_decorator=retry)
    fs, before = read(module, client, name)

    if module.params["state"] == "absent":
        changed, after, changes = ensure_absent(module, client, fs, before)
    else:
        kms = module.client("kms", retry_decorator=retry)
        changed, after, changes = ensure_present(module, client, kms, name, fs, before)

    module.exit_json(changed=changed, file_system=after, changes=changes, diff=dict(before=before, after=after))


if __name__ == "__main__":
    main()
