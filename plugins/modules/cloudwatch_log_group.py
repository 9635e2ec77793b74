#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: StreamFlix platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cloudwatch_log_group
short_description: Manage a CloudWatch Logs log group, its retention, KMS key and tags
version_added: 0.1.0
description:
  - Creates, converges or deletes one CloudWatch Logs log group, found by its exact name.
  - On an existing group it compares the retention, the KMS key, the tags and the log class with what is asked
    and sends only what differs (PutRetentionPolicy or DeleteRetentionPolicy, AssociateKmsKey or
    DisassociateKmsKey, TagResource and UntagResource); it returns the group before and after as a diff.
  - In check mode it calls nothing that changes AWS and returns the group it would leave.
  - This module exists because amazon.aws.cloudwatchlogs_log_group (10.1.2) cannot be trusted with a plan
    or with drift. In check mode a retention change on an existing group calls PutRetentionPolicy (check
    mode changes AWS); the KMS key of an existing group is never compared, so a key removed by hand stays
    removed and a changed key is ignored; an invalid retention deletes the whole group before failing; and
    it returns no diff. This module validates every input before any call, compares the key, and never
    deletes or recreates a group except with O(state=absent).
author:
  - StreamFlix platform team (!UNKNOWN)
options:
  state:
    description: Whether the log group should exist.
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - The log group's name, 1-512 letters, digits, C(_), C(-), C(/), C(.) and C(#).
      - Matched exactly; a group whose name merely starts with it is a different group.
    type: str
    required: true
    aliases: [log_group_name]
  retention_days:
    description:
      - How many days the group keeps its events. One of the values PutRetentionPolicy accepts
        (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
        3653), or C(0) for never expire (the group's retention policy is deleted).
      - Left out, the group's retention is left as it is (a new group never expires).
      - Any other value fails before any call.
    type: int
  kms_key_id:
    description:
      - The ARN of the symmetric KMS key that encrypts the group's events (C(arn:aws:kms:<region>:<account>:key/<id>)).
        The key policy must let CloudWatch Logs use it for this group.
      - When the group has no key or another one, the key is associated (AssociateKmsKey).
      - C('') removes the group's key (DisassociateKmsKey); left out, the key is left as it is.
    type: str
  log_group_class:
    description:
      - The log class of a new group. AWS cannot change it on an existing group, so the module fails
        (and changes nothing) when it differs from the existing group's class, rather than recreating the group
        and losing its events.
      - Left out, a new group is C(STANDARD) and an existing group's class is not compared.
    type: str
    choices: [STANDARD, INFREQUENT_ACCESS, DELIVERY]
notes:
  - The tagging calls take the log group ARN without the trailing C(:*) (DescribeLogGroups' C(logGroupArn)), as
    the CloudWatch Logs API reference requires.
  - AWS applies a key association or removal to newly ingested events, and can take up to five minutes to do so.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Keep the application's logs for a week, under the environment key
  streamflix.media_platform.cloudwatch_log_group:
    name: /streamflix/dev/app
    retention_days: 7
    kms_key_id: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    tags:
      Project: streamflix
    purge_tags: true

- name: Keep these events forever, encrypted by CloudWatch Logs' own key
  streamflix.media_platform.cloudwatch_log_group:
    name: /streamflix/dev/audit
    retention_days: 0
    kms_key_id: ""

- name: Remove the group
  streamflix.media_platform.cloudwatch_log_group:
    name: /streamflix/dev/app
    state: absent
"""

RETURN = r"""
log_group:
  description: The log group after the change (projected in check mode); empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: The group's name.
      type: str
      sample: /streamflix/dev/app
    arn:
      description: The group's ARN without the trailing C(:*); C(null) for a group check mode would create.
      type: str
      sample: arn:aws:logs:us-east-1:123456789012:log-group:/streamflix/dev/app
    retention_days:
      description: Days the events are kept; C(0) when they never expire.
      type: int
      sample: 7
    kms_key_id:
      description: The ARN of the group's KMS key; C(null) when CloudWatch Logs' own key encrypts it.
      type: str
    log_group_class:
      description: The group's log class.
      type: str
      sample: STANDARD
    tags:
      description: The group's tags.
      type: dict
diff:
  description: The log group before and after (keys as in RV(log_group)).
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.streamflix.media_platform.plugins.module_utils import cloudwatch_logs

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule


def read_log_group(module, client):
    name = module.params["name"]
    try:
        found = cloudwatch_logs.find_log_group(client, name)
        if found is None:
            return None
        tags = cloudwatch_logs.list_tags(client, cloudwatch_logs.tagging_arn(found))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not read the log group {0}".format(name))
    return cloudwatch_logs.current_log_group(found, tags)


def create(module, client, desired):
    if module.check_mode:
        return desired
    name = desired["name"]
    try:
        cloudwatch_logs.create_log_group(client, desired)
        if desired["retention_days"] != cloudwatch_logs.NEVER_EXPIRE:
            cloudwatch_logs.put_retention_policy(client, name, desired["retention_days"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not create the log group {0}".format(name))
    created = read_log_group(module, client)
    return created or desired  # not listed yet: report what was asked for


def update(module, client, current, todo):
    if module.check_mode:
        return
    name = current["name"]
    step = "change"
    try:
        if "retention_days" in todo:
            step = "set the retention of"
            if todo["retention_days"] == cloudwatch_logs.NEVER_EXPIRE:
                cloudwatch_logs.delete_retention_policy(client, name)
            else:
                cloudwatch_logs.put_retention_policy(client, name, todo["retention_days"])
        if "kms_key_id" in todo:
            if todo["kms_key_id"]:
                step = "associate the KMS key {0} with".format(todo["kms_key_id"])
                cloudwatch_logs.associate_kms_key(client, name, todo["kms_key_id"])
            else:
                step = "remove the KMS key of"
                cloudwatch_logs.disassociate_kms_key(client, name)
        if todo.get("tags_to_unset"):
            step = "remove tags from"
            cloudwatch_logs.untag_resource(client, current["arn"], todo["tags_to_unset"])
        if todo.get("tags_to_set"):
            step = "tag"
            cloudwatch_logs.tag_resource(client, current["arn"], todo["tags_to_set"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Could not {0} the log group {1}".format(step, name))


def ensure_present(module, client, current):
    desired = cloudwatch_logs.desired_log_group(module.params, current)
    if current is None:
        return True, create(module, client, desired)
    todo = cloudwatch_logs.changes(current, desired)
    if "log_group_class" in todo:
        module.fail_json(
            msg=(
                "log_group_class: the log group {0} is {1}; AWS cannot change the class of an existing group. "
                "Set log_group_class to {1} (or leave it out), or delete the group (state=absent, which deletes "
                "its events) and run again with {2}.".format(current["name"], current["log_group_class"], todo["log_group_class"])
            ),
            log_group=current,
        )
    if not todo:
        return False, current
    update(module, client, current, todo)
    return True, desired


def ensure_absent(module, client, current):
    if current is None:
        return False, {}
    if not module.check_mode:
        try:
            cloudwatch_logs.delete_log_group(client, current["name"])
        except is_boto3_error_code("ResourceNotFoundException"):
            pass  # deleted meanwhile: the goal is reached
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg="Could not delete the log group {0}".format(current["name"]))
    return True, {}


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str", required=True, aliases=["log_group_name"]),
        retention_days=dict(type="int"),
        kms_key_id=dict(type="str", no_log=False),
        log_group_class=dict(type="str", choices=list(cloudwatch_logs.LOG_GROUP_CLASSES)),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    errors = cloudwatch_logs.input_errors(module.params)
    if errors:
        module.fail_json(msg=" ".join(errors))

    client = module.client("logs", retry_decorator=AWSRetry.jittered_backoff())
    current = read_log_group(module, client)
    before = current or {}

    if module.params["state"] == "absent":
        changed, after = ensure_absent(module, client, current)
    else:
        changed, after = ensure_present(module, client, current)

    module.exit_json(changed=changed, log_group=after, diff=dict(before=before, after=after))


if __name__ == "__main__":
    main()
