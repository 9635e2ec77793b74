#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: efs_access_point
short_description: Manage one EFS access point (POSIX user, root directory, tags)
version_added: 0.1.0
description:
  - Creates, re-tags, replaces or deletes one access point of an EFS file system.
  - The access point is identified by O(file_system_id) and O(name), its C(Name) tag; O(name) is also the
    client token of the create, so a create that is retried does not make a second access point.
  - AWS cannot modify an access point except its tags. When O(posix_user) or O(root_directory) differ, the
    module replaces the access point (deletes it, then creates the new one) if O(replace_on_change=true), and
    otherwise fails naming the settings. Clients mounted through the old access point lose access.
  - Why this module exists - neither amazon.aws nor community.aws can manage EFS access points.
    The file system is managed by M(streamflix.media_platform.efs_file_system).
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description: Whether the access point should exist.
    type: str
    choices: [present, absent]
    default: present
  file_system_id:
    description: The file system's id.
    type: str
    required: true
  name:
    description: The access point's C(Name) tag and client token (1 to 64 characters), unique in the file system.
    type: str
    required: true
  posix_user:
    description: The POSIX identity that every request through the access point uses. Omit to use the client's.
    type: dict
    suboptions:
      uid:
        description: The user id (0 to 4294967295).
        type: int
        required: true
      gid:
        description: The group id (0 to 4294967295).
        type: int
        required: true
      secondary_gids:
        description: Up to 16 secondary group ids.
        type: list
        elements: int
  root_directory:
    description: The directory that clients of the access point see as C(/).
    type: dict
    suboptions:
      path:
        description: An absolute path of at most 4 components and 100 characters.
        type: str
        default: /
      creation_info:
        description:
          - The owner and mode EFS gives O(root_directory.path) if it does not exist when a client first mounts
            the access point. Without it, a missing path makes mounts fail.
        type: dict
        suboptions:
          owner_uid:
            description: The owning user id.
            type: int
            required: true
          owner_gid:
            description: The owning group id.
            type: int
            required: true
          permissions:
            description: The mode as an octal string, for example C('0755') (quote it in YAML).
            type: str
            required: true
  replace_on_change:
    description: Replace the access point when O(posix_user) or O(root_directory) differ, instead of failing.
    type: bool
    default: false
  wait:
    description: Wait until a new access point is C(available) (or a deleted one is gone).
    type: bool
    default: true
  wait_timeout:
    description: How many seconds to wait.
    type: int
    default: 300
notes:
  - The C(Name) tag is always O(name); O(purge_tags) never removes it.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The media access point
  streamflix.media_platform.efs_access_point:
    file_system_id: "{{ efs.file_system.file_system_id }}"
    name: streamflix-media-dev
    posix_user:
      uid: 1000
      gid: 1000
    root_directory:
      path: /media
      creation_info:
        owner_uid: 1000
        owner_gid: 1000
        permissions: "0755"
    tags:
      Project: streamflix

- name: Remove it
  streamflix.media_platform.efs_access_point:
    file_system_id: "{{ efs.file_system.file_system_id }}"
    name: streamflix-media-dev
    state: absent
"""

RETURN = r"""
access_point:
  description: The access point after the change (projected in check mode); empty when absent.
  returned: always
  type: dict
  contains:
    access_point_id:
      description: The id; C(null) for one that check mode would create.
      type: str
      sample: fsap-0123456789abcdef0
    access_point_arn:
      description: The ARN.
      type: str
    file_system_id:
      description: The file system.
      type: str
    name:
      description: The C(Name) tag.
      type: str
    posix_user:
      description: C(uid), C(gid) and C(secondary_gids) (sorted), or C(null).
      type: dict
    root_directory:
      description: C(path) and C(creation_info) (C(owner_uid), C(owner_gid), C(permissions) as a 4-digit octal string, or C(null)).
      type: dict
    life_cycle_state:
      description: C(creating), C(available), C(updating), C(deleting), C(deleted) or C(error).
      type: str
    tags:
      description: The tags.
      type: dict
replaced:
  description: The settings whose change needed a new access point; empty when none did.
  returned: always
  type: list
  elements: str
  sample: [root_directory]
diff:
  description: The access point before and after.
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.streamflix.media_platform.plugins.module_utils import efs

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
    from botocore.exceptions import WaiterError
except ImportError:
    pass  # handled by AnsibleAWSModule


def find(module, client, file_system_id, name):
    """The access points of the file system whose Name tag is ``name``."""
    try:
        access_points = efs.describe_access_points(client, file_system_id)
    except (ClientError, BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not list the access points of EFS file system {0}".format(file_system_id))
    return [ap for ap in access_points if efs.access_point_view(ap)["name"] == name and ap.get("LifeCycleState") not in ("deleting", "deleted")]


def wait(module, client, waiter, access_point_id, what):
    try:
        efs.wait_for(client, waiter, module.params["wait_timeout"], AccessPointId=access_point_id)
    except WaiterError as e:
        msg = "Timed out or failed waiting for access point {0} to be {1} (wait_timeout={2}s)"
        module.fail_json_aws(e, msg=msg.format(access_point_id, what, module.params["wait_timeout"]))


def read_one(module, client, access_point_id):
    try:
        return efs.access_point_view(client.describe_access_points(AccessPointId=access_point_id, aws_retry=True)["AccessPoints"][0])
    except (ClientError, BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not describe access point {0}".format(access_point_id))


def delete(module, client, access_point_id, wait_until_gone):
    try:
        efs.delete_access_point(client, access_point_id)
    except (ClientError, BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not delete access point {0}".format(access_point_id))
    if wait_until_gone:
        wait(module, client, "access_point_deleted", access_point_id, "deleted")


def create(module, client, fs, desired):
    file_system_id = fs["FileSystemId"]
    name = module.params["name"]
    if module.check_mode:
        return dict(desired, access_point_id=None, access_point_arn=None, file_system_id=file_system_id, name=name, life_cycle_state=None)
    if fs.get("LifeCycleState") != "available":
        # CreateAccessPoint needs an available file system (IncorrectFileSystemLifeCycleState).
        try:
            efs.wait_for(client, "file_system_available", module.params["wait_timeout"], FileSystemId=file_system_id)
        except WaiterError as e:
            module.fail_json_aws(e, msg="Timed out waiting for EFS file system {0} to be available".format(file_system_id))
    request = efs.create_access_point_request(file_system_id, name, desired)
    try:
        try:
            access_point_id = efs.create_access_point(client, request)["AccessPointId"]
        except is_boto3_error_code("AccessPointAlreadyExists"):
            # The client token (the name) found an access point: a retried create whose answer was lost.
            found = find(module, client, file_system_id, name)
            if not found:
                raise
            access_point_id = found[0]["AccessPointId"]
    except (ClientError, BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg="Could not create access point {0} on EFS file system {1}".format(name, file_system_id))
    if module.params["wait"]:
        wait(module, client, "access_point_available", access_point_id, "available")
    return read_one(module, client, access_point_id)


def update_tags(module, client, current, tags):
    to_set, to_unset = compare_aws_tags(current["tags"], tags, purge_tags=True)
    if not (to_set or to_unset):
        return False, current
    if not module.check_mode:
        try:
            if to_unset:
                efs.untag_resource(client, current["access_point_id"], to_unset)
            if to_set:
                efs.tag_resource(client, current["access_point_id"], to_set)
        except (ClientError, BotoCoreError) as e:
            module.fail_json_aws(e, msg="Could not tag access point {0}".format(current["access_point_id"]))
        return True, read_one(module, client, current["access_point_id"])
    return True, dict(current, tags=tags)


def ensure_present(module, client, fs, existing, current):
    """Returns (changed, access_point, replaced)."""
    params = module.params
    if not fs:
        module.fail_json(msg="EFS file system {0} does not exist; create it first (efs_file_system)".format(params["file_system_id"]))
    problems = efs.access_point_problems(params["posix_user"], params["root_directory"])
    if problems:
        module.fail_json(msg="Access point {0}: {1}".format(params["name"], "; ".join(problems)))
    if len(existing) > 1:
        module.fail_json(
            msg="EFS file system {0} has {1} access points named {2} ({3}); delete the extra ones".format(
                params["file_system_id"], len(existing), params["name"], ", ".join(ap["AccessPointId"] for ap in existing)
            )
        )
    desired = {
        "posix_user": efs.posix_user_from_params(params["posix_user"]),
        "root_directory": efs.root_directory_from_params(params["root_directory"]),
        "tags": efs.desired_tags(params["name"], params["tags"], current.get("tags", {}), params["purge_tags"]),
    }
    if not current:
        return True, create(module, client, fs, desired), []
    replaced = efs.access_point_differences(current, desired)
    if replaced and not params["replace_on_change"]:
        module.fail_json(
            msg="Access point {0} ({1}) differs in {2}, which AWS cannot change; set replace_on_change=true to replace it "
            "(clients mounted through it lose access) or change the task back. Current: {3}.".format(
                params["name"], current["access_point_id"], ", ".join(replaced), ", ".join("{0}={1}".format(k, current[k]) for k in replaced)
            ),
            replaced=replaced,
        )
    if replaced:
        if not module.check_mode:
            # The old one must be gone first: the name (client token) is taken while it exists.
            delete(module, client, current["access_point_id"], wait_until_gone=True)
        return True, create(module, client, fs, desired), replaced
    changed, after = update_tags(module, client, current, desired["tags"])
    return changed, after, []


def ensure_absent(module, client, existing):
    """Returns (changed, access_point, replaced)."""
    if not existing:
        return False, {}, []
    if not module.check_mode:
        for access_point in existing:
            delete(module, client, access_point["AccessPointId"], wait_until_gone=module.params["wait"])
    return True, {}, []


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        file_system_id=dict(type="str", required=True),
        name=dict(type="str", required=True),
        posix_user=dict(
            type="dict",
            options=dict(
                uid=dict(type="int", required=True),
                gid=dict(type="int", required=True),
                secondary_gids=dict(type="list", elements="int"),
            ),
        ),
        root_directory=dict(
            type="dict",
            options=dict(
                path=dict(type="str", default="/"),
                creation_info=dict(
                    type="dict",
                    options=dict(
                        owner_uid=dict(type="int", required=True),
                        owner_gid=dict(type="int", required=True),
                        permissions=dict(type="str", required=True),
                    ),
                ),
            ),
        ),
        replace_on_change=dict(type="bool", default=False),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=300),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    if not 1 <= len(module.params["name"]) <= 64:
        module.fail_json(msg="name must be 1 to 64 characters: it is the access point's client token")
    client = module.client("efs", retry_decorator=AWSRetry.jittered_backoff(catch_extra_error_codes=efs.RETRY_CODES))
    file_system_id = module.params["file_system_id"]
    try:
        fs = efs.describe_file_system(client, file_system_id)
    except (ClientError, BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not describe EFS file system {0}".format(file_system_id))
    existing = find(module, client, file_system_id, module.params["name"]) if fs else []
    before = efs.access_point_view(existing[0]) if existing else {}

    if module.params["state"] == "absent":
        changed, after, replaced = ensure_absent(module, client, existing)
    else:
        changed, after, replaced = ensure_present(module, client, fs, existing, before)

    module.exit_json(changed=changed, access_point=after, replaced=replaced, diff=dict(before=before, after=after))


if __name__ == "__main__":
    main()
